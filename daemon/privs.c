/* SPDX-License-Identifier: ISC */
/*
 * Giving up root.  pipechatd started as root becomes the user of
 * [daemon] user before it opens or creates anything, so that everything
 * it makes belongs to that user and a flaw in it hands nobody root
 * (OpenBSD daemons drop the same way: groups, gid, then uid).
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privs.h"
#include "xmalloc.h"

/* Why the switch to conf's user failed, as "FILE:LINE: user: ...". */
static int
privs_fail(const struct config *conf, const char *what, char **cause)
{
	xasprintf(cause, "%s:%d: user: cannot run as %s: %s: %s", conf->file,
	    config_line(conf, "daemon", "user"), conf->daemon_user, what,
	    strerror(errno));
	return -1;
}

/*
 * Root's group, kept through initgroups, would keep much of what the
 * user is meant to lose: refuse a user that has it.  Returns 0, or -1
 * with *cause set.
 */
static int
privs_check_groups(const struct config *conf, char **cause)
{
	gid_t	*groups = NULL;
	int	 n = 32, i, rc = 0;

	for (;;) {
		groups = xreallocarray(groups, (size_t)n, sizeof *groups);
		if (getgrouplist(conf->daemon_user, conf->daemon_gid, groups,
		    &n) != -1)
			break;
	}
	for (i = 0; i < n && groups[i] != 0; i++)
		;
	if (i < n) {
		xasprintf(cause, "%s:%d: user: %s is in root's group (gid 0)%s: "
		    "give it a group of its own", conf->file,
		    config_line(conf, "daemon", "user"), conf->daemon_user,
		    conf->daemon_gid == 0 ? ", its primary group" : "");
		rc = -1;
	}
	free(groups);
	return rc;
}

/*
 * Let go of the terminal we were started from, if it is our controlling
 * terminal: through it (TIOCSTI) the user could type into root's shell.
 * ^C still reaches us: the terminal signals its foreground process group,
 * which we stay in.  A session leader letting go would hang up its
 * session: it keeps the terminal.
 */
static void
privs_leave_tty(void)
{
	int	fd;

	if (getsid(0) == getpid())
		return;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return;
	(void)ioctl(fd, TIOCNOTTY);
	close(fd);
}

/*
 * Become conf's [daemon] user if we are root; stay as we are otherwise
 * (under systemd, User= did it).  With no user given, or root, say that
 * we stay root if warn is set.  Returns 0, or -1 with *cause set.
 * Getting root back afterwards is fatal.
 */
int
privs_drop(const struct config *conf, int warn, char **cause)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	if (geteuid() != 0)
		return 0;
	if (conf->daemon_user == NULL || conf->daemon_uid == 0) {
		if (warn && conf->daemon_user == NULL)
			log_warnx("running as root: set [daemon] user in %s "
			    "to run as an unprivileged user", conf->file);
		else if (warn)
			log_warnx("running as root: [daemon] user in %s is "
			    "%s", conf->file, conf->daemon_user);
		return 0;
	}
	if (privs_check_groups(conf, cause) == -1)
		return -1;
	if (initgroups(conf->daemon_user, conf->daemon_gid) == -1)
		return privs_fail(conf, "initgroups", cause);
	if (setresgid(conf->daemon_gid, conf->daemon_gid,
	    conf->daemon_gid) == -1)
		return privs_fail(conf, "setresgid", cause);
	if (setresuid(conf->daemon_uid, conf->daemon_uid,
	    conf->daemon_uid) == -1)
		return privs_fail(conf, "setresuid", cause);
	/* Every id ours, and no way back: anything else is a broken kernel. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != conf->daemon_uid || euid != ruid || suid != ruid ||
	    rgid != conf->daemon_gid || egid != rgid || sgid != rgid)
		fatalx("running as %s: the ids did not all change",
		    conf->daemon_user);
	if (setuid(0) != -1 || setegid(0) != -1)
		fatalx("running as %s: root could be taken back",
		    conf->daemon_user);
	privs_leave_tty();
	log_debug("running as %s (uid %u, gid %u)", conf->daemon_user,
	    (unsigned int)conf->daemon_uid, (unsigned int)conf->daemon_gid);
	return 0;
}
