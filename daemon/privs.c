/* SPDX-License-Identifier: ISC */
/*
 * Giving up root.  pipechatd started as root becomes the user of
 * [daemon] user before it opens or creates anything, so that everything
 * it makes belongs to that user and a flaw in it hands nobody root
 * (OpenBSD daemons drop the same way: groups, gid, then uid).
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
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
 * Become conf's [daemon] user if we are root; stay as we are otherwise
 * (under systemd, User= did it), or when it is root itself.  With no user
 * given, say that we stay root if warn is set.  Returns 0, or -1 with
 * *cause set.  Getting root back afterwards is fatal.
 */
int
privs_drop(const struct config *conf, int warn, char **cause)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	if (geteuid() != 0)
		return 0;
	if (conf->daemon_user == NULL) {
		if (warn)
				log_warnx("running as root: set [daemon] user in %s "
			    "to run as an unprivileged user", conf->file);
		return 0;
	}
	if (conf->daemon_uid == 0)
		return 0;
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
	log_debug("running as %s (uid %u, gid %u)", conf->daemon_user,
	    (unsigned int)conf->daemon_uid, (unsigned int)conf->daemon_gid);
	return 0;
}
