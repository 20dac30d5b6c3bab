/* SPDX-License-Identifier: ISC */
/* Writing messages to the daemon's well-known FIFO. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pclimits.h"
#include "proto.h"
#include "send.h"
#include "utf8.h"

/* The ini the FIFO's path came from, or NULL: it was given with -p. */
static const char	*send_config_file;

/* Say where the path of the FIFO came from (NULL: -p), for messages. */
void
send_set_config(const char *file)
{
	send_config_file = file;
}

/* path is something other than a FIFO: say so, and where it came from. */
static int
send_not_fifo(const char *path, const struct stat *st)
{
	const char	*what = S_ISREG(st->st_mode) ? "a regular file" :
			    S_ISDIR(st->st_mode) ? "a directory" :
			    S_ISSOCK(st->st_mode) ? "a socket" :
			    S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ?
			    "a device" : "not a FIFO";

	if (send_config_file != NULL)
		warnx("%s: not a FIFO but %s: check [fifo] path in %s", path,
		    what, send_config_file);
	else
		warnx("%s: not a FIFO but %s: check the path given with -p",
		    path, what);
	return PC_EX_CONFIG;
}

/* Explain why path cannot be opened, and return the exit status for it. */
static int
send_open_error(const char *path, int error)
{
	switch (error) {
	case ENOENT:
		warnx("%s: no such FIFO: is pipechatd running? "
		    "(systemctl start pipechatd)", path);
		return PC_EX_NOINPUT;
	case ENXIO:
		warnx("%s: no daemon is reading this FIFO: is pipechatd "
		    "running? (systemctl start pipechatd)", path);
		return PC_EX_UNAVAILABLE;
	case EACCES:
	case EPERM:
		warnx("%s: permission denied: are you in the FIFO's group? "
		    "(see [fifo] group in pipechat.ini; log in again after "
		    "being added)", path);
		return PC_EX_NOPERM;
	default:
		warnx("%s: %s", path, strerror(error));
		return PC_EX_UNAVAILABLE;
	}
}

/*
 * Open the daemon's FIFO for writing into *fdp.  Returns 0, or an exit
 * status after saying what is wrong.  The open does not block: with no
 * daemon reading, it fails with ENXIO instead of hanging.  Once open, the
 * fd blocks, so a busy daemon slows us down rather than losing lines.
 */
int
send_open(const char *path, int *fdp)
{
	struct stat	st;
	int		fd, flags;

	*fdp = -1;
	/* Look before opening: opening a device node can have effects. */
	if (stat(path, &st) == -1)
		return send_open_error(path, errno);
	if (!S_ISFIFO(st.st_mode))
		return send_not_fifo(path, &st);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return send_open_error(path, errno);
	if (fstat(fd, &st) == -1) {
		warn("%s", path);
		close(fd);
		return PC_EX_OSERR;
	}
	if (!S_ISFIFO(st.st_mode)) {
		close(fd);
		return send_not_fifo(path, &st);
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		warn("%s", path);
		close(fd);
		return PC_EX_OSERR;
	}
	*fdp = fd;
	return 0;
}

/*
 * Make the next message of text (len bytes left; first says whether this
 * is its start) into line, "piece\n", and return how many bytes of text
 * it took.  A message longer than PC_TEXT_MAX goes as several, cut
 * between UTF-8 characters.  In a session, a piece after the first that
 * starts with '/' gets another '/', so that the daemon shows it rather
 * than take it for a command.  On the well-known FIFO (not a session),
 * each line starts with PROTO_FIFO_LEAD, so a piece takes a byte less.
 * *linelen is at most PC_LINE_MAX.
 */
size_t
send_piece(const char *text, size_t len, int first, int session, char *line,
    size_t *linelen)
{
	size_t	cut, off = 0;

	if (!session)
		line[off++] = PROTO_FIFO_LEAD;
	else if (!first && text[0] == '/')
		line[off++] = '/';
	cut = utf8_cut(text, len, PC_TEXT_MAX - off);
	memcpy(line + off, text, cut);
	line[off + cut] = '\n';
	*linelen = off + cut + 1;
	return cut;
}

/* Write one line of at most PC_LINE_MAX bytes with a single write(2). */
static int
send_line(int fd, const char *line, size_t len)
{
	ssize_t	n;

	do
		n = write(fd, line, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Send text as one message, or, when it is longer than PC_TEXT_MAX, as
 * several, cut between UTF-8 characters: each write stays atomic.
 * Returns how many lines were written, or -1 with errno set.
 */
int
send_message(int fd, const char *text, size_t len, int session)
{
	char	line[PC_LINE_MAX];
	size_t	cut, linelen;
	int	lines = 0;

	while (len > 0) {
		cut = send_piece(text, len, lines == 0, session, line, &linelen);
		if (send_line(fd, line, linelen) == -1)
			return -1;
		lines++;
		text += cut;
		len -= cut;
	}
	return lines;
}
