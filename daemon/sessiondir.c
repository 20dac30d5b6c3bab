/* SPDX-License-Identifier: ISC */
/* The directory where clients create their session FIFOs. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pclimits.h"
#include "proto.h"
#include "sanitize.h"
#include "xmalloc.h"
#include "sessiondir.h"

/* errno for "that is not a FIFO" */
#define EFTYPE_FIFO	EINVAL

/* The cleanup names at most this many strangers, each cut to so many bytes. */
#define SESSIONDIR_LIST_MAX	8
#define SESSIONDIR_NAME_SHOWN	64
#define SESSIONDIR_LIST_SIZE	\
	(SESSIONDIR_LIST_MAX * (PC_SANITIZED_MAX(SESSIONDIR_NAME_SHOWN) + 8))

/*
 * Everyone may create entries (o+wx) but not list them (no r), so ids are
 * not discoverable.  Sticky: only an entry's owner (or we) may remove or
 * rename it.  Setgid: every FIFO created here gets our group, which the
 * FIFO modes grant to us alone; who may chat at all is decided by the
 * well-known FIFO's mode and by the parent directory.
 */
#define SESSIONDIR_MODE	(S_ISVTX | S_ISGID | 0733)

/* Whether name is one a client makes: ID.in or ID.out, ID a valid id. */
static int
sessiondir_session_name(const char *name)
{
	size_t	len = strlen(name);

	if (len > 3 && strcmp(name + len - 3, ".in") == 0)
		return proto_valid_id(name, len - 3);
	if (len > 4 && strcmp(name + len - 4, ".out") == 0)
		return proto_valid_id(name, len - 4);
	return 0;
}

/* Add name (safe to print, cut, "/" after a directory) to the list. */
static void
sessiondir_list_add(char *list, size_t size, const char *name, int isdir)
{
	char	safe[PC_SANITIZED_MAX(SESSIONDIR_NAME_SHOWN) + 1];
	size_t	len = strlen(name), used = strlen(list);

	if (len > SESSIONDIR_NAME_SHOWN)
		len = SESSIONDIR_NAME_SHOWN;
	safe[sanitize(safe, name, len)] = '\0';
	snprintf(list + used, size - used, "%s\"%s%s\"%s", used > 0 ? ", " : "",
	    safe, isdir ? "/" : "", len < strlen(name) ? "..." : "");
}

/*
 * Whether the client of the session whose FIFO is name (ID.in or ID.out)
 * is gone: ID.out has no reader (opening it for writing without blocking
 * fails with ENXIO), or is not there.  A client that is joining again
 * while we start holds its ID.out open for reading: its FIFOs stay.
 */
static int
sessiondir_stale(int dirfd, const char *name)
{
	char	out[PROTO_ID_MAX + sizeof PROTO_OUT_SUFFIX];
	size_t	len = strlen(name);
	int	fd;

	if (len > 3 && strcmp(name + len - 3, ".in") == 0)
		len -= 3;
	else
		len -= 4;
	snprintf(out, sizeof out, "%.*s%s", (int)len, name, PROTO_OUT_SUFFIX);
	fd = openat(dirfd, out, O_WRONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC);
	if (fd != -1) {
		close(fd);
		return 0;
	}
	return errno == ENXIO || errno == ENOENT;
}

/*
 * Remove the session FIFOs a previous run (or a crashed client) left
 * behind: ID.in and ID.out that are FIFOs, where ID.out has no reader.
 * The FIFOs of a live client (one rejoining across a restart) are kept
 * and counted.  Anything else (directories included) is not ours to
 * remove, however it got there: it is named in one warning and left
 * alone.
 */
static void
sessiondir_clean(int dirfd, const char *path)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	char		 list[SESSIONDIR_LIST_SIZE] = "";
	int		 fd, removed = 0, live = 0, other = 0, isdir;

	if ((fd = dup(dirfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		log_warn("%s: cannot clean", path);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT)
				log_warn("%s/%s", path, de->d_name);
			continue;
		}
		if (S_ISFIFO(st.st_mode) &&
		    sessiondir_session_name(de->d_name)) {
			if (!sessiondir_stale(dirfd, de->d_name))
				live++;
			else if (unlinkat(dirfd, de->d_name, 0) == 0)
				removed++;
			else if (errno != ENOENT)
				log_warn("%s/%s: cannot remove", path,
				    de->d_name);
			continue;
		}
		isdir = S_ISDIR(st.st_mode);
		if (other++ < SESSIONDIR_LIST_MAX)
			sessiondir_list_add(list, sizeof list, de->d_name,
			    isdir);
	}
	closedir(dir);
	if (live > 0)
		log_info("%s: removed %d stale entries; kept %d of clients "
		    "still there", path, removed, live);
	else if (removed > 0)
		log_info("%s: removed %d stale entries", path, removed);
	if (other > 0)
		log_warnx("%s: left alone %d entr%s that %s not session "
		    "FIFOs: %s%s", path, other, other == 1 ? "y" : "ies",
		    other == 1 ? "is" : "are", list,
		    other > SESSIONDIR_LIST_MAX ? ", ..." : "");
}

/*
 * The session directory must not be the FIFO's directory or one above it
 * (as the file system has them, symbolic links resolved): pipechatd
 * empties it and lets everyone create files in it.  A directory that does
 * not exist yet is apart.  Returns 0, or -1 with *cause set.
 */
int
sessiondir_check_apart(const char *path, const char *fifo_path, char **cause)
{
	struct stat	 st, dst;
	char		*copy, *real, *dir;
	int		 rc = 0;

	*cause = NULL;
	if (stat(path, &st) == -1)
		return 0;
	copy = xstrdup(fifo_path);
	real = realpath(dirname(copy), NULL);
	free(copy);
	if (real == NULL)
		return 0;
	for (dir = real;; dir = dirname(dir)) {
		if (stat(dir, &dst) == 0 && dst.st_dev == st.st_dev &&
		    dst.st_ino == st.st_ino) {
			xasprintf(cause, "%s: refusing to use it as the session "
			    "directory: it is %s, which holds the FIFO %s; "
			    "pipechatd empties the session directory and lets "
			    "everyone create files there", path, dir,
			    fifo_path);
			rc = -1;
			break;
		}
		if (strcmp(dir, "/") == 0)
			break;
	}
	free(real);
	return rc;
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
			xasprintf(cause, "%s: the parent directory "
			    "does not exist", path);
		else
			xasprintf(cause, "%s: %s", path,
			    strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		xasprintf(cause, "%s: refusing to use it: %s", path,
		    errno == ELOOP || errno == ENOTDIR ?
		    "not a directory (a symbolic link?)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		xasprintf(cause, "%s: refusing to use it: owned by "
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
		xasprintf(cause, "%s: cannot make it mode %04o, group "
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
