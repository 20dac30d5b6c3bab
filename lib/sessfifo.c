/* SPDX-License-Identifier: ISC */
/* A session's pair of FIFOs: make, open and remove them as a client. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "proto.h"
#include "sessfifo.h"

/*
 * "DIR/IDsuffix" into buf, suffix PROTO_IN_SUFFIX or PROTO_OUT_SUFFIX.
 * Returns 0, or -1 with errno ENAMETOOLONG if it does not fit.
 */
int
sessfifo_path(char *buf, size_t size, const char *dir, const char *id,
    const char *suffix)
{
	int	n = snprintf(buf, size, "%s/%s%s", dir, id, suffix);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Make ID.in and ID.out in dir with the protocol's modes.  Returns 0, or
 * -1 with errno set (EEXIST: the id is taken) and neither FIFO left.
 */
int
sessfifo_make(const char *dir, const char *id)
{
	char	in[PATH_MAX], out[PATH_MAX];
	mode_t	old;
	int	rc = -1, saved;

	if (sessfifo_path(in, sizeof in, dir, id, PROTO_IN_SUFFIX) == -1 ||
	    sessfifo_path(out, sizeof out, dir, id, PROTO_OUT_SUFFIX) == -1)
		return -1;
	/* The modes exactly, whatever our umask. */
	old = umask(0);
	if (mkfifo(in, SESSFIFO_IN_MODE) == 0) {
		if ((rc = mkfifo(out, SESSFIFO_OUT_MODE)) == -1) {
			saved = errno;
			unlink(in);
			errno = saved;
		}
	}
	saved = errno;
	umask(old);
	errno = saved;
	return rc;
}

/* Remove ID.in and ID.out from dir, whichever are there. */
void
sessfifo_remove(const char *dir, const char *id)
{
	char	path[PATH_MAX];

	if (sessfifo_path(path, sizeof path, dir, id, PROTO_IN_SUFFIX) == 0)
		unlink(path);
	if (sessfifo_path(path, sizeof path, dir, id, PROTO_OUT_SUFFIX) == 0)
		unlink(path);
}

/*
 * Open ID.out, the FIFO the daemon writes, for reading, before the JOIN:
 * non-blocking, so that it does not wait for the daemon.  An fd or -1.
 */
int
sessfifo_open_out(const char *dir, const char *id)
{
	char	path[PATH_MAX];

	if (sessfifo_path(path, sizeof path, dir, id, PROTO_OUT_SUFFIX) == -1)
		return -1;
	return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/*
 * Open ID.in, the FIFO the daemon reads, for writing, after the welcome:
 * non-blocking (the daemon has it open, so it cannot fail with ENXIO
 * unless the daemon went away).  An fd or -1.
 */
int
sessfifo_open_in(const char *dir, const char *id)
{
	char	path[PATH_MAX];

	if (sessfifo_path(path, sizeof path, dir, id, PROTO_IN_SUFFIX) == -1)
		return -1;
	return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}
