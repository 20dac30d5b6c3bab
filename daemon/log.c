/* SPDX-License-Identifier: ISC */
/* The daemon's own diagnostics, in the OpenBSD log.c shape. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "pclimits.h"
#include "sanitize.h"

static const char	*log_procname = "pipechatd";
static int		 log_verbose;
static int		 log_journal;	/* stderr is the journal: prefix <N> */

/*
 * Is fd connected to the journal?  Under systemd, $JOURNAL_STREAM names
 * the device and inode of the stream stdout/stderr were given.
 */
int
log_fd_is_journal(int fd)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;
	char			*end;

	if (js == NULL)
		return 0;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != ':')
		return 0;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

/* Set the name lines are tagged with and whether log_debug prints. */
void
log_init(const char *procname, int verbose)
{
	log_procname = procname;
	log_verbose = verbose;
	/* "<N>" prefixes then set each line's syslog priority. */
	log_journal = log_fd_is_journal(STDERR_FILENO);
}

#ifndef HAVE_LIBSYSTEMD
/* sd-daemon.h's, for a build without libsystemd: the same "<N>" prefixes. */
#define SD_CRIT		"<2>"
#define SD_WARNING	"<4>"
#define SD_INFO		"<6>"
#define SD_DEBUG	"<7>"
#endif

/* One line, with the journal's priority prefix (SD_*) or our name. */
static void __attribute__((format(printf, 3, 0)))
log_vwrite(const char *pri, const char *errstr, const char *fmt, va_list ap)
{
	char	raw[1024], msg[PC_SANITIZED_MAX(sizeof raw)];

	/* Names and values in it may come from anyone: escape them. */
	vsnprintf(raw, sizeof raw, fmt, ap);
	msg[sanitize(msg, raw, strlen(raw))] = '\0';
	if (log_journal)
		fputs(pri, stderr);
	else
		fprintf(stderr, "%s: ", log_procname);
	if (errstr != NULL)
		fprintf(stderr, "%s: %s\n", msg, errstr);
	else
		fprintf(stderr, "%s\n", msg);
	fflush(stderr);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	const char	*errstr = strerror(errno);
	va_list		 ap;

	va_start(ap, fmt);
	log_vwrite(SD_WARNING, errstr, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(SD_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(SD_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(SD_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/*
 * A broken invariant or no memory: say so, with errno, and exit
 * PC_EX_SOFTWARE.
 */
void
fatal(const char *fmt, ...)
{
	const char	*errstr = strerror(errno);
	va_list		 ap;

	va_start(ap, fmt);
	log_vwrite(SD_CRIT, errstr, fmt, ap);
	va_end(ap);
	exit(PC_EX_SOFTWARE);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(SD_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(PC_EX_SOFTWARE);
}
