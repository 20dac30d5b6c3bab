/* SPDX-License-Identifier: ISC */
/* Login names of uids, and the groups they are in, looked up once. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "spare.h"
#include "xmalloc.h"

/*
 * A session's name is its uid's login name.  getpwuid() may read
 * /etc/passwd or ask NSS each time: with thousands of sessions from a few
 * users, that would dominate joining.  Names are kept until SIGHUP.
 */
struct name {
	uid_t	 uid;
	char	*name;
	int	 known;		/* has a passwd entry */
	gid_t	 gid;		/* ... its primary group */
	gid_t	 member_gid;	/* the group last asked about */
	int	 member;	/* ... is uid in it: 1, 0, -1 not asked */
};

static struct name	*names;
static size_t		 names_len, names_cap;

/*
 * Ask the system; NULL if it could not answer (not: no such user).  Sets
 * *known and *gid from the passwd entry.
 */
static char *
names_ask(uid_t uid, int *known, gid_t *gid)
{
	struct passwd	*pw;
	char		*name;

	*known = 0;
	*gid = (gid_t)-1;
	errno = 0;
	pw = getpwuid(uid);
	if (pw == NULL && (errno == EMFILE || errno == ENFILE) &&
	    spare_release()) {
		errno = 0;
		pw = getpwuid(uid);
		spare_reserve();
	}
	if (pw != NULL) {
		*known = 1;
		*gid = pw->pw_gid;
		return xstrdup(pw->pw_name);
	}
	if (errno != 0 && errno != ENOENT && errno != ESRCH) {
		log_warn("cannot look up uid %u", (unsigned int)uid);
		return NULL;
	}
	/* No such user: the uid is all there is to show. */
	xasprintf(&name, "uid%u", (unsigned int)uid);
	return name;
}

/* The cached entry of uid, looked up if need be; NULL if that failed. */
static struct name *
names_entry(uid_t uid)
{
	char		*name;
	size_t		 i;
	int		 known;
	gid_t		 gid;

	for (i = 0; i < names_len; i++) {
		if (names[i].uid == uid)
			return &names[i];
	}
	if ((name = names_ask(uid, &known, &gid)) == NULL)
		return NULL;
	if (names_len == names_cap) {
		names_cap = names_cap == 0 ? 16 : names_cap * 2;
		names = xreallocarray(names, names_cap, sizeof *names);
	}
	names[names_len].uid = uid;
	names[names_len].name = name;
	names[names_len].known = known;
	names[names_len].gid = gid;
	names[names_len].member = -1;
	return &names[names_len++];
}

/*
 * The login name of uid ("uidN" when it has none), or NULL when it could
 * not be looked up.  The string lives until names_flush.
 */
const char *
names_lookup(uid_t uid)
{
	struct name	*n = names_entry(uid);

	return n != NULL ? n->name : NULL;
}

/* Does uid have a passwd entry?  1 yes, 0 no, -1 it could not be told. */
int
names_known(uid_t uid)
{
	struct name	*n = names_entry(uid);

	return n != NULL ? n->known : -1;
}

/* Ask the group database whether the user n is in gid (getgrouplist). */
static int
names_ask_member(const struct name *n, gid_t gid)
{
	gid_t	*groups = NULL;
	int	 i, ngroups = 64, rc, member = 0;

	for (;;) {
		groups = xreallocarray(groups, (size_t)ngroups,
		    sizeof *groups);
		i = ngroups;
		if ((rc = getgrouplist(n->name, n->gid, groups, &i)) != -1)
			break;
		if (i <= ngroups)
			ngroups *= 2;
		else
			ngroups = i;
	}
	for (i = 0; i < rc; i++) {
		if (groups[i] == gid)
			member = 1;
	}
	free(groups);
	return member;
}

/*
 * Is uid, which has a passwd entry, a member of gid (as its primary group
 * or a supplementary one)?  1 yes, 0 no (or no passwd entry), -1 it could
 * not be looked up.  The answer is kept until names_flush.
 */
int
names_in_group(uid_t uid, gid_t gid)
{
	struct name	*n = names_entry(uid);

	if (n == NULL)
		return -1;
	if (!n->known)
		return 0;
	if (n->gid == gid)
		return 1;
	if (n->member == -1 || n->member_gid != gid) {
		n->member_gid = gid;
		errno = 0;
		n->member = names_ask_member(n, gid);
		/* NSS needs fds: take the reserve if we are out. */
		if (n->member == 0 && (errno == EMFILE || errno == ENFILE) &&
		    spare_release()) {
			n->member = names_ask_member(n, gid);
			spare_reserve();
		}
	}
	return n->member;
}

/* Forget every name (on reload: users may have been renamed). */
void
names_flush(void)
{
	size_t	i;

	for (i = 0; i < names_len; i++)
		free(names[i].name);
	free(names);
	names = NULL;
	names_len = names_cap = 0;
}
