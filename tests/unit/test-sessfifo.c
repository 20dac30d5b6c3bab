/* SPDX-License-Identifier: ISC */
/* Tests for lib/sessfifo.c: a session's FIFO pair, as clients make it. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "sessfifo.h"

#include "tap.h"

/* Mode bits of dir/name, or -1 if it is not a FIFO or not there. */
static int
fifo_mode(const char *dir, const char *name)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (lstat(path, &st) == -1 || !S_ISFIFO(st.st_mode))
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
exists(const char *dir, const char *name)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

int
main(void)
{
	char	dir[] = "/tmp/test-sessfifo.XXXXXX", path[PATH_MAX];
	char	longdir[PATH_MAX + 16];
	int	fd, rfd, wfd, rc;
	mode_t	old;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	/* The protocol's modes exactly, whatever the umask, which stays. */
	old = umask(077);
	is_int(sessfifo_make(dir, "abc"), 0, "make a pair");
	is_int(umask(old), 077, "the umask is left as it was");
	is_int(fifo_mode(dir, "abc" PROTO_IN_SUFFIX), 0640, "ID.in is 0640");
	is_int(fifo_mode(dir, "abc" PROTO_OUT_SUFFIX), 0620,
	    "ID.out is 0620");

	/* A taken id: EEXIST, and the pair there is left alone. */
	rc = sessfifo_make(dir, "abc");
	ok(rc == -1 && errno == EEXIST, "a taken id fails with EEXIST");
	ok(exists(dir, "abc.in") && exists(dir, "abc.out"),
	    "... and leaves that pair alone");

	/* Only ID.out taken: ID.in is not left behind. */
	snprintf(path, sizeof path, "%s/def%s", dir, PROTO_OUT_SUFFIX);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1)
		close(fd);
	rc = sessfifo_make(dir, "def");
	ok(rc == -1 && errno == EEXIST, "ID.out taken fails with EEXIST");
	ok(!exists(dir, "def" PROTO_IN_SUFFIX), "... leaving no ID.in");
	unlink(path);

	/* ID.out opens before the daemon does; ID.in only once it reads. */
	rfd = sessfifo_open_out(dir, "abc");
	ok(rfd != -1, "ID.out opens for reading without a writer");
	wfd = sessfifo_open_in(dir, "abc");
	ok(wfd == -1 && errno == ENXIO, "ID.in without a reader: ENXIO");
	snprintf(path, sizeof path, "%s/abc%s", dir, PROTO_IN_SUFFIX);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	wfd = sessfifo_open_in(dir, "abc");
	ok(wfd != -1 && (fcntl(wfd, F_GETFL) & O_ACCMODE) == O_WRONLY,
	    "ID.in opens for writing once read");
	if (wfd != -1)
		close(wfd);
	if (fd != -1)
		close(fd);
	if (rfd != -1)
		close(rfd);

	/* Remove takes both, and is quiet about what is gone. */
	sessfifo_remove(dir, "abc");
	ok(!exists(dir, "abc.in") && !exists(dir, "abc.out"),
	    "remove takes both FIFOs");
	sessfifo_remove(dir, "abc");

	/* A name too long for a path: ENAMETOOLONG, nothing made. */
	memset(longdir, 'x', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	rc = sessfifo_make(longdir, "abc");
	ok(rc == -1 && errno == ENAMETOOLONG, "too long: ENAMETOOLONG");
	rc = sessfifo_path(path, sizeof path, longdir, "abc",
	    PROTO_IN_SUFFIX);
	ok(rc == -1 && errno == ENAMETOOLONG, "sessfifo_path says so too");

	rmdir(dir);
	return done_testing();
}
