/* SPDX-License-Identifier: ISC */
/*
 * pipechatd -n: check the configuration against the system as it stands,
 * changing nothing, as sshd -t and nginx -t do.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "fifo.h"
#include "histstore.h"
#include "log.h"
#include "sessiondir.h"
#include "xmalloc.h"

/* CAP_CHOWN's bit in /proc/self/status's CapEff (linux/capability.h) */
#define CHECK_CAP_CHOWN		0

/* One run of check_config. */
struct check {
	const struct config	*conf;
	int			 problems;
};

/*
 * Report one problem with key of section: "FILE:LINE: key: why", or
 * "FILE: [section] key: why" for a key left at its default.
 */
static void __attribute__((format(printf, 4, 5)))
check_problem(struct check *c, const char *section, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*why;
	int	 line = config_line(c->conf, section, key);

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	if (line > 0)
		log_warnx("%s:%d: %s: %s", c->conf->file, line, key, why);
	else
		log_warnx("%s: [%s] %s: %s", c->conf->file, section, key, why);
	free(why);
	c->problems++;
}

/* As check_problem, for a message made elsewhere. */
static void
check_cause(struct check *c, const char *section, const char *key,
    char *cause)
{
	check_problem(c, section, key, "%s", cause);
	free(cause);
}

/* "NAME (uid N)": the user pipechatd runs as. */
static char *
check_whoami(void)
{
	struct passwd	*pw = getpwuid(geteuid());
	char		*s;

	xasprintf(&s, "%s (uid %u)", pw != NULL ? pw->pw_name :
	    "a user without a name", (unsigned int)geteuid());
	return s;
}

/* Whether we may give a file to group gid: root, a member, or CAP_CHOWN. */
static int
check_may_chgrp(gid_t gid)
{
	gid_t			*groups;
	unsigned long long	 caps;
	char			 line[256], *end;
	FILE			*fp;
	int			 n, i, capable = 0;

	if (geteuid() == 0 || getegid() == gid)
		return 1;
	if ((n = getgroups(0, NULL)) > 0) {
		groups = xcalloc((size_t)n, sizeof *groups);
		n = getgroups(n, groups);
		for (i = 0; i < n && groups[i] != gid; i++)
			;
		free(groups);
		if (i < n)
			return 1;
	}
	if ((fp = fopen("/proc/self/status", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			caps = strtoull(line + 7, &end, 16);
			if (end != line + 7 && (*end == '\n' || *end == '\0'))
				capable = (caps >> CHECK_CAP_CHOWN) & 1;
			break;
		}
	}
	fclose(fp);
	return capable;
}

/*
 * The FIFO's directory, and what stands at the path: nothing (then we
 * must be able to create it there) or a FIFO of ours.  Stores the group
 * of a FIFO that is there in *gidp, else (gid_t)-1.
 */
static void
check_fifo(struct check *c, gid_t *gidp)
{
	const char	*path = c->conf->fifo_path;
	struct stat	 st;
	char		*copy, *dir;

	*gidp = (gid_t)-1;
	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, &st) == -1) {
		if (errno == ENOENT)
			check_problem(c, "fifo", "path", "%s: the directory "
			    "%s does not exist (pipechatd does not create it)",
			    path, dir);
		else if (errno == EACCES)
			check_cause(c, "fifo", "path",
			    fifo_denied(path, 0, errno));
		else
			check_problem(c, "fifo", "path", "%s: %s", dir,
			    strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		check_problem(c, "fifo", "path", "%s: %s is %s, not a "
		    "directory", path, dir, fifo_type_name(st.st_mode));
		goto out;
	}
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT) {
			if (faccessat(AT_FDCWD, dir, W_OK | X_OK,
			    AT_EACCESS) == -1)
				check_cause(c, "fifo", "path",
				    fifo_denied(path, 1, errno));
		} else if (errno == EACCES)
			check_cause(c, "fifo", "path",
			    fifo_denied(path, 0, errno));
		else
			check_problem(c, "fifo", "path", "%s: %s", path,
			    strerror(errno));
	} else if (!S_ISFIFO(st.st_mode))
		check_problem(c, "fifo", "path", "%s: refusing to use it: it "
		    "is %s, not a FIFO", path, fifo_type_name(st.st_mode));
	else if (st.st_uid != geteuid())
		check_problem(c, "fifo", "path", "%s: refusing to use it: the "
		    "FIFO is owned by uid %u, not by us (uid %u)", path,
		    (unsigned int)st.st_uid, (unsigned int)geteuid());
	else
		*gidp = st.st_gid;
out:
	free(copy);
}

/* The group exists, and the FIFO has it already or we may give it. */
static void
check_group(struct check *c, gid_t fifo_gid)
{
	const struct config	*conf = c->conf;
	char			*me;

	if (conf->fifo_gid == (gid_t)-1)
		return;
	/* A number no group has is fine, as for chgrp(1), if we may. */
	if (fifo_gid == conf->fifo_gid || check_may_chgrp(conf->fifo_gid))
		return;
	me = check_whoami();
	check_problem(c, "fifo", "group", "pipechatd runs as %s, which is "
	    "not in group %s%s, so it cannot give the FIFO to it (it must be "
	    "a member, or have CAP_CHOWN)", me, conf->fifo_group,
	    getgrgid(conf->fifo_gid) == NULL ? " (no group has that id)" : "");
	free(me);
}

/*
 * The session directory: apart from the FIFO's, and a directory of ours,
 * or one that we can create.
 */
static void
check_session_dir(struct check *c)
{
	const char	*path = c->conf->session_dir;
	struct stat	 st;
	char		*cause, *copy, *parent, *me;

	if (sessiondir_check_apart(path, c->conf->fifo_path, &cause) == -1) {
		check_cause(c, "session", "dir", cause);
		return;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			check_problem(c, "session", "dir", "%s: refusing to "
			    "use it: it is %s, not a directory", path,
			    fifo_type_name(st.st_mode));
		else if (st.st_uid != geteuid())
			check_problem(c, "session", "dir", "%s: refusing to "
			    "use it: owned by uid %u, not by us (uid %u)",
			    path, (unsigned int)st.st_uid,
			    (unsigned int)geteuid());
		return;
	}
	if (errno != ENOENT) {
		check_problem(c, "session", "dir", "%s: %s", path,
		    strerror(errno));
		return;
	}
	copy = xstrdup(path);
	parent = dirname(copy);
	if (stat(parent, &st) == -1 || !S_ISDIR(st.st_mode))
		check_problem(c, "session", "dir", "%s: the parent directory "
		    "does not exist", path);
	else if (faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) == -1) {
		me = check_whoami();
		check_problem(c, "session", "dir", "%s: cannot create it: "
		    "pipechatd runs as %s, which may not write to directory "
		    "%s", path, me, parent);
		free(me);
	}
	free(copy);
}

/*
 * The history file is written at the stop: its directory must let us,
 * and what stands there now must be ours to replace and read.
 */
static void
check_history_file(struct check *c)
{
	const char	*path = c->conf->history_file;
	struct stat	 st;
	char		*copy, *me;
	int		 error;

	if (path == NULL)
		return;
	if (lstat(path, &st) == 0 && !histstore_is_ours(&st))
		check_problem(c, "chat", "history_file", "%s: not a history "
		    "file of ours (it is %s of uid %u, mode %04o): it will "
		    "not be read, and is replaced at the stop", path,
		    fifo_type_name(st.st_mode), (unsigned int)st.st_uid,
		    (unsigned int)(st.st_mode & 07777));
	copy = xstrdup(path);
	if (stat(dirname(copy), &st) == 0 && (st.st_mode & 022) != 0)
		check_problem(c, "chat", "history_file", "%s: the directory %s "
		    "may be written by others (mode %04o), who could keep the "
		    "history from being written or put a file of their own in "
		    "its place: keep it in a directory only pipechatd's user "
		    "may write, like the FIFO's", path, copy,
		    (unsigned int)(st.st_mode & 07777));
	if (faccessat(AT_FDCWD, copy, W_OK | X_OK, AT_EACCESS) == -1) {
		error = errno;
		me = check_whoami();
		check_problem(c, "chat", "history_file", "%s: cannot keep the "
		    "history there: pipechatd runs as %s, which may not write "
		    "to directory %s (%s)", path, me, copy, strerror(error));
		free(me);
	}
	free(copy);
}

/*
 * Check what can be checked of conf without changing anything: the
 * FIFO's directory and what stands at its path, the group, the session
 * directory, the history file's directory.  Logs one line per problem;
 * returns how many there were.
 */
int
check_config(const struct config *conf)
{
	struct check	c = { conf, 0 };
	gid_t		fifo_gid;

	check_fifo(&c, &fifo_gid);
	check_group(&c, fifo_gid);
	check_session_dir(&c);
	check_history_file(&c);
	return c.problems;
}
