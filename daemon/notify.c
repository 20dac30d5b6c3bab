/* SPDX-License-Identifier: ISC */
/* Telling systemd how we are: sd_notify(3), or nothing without systemd. */
#include <stdarg.h>
#include <stdio.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "notify.h"

void
notify_ready(void)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "READY=1");
#endif
}

/* Reloading: READY=1 follows when done (systemctl reload waits for it). */
void
notify_reloading(void)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "RELOADING=1");
#endif
}

void
notify_stopping(void)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
}

/* The one-line status "systemctl status" shows. */
void
notify_status(const char *fmt, ...)
{
#ifdef HAVE_LIBSYSTEMD
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", buf);
#else
	(void)fmt;
#endif
}

/*
 * The FIFO systemd passed us (socket activation), or -1 if none.  More
 * than one fd, or one that is not a FIFO, is a configuration error that
 * pipechatd's caller reports.
 */
int
notify_listen_fd(void)
{
#ifdef HAVE_LIBSYSTEMD
	int	n = sd_listen_fds(1);

	if (n < 0) {
		log_warnx("sd_listen_fds failed");
		return -2;
	}
	if (n == 0)
		return -1;
	if (n > 1) {
		log_warnx("systemd passed %d fds; expected one FIFO", n);
		return -2;
	}
	if (sd_is_fifo(SD_LISTEN_FDS_START, NULL) <= 0) {
		log_warnx("the fd systemd passed is not a FIFO");
		return -2;
	}
	return SD_LISTEN_FDS_START;
#else
	return -1;
#endif
}
