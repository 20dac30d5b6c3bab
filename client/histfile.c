/* SPDX-License-Identifier: ISC */
/* The lines typed, kept across runs in $XDG_STATE_HOME/pipechat/history. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histfile.h"
#include "pclimits.h"

#define HISTFILE_NAME	"history"

/* A line longer than the editor holds is not one we wrote: skipped. */
#define HISTFILE_LINE_MAX	(PC_TEXT_MAX * 4)

/*
 * Make dir (mode 0700) if it is not there, and check that it is a
 * directory of ours that nobody else may write, not a symbolic link;
 * make it 0700 if it is not.  Returns an fd of it, or -1.
 */
static int
histfile_dir(int at, const char *name)
{
	struct stat	st;
	int		fd;

	if (mkdirat(at, name, 0700) == -1 && errno != EEXIST)
		return -1;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != getuid() ||
	    (st.st_mode & 022) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* What we typed is nobody else's business, not even to list. */
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0700) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The directory the history file lives in, as an fd: $XDG_STATE_HOME
 * (when absolute, as the XDG base directory spec wants) or
 * ~/.local/state, and "pipechat" in it, made with mode 0700 where
 * missing.  Only the last one, ours alone, is checked closely: the
 * ones above belong to the user's set-up.  Returns -1 if there is none.
 */
int
histfile_open(void)
{
	const char	*base = getenv("XDG_STATE_HOME"), *home;
	char		 path[PATH_MAX];
	int		 fd, dfd;

	if (base != NULL && base[0] == '/') {
		if (mkdir(base, 0700) == -1 && errno != EEXIST)
			return -1;
		if ((fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return -1;
	} else {
		if ((home = getenv("HOME")) == NULL || home[0] != '/')
			return -1;
		if ((size_t)snprintf(path, sizeof path, "%s/.local", home) >=
		    sizeof path)
			return -1;
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
		if ((size_t)snprintf(path, sizeof path, "%s/.local/state",
		    home) >= sizeof path)
			return -1;
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
		if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return -1;
	}
	dfd = histfile_dir(fd, "pipechat");
	close(fd);
	return dfd;
}

void
histfile_close(int dfd)
{
	if (dfd != -1)
		close(dfd);
}

/*
 * Read the history file (never through a symbolic link) and pass each
 * line, oldest first, to cb.  A missing file is an empty history.
 * Returns 0, or -1 if it could not be read.
 */
int
histfile_load(int dfd, histfile_cb cb, void *arg)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 size = 0;
	ssize_t	 n;
	int	 fd;

	fd = openat(dfd, HISTFILE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -1;
	}
	while ((n = getline(&line, &size, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || (size_t)n > HISTFILE_LINE_MAX ||
		    memchr(line, '\0', (size_t)n) != NULL)
			continue;
		cb(arg, line);
	}
	free(line);
	fclose(f);
	return 0;
}

/*
 * Write the last HISTFILE_LINES of n lines, oldest first, to a new file
 * of mode 0600 and rename it over the old one: a symbolic link there is
 * replaced, never followed, and a reader never sees half a file.
 * Returns 0 or -1.
 */
int
histfile_save(int dfd, const char *const *lines, size_t n)
{
	char	 tmp[64];
	FILE	*f;
	size_t	 i;
	int	 fd, bad;

	(void)snprintf(tmp, sizeof tmp, HISTFILE_NAME ".%ld", (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (fchmod(fd, 0600) == -1 || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	for (i = n > HISTFILE_LINES ? n - HISTFILE_LINES : 0; i < n; i++) {
		if (strchr(lines[i], '\n') == NULL)
			fprintf(f, "%s\n", lines[i]);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad ||
	    renameat(dfd, tmp, dfd, HISTFILE_NAME) == -1) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}
