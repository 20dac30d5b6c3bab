/* SPDX-License-Identifier: ISC */
/* Safe creation, opening and removal of the daemon's FIFOs. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fifo.h"
#include "log.h"
#include "spare.h"
#include "xmalloc.h"

/* The read end of a FIFO the daemon owns, and what it knows of it. */
struct fifo {
	char	*path;
	int	 fd;
	int	 lock_fd;	/* holds the flock: never reopened */
	dev_t	 dev;
	ino_t	 ino;
	int	 created;	/* we made it, so we remove it */
};

/*
 * The pid of the process holding a flock on dev:ino, from /proc/locks
 * ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF", major and minor in
 * hexadecimal; waiters have "->" after the number), or -1 if it cannot be
 * told (no /proc, or the holder is outside our pid namespace).
 */
static long
fifo_lock_holder(dev_t dev, ino_t ino)
{
	FILE		*fp;
	char		 line[256], *field[6], *save, *end, *p;
	unsigned long	 maj, min, i;
	long		 pid, found = -1;
	int		 n;

	if ((fp = fopen("/proc/locks", "re")) == NULL)
		return -1;
	while (found == -1 && fgets(line, sizeof line, fp) != NULL) {
		for (n = 0, p = strtok_r(line, " \t\n", &save); p != NULL &&
		    n < 6; p = strtok_r(NULL, " \t\n", &save))
			field[n++] = p;
		if (n < 6 || strcmp(field[1], "FLOCK") != 0)
			continue;
		pid = strtol(field[4], &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		maj = strtoul(field[5], &end, 16);
		if (*end != ':')
			continue;
		min = strtoul(end + 1, &end, 16);
		if (*end != ':')
			continue;
		i = strtoul(end + 1, &end, 10);
		if (*end == '\0' && maj == major(dev) && min == minor(dev) &&
		    i == ino)
			found = pid;
	}
	fclose(fp);
	return found;
}

/*
 * Take the FIFO's lock, so that no second pipechatd reads it: two readers
 * would split its lines between them at random.  The lock is on an open
 * file of its own (reopening the read end would drop it); O_PATH cannot
 * be locked, so it is a read end that is never read.  Returns 0, -1 on
 * an error, or -2 if another process holds it; *cause says which.
 */
static int
fifo_lock(struct fifo *f, char **cause)
{
	char	proc[64];
	long	pid;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
	f->lock_fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f->lock_fd == -1 && errno == ENOENT)	/* no /proc */
		f->lock_fd = open(f->path, O_RDONLY | O_NONBLOCK |
		    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (f->lock_fd == -1) {
		xasprintf(cause, "%s: cannot open it to lock it: %s", f->path,
		    strerror(errno));
		return -1;
	}
	if (flock(f->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		xasprintf(cause, "%s: cannot lock it: %s", f->path,
		    strerror(errno));
		return -1;
	}
	if ((pid = fifo_lock_holder(f->dev, f->ino)) > 0)
		xasprintf(cause, "%s: another pipechatd (pid %ld) is reading "
		    "this FIFO; refusing to start a second one", f->path, pid);
	else
		xasprintf(cause, "%s: another pipechatd is reading this FIFO "
		    "(it holds its lock); refusing to start a second one",
		    f->path);
	return -2;
}

/* What a file of this mode is, for messages: "a regular file". */
const char *
fifo_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK:
		return "a symbolic link";
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	default:
		return "not a FIFO";
	}
}

/*
 * Anyone who may write the directory may rename or unlink the FIFO and put
 * their own in its place; the sticky bit stops that for others' files.
 */
static void
fifo_check_dir(const char *path)
{
	struct stat	 st;
	char		*copy, *dir;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX))
		log_warnx("%s: directory %s is world-writable without the "
		    "sticky bit: anyone can replace the FIFO", path, dir);
	free(copy);
}

/*
 * Why path's directory did not let us create the FIFO (create) or look
 * for it, errno error, naming the user we run as: "PATH: cannot create
 * the FIFO: pipechatd runs as NAME (uid N), which may not write to DIR".
 */
char *
fifo_denied(const char *path, int create, int error)
{
	struct passwd	*pw = getpwuid(geteuid());
	const char	*what = create ? "create the FIFO" :
			    "look for the FIFO";
	char		*copy, *msg;

	copy = xstrdup(path);
	if (error == EROFS)
		xasprintf(&msg, "%s: cannot %s: directory %s is on a read-only "
		    "file system", path, what, dirname(copy));
	else
		xasprintf(&msg, "%s: cannot %s: pipechatd runs as %s (uid %u), "
		    "which may not %s directory %s", path, what,
		    pw != NULL ? pw->pw_name : "a user without a name",
		    (unsigned int)geteuid(), create ? "write to" : "search",
		    dirname(copy));
	free(copy);
	return msg;
}

/* Make sure path names a FIFO of ours, creating it if nothing is there. */
static int
fifo_create(struct fifo *f, struct stat *st, char **cause)
{
	int	tries;

	for (tries = 0; tries < 3; tries++) {
		if (lstat(f->path, st) == 0) {
			if (!S_ISFIFO(st->st_mode)) {
				xasprintf(cause, "%s: refusing to use it: "
				    "it is %s, not a FIFO", f->path,
				    fifo_type_name(st->st_mode));
				return -1;
			}
			if (st->st_uid != geteuid()) {
				xasprintf(cause, "%s: refusing to use it: "
				    "the FIFO is owned by uid %u, not by us",
				    f->path, (unsigned int)st->st_uid);
				return -1;
			}
			return 0;
		}
		if (errno != ENOENT) {
			if (errno == EACCES) {
				*cause = fifo_denied(f->path, 0, errno);
				return -1;
			}
			break;
		}
		/* 0600 until fifo_apply: nobody else may open it early. */
		if (mkfifo(f->path, 0600) == 0) {
			f->created = 1;
			continue;
		}
		if (errno == EACCES || errno == EPERM || errno == EROFS) {
			*cause = fifo_denied(f->path, 1, errno);
			return -1;
		}
		if (errno != EEXIST)
			break;
	}
	if (errno == ENOENT) {
		xasprintf(cause, "%s: the directory does not exist",
		    f->path);
	} else
		xasprintf(cause, "%s: %s", f->path, strerror(errno));
	return -1;
}

/*
 * Open the FIFO at path for reading, creating it when nothing is there,
 * and give it mode and group (gid_t -1: leave the group).  Anything but a
 * FIFO owned by us is refused and left alone; no symbolic link is
 * followed, and the open file is checked to be the FIFO that was looked at.
 * Returns 0, -1, or -2 if another pipechatd reads it (fifo_lock); then
 * nothing of it is changed.
 */
int
fifo_open(const char *path, mode_t mode, gid_t gid, struct fifo **out,
    char **cause)
{
	struct fifo	*f;
	struct stat	 st, fst;
	int		 rc = -1;

	*out = NULL;
	*cause = NULL;
	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->fd = f->lock_fd = -1;
	fifo_check_dir(path);
	if (fifo_create(f, &st, cause) == -1)
		goto fail;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC);
	if (f->fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(f->fd, &fst) == -1 || !S_ISFIFO(fst.st_mode) ||
	    fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		xasprintf(cause, "%s: replaced while being opened", path);
		goto fail;
	}
	if ((rc = fifo_lock(f, cause)) != 0)
		goto fail;
	rc = -1;
	if (fifo_apply(f, mode, gid, cause) == -1)
		goto fail;
	*out = f;
	return 0;

fail:
	fifo_free(f);
	return rc;
}

/*
 * Take over fd, a FIFO systemd opened for us (ListenFIFO=), if it is the
 * FIFO at path: never ours to remove.  notify_listen_fd has made sure it
 * is a FIFO (sd_is_fifo).  Mode and group are applied as for one we open,
 * and must agree with the socket unit's.  Returns as fifo_open.
 */
int
fifo_adopt(int fd, const char *path, mode_t mode, gid_t gid,
    struct fifo **out, char **cause)
{
	struct fifo	*f;
	struct stat	 st, lst;
	int		 flags, rc;

	*out = NULL;
	*cause = NULL;
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "the fd systemd passed: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &lst) == -1 || lst.st_dev != st.st_dev ||
	    lst.st_ino != st.st_ino) {
		xasprintf(cause, "%s: not the FIFO systemd passed: make "
		    "ListenFIFO= in pipechatd.socket and [fifo] path agree",
		    path);
		return -1;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->fd = fd;
	f->lock_fd = -1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if ((rc = fifo_lock(f, cause)) != 0 ||
	    (rc = fifo_apply(f, mode, gid, cause)) != 0) {
		fifo_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int
fifo_fd(const struct fifo *f)
{
	return f->fd;
}

/* Give the open FIFO mode and group, exactly, whatever the umask. */
int
fifo_apply(struct fifo *f, mode_t mode, gid_t gid, char **cause)
{
	struct stat	st;

	if (fstat(f->fd, &st) == -1) {
		xasprintf(cause, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	if (gid != (gid_t)-1 && gid != st.st_gid &&
	    fchown(f->fd, (uid_t)-1, gid) == -1) {
		xasprintf(cause, "%s: cannot set group %u: %s", f->path,
		    (unsigned int)gid, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 07777) != mode && fchmod(f->fd, mode) == -1) {
		xasprintf(cause, "%s: cannot set mode %04o: %s", f->path,
		    (unsigned int)mode, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Make the pipe hold size bytes (0: leave it): a large pipe lets writers
 * burst without waiting for us, and keeps more across a restart under
 * systemd.  Past /proc/sys/fs/pipe-max-size only a privileged process
 * may go; then the pipe keeps its size, and we say so.
 */
void
fifo_set_pipe_size(struct fifo *f, int size)
{
	int	cur;

	if (size == 0 || (cur = fcntl(f->fd, F_GETPIPE_SZ)) == size)
		return;
	if (fcntl(f->fd, F_SETPIPE_SZ, size) == -1)
		log_warn("%s: cannot make the pipe %d bytes (it stays %d)",
		    f->path, size, cur);
}

/*
 * Replace the read end with a fresh open of the same FIFO.  Once every
 * writer has closed, the old open file reports end-of-file (and POLLHUP)
 * forever, which would spin the loop; a new open file waits quietly for
 * the next writer.  The new end is opened before the old one is closed,
 * so the FIFO always has a reader: no writer sees ENXIO or EPIPE, and
 * nothing buffered is lost.  /proc/self/fd reaches the same FIFO even if
 * the path has been removed or replaced.
 */
int
fifo_reopen(struct fifo *f)
{
	char		proc[64];
	struct stat	st;
	int		fd, spared = 0, error;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 && (errno == EMFILE || errno == ENFILE) &&
	    (spared = spare_release()))
		fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)	/* no /proc */
		fd = open(f->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC);
	if (fd != -1 && (fstat(fd, &st) == -1 || st.st_dev != f->dev ||
	    st.st_ino != f->ino)) {
		close(fd);
		fd = -1;
		errno = ESTALE;
	}
	error = errno;
	if (fd != -1) {
		close(f->fd);
		f->fd = fd;
	}
	/* After the old end is closed: the reserve costs no fd, net. */
	if (spared)
		spare_reserve();
	errno = error;
	return fd == -1 ? -1 : 0;
}

/* Remove the FIFO if we created it and it is still the one at its path. */
void
fifo_unlink(struct fifo *f)
{
	struct stat	st;

	if (!f->created)
		return;
	f->created = 0;
	if (lstat(f->path, &st) == 0 && st.st_dev == f->dev &&
	    st.st_ino == f->ino && unlink(f->path) == -1)
		log_warn("%s: cannot remove", f->path);
}

/* Remove (if ours) and close; NULL is fine. */
void
fifo_free(struct fifo *f)
{
	if (f == NULL)
		return;
	fifo_unlink(f);
	if (f->fd != -1)
		close(f->fd);
	if (f->lock_fd != -1)
		close(f->lock_fd);
	free(f->path);
	free(f);
}
