/* The directory where clients create their session FIFOs. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "strfmt.h"
#include "sessiondir.h"

/* errno for "that is not a FIFO" */
#define EFTYPE_FIFO	EINVAL

/*
 * Everyone may create entries (o+wx) but not list them (no r), so ids are
 * not discoverable.  Sticky: only an entry's owner (or we) may remove or
 * rename it.  Setgid: every FIFO created here gets our group, which the
 * FIFO modes grant to us alone; who may chat at all is decided by the
 * well-known FIFO's mode and by the parent directory.
 */
#define SESSIONDIR_MODE	(S_ISVTX | S_ISGID | 0733)

/* Remove what a previous run (or a crashed client) left behind. */
static void
sessiondir_clean(int dirfd, const char *path)
{
	struct dirent	*de;
	DIR		*dir;
	int		 fd, removed = 0;

	if ((fd = dup(dirfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		log_warn("%s: cannot clean", path);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_type == DT_DIR)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			removed++;
		else
			log_warn("%s/%s: cannot remove", path, de->d_name);
	}
	closedir(dir);
	if (removed > 0)
		log_info("%s: removed %d stale entries", path, removed);
}

/*
 * Create the session directory if needed, or take over ours; refuse a
 * symbolic link or a directory owned by someone else.  Stores an fd for
 * the directory in *dirfdp; every FIFO in it is reached relative to that.
 */
int
sessiondir_open(const char *path, int *dirfdp, char **cause)
{
	struct stat	st;
	int		fd;

	*dirfdp = -1;
	*cause = NULL;
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		if (errno == ENOENT)
			*cause = strfmt("%s: the parent directory "
			    "does not exist", path);
		else
			*cause = strfmt("%s: %s", path,
			    strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		*cause = strfmt("%s: refusing to use it: %s", path,
		    errno == ELOOP || errno == ENOTDIR ?
		    "not a directory (a symbolic link?)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid()) {
		*cause = strfmt("%s: refusing to use it: owned by "
		    "uid %u, not by us", path, (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	/*
	 * Under systemd, RestrictSUIDSGID= forbids setting the setgid bit:
	 * tmpfiles.d makes the directory right, and we leave it alone.
	 */
	if ((st.st_gid != getegid() &&
	    fchown(fd, (uid_t)-1, getegid()) == -1) ||
	    ((st.st_mode & 07777) != SESSIONDIR_MODE &&
	    fchmod(fd, SESSIONDIR_MODE) == -1)) {
		*cause = strfmt("%s: cannot make it mode %04o, group "
		    "%u: %s", path, (unsigned int)SESSIONDIR_MODE,
		    (unsigned int)getegid(), strerror(errno));
		close(fd);
		return -1;
	}
	sessiondir_clean(fd, path);
	*dirfdp = fd;
	return 0;
}

/*
 * Open a client's FIFO by name, for reading or writing (flags), without
 * following links and only if it is a FIFO: look, open, and check that
 * what was opened is what was looked at.  Returns the fd and its stat.
 */
int
sessiondir_open_fifo(int dirfd, const char *name, int flags, struct stat *st)
{
	struct stat	lst;
	int		fd;

	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISFIFO(lst.st_mode)) {
		errno = EFTYPE_FIFO;
		return -1;
	}
	fd = openat(dirfd, name, flags | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1 || st->st_dev != lst.st_dev ||
	    st->st_ino != lst.st_ino) {
		close(fd);
		errno = EFTYPE_FIFO;
		return -1;
	}
	return fd;
}

/* Remove name if it is still the file st describes. */
void
sessiondir_unlink(int dirfd, const char *name, const struct stat *st)
{
	struct stat	lst;

	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    lst.st_dev == st->st_dev && lst.st_ino == st->st_ino)
		unlinkat(dirfd, name, 0);
}
