/* Login names of uids, looked up once. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "spare.h"

/*
 * A session's name is its uid's login name.  getpwuid() may read
 * /etc/passwd or ask NSS each time: with thousands of sessions from a few
 * users, that would dominate joining.  Names are kept until SIGHUP.
 */
struct name {
	uid_t	 uid;
	char	*name;
};

static struct name	*names;
static size_t		 names_len, names_cap;

/* Ask the system; NULL if it could not answer (not: no such user). */
static char *
names_ask(uid_t uid)
{
	struct passwd	*pw;
	char		*name;

	errno = 0;
	pw = getpwuid(uid);
	if (pw == NULL && (errno == EMFILE || errno == ENFILE) &&
	    spare_release()) {
		errno = 0;
		pw = getpwuid(uid);
		spare_reserve();
	}
	if (pw != NULL)
		return strdup(pw->pw_name);
	if (errno != 0 && errno != ENOENT && errno != ESRCH) {
		log_warn("cannot look up uid %u", (unsigned int)uid);
		return NULL;
	}
	/* No such user: the uid is all there is to show. */
	if (asprintf(&name, "uid%u", (unsigned int)uid) == -1)
		return NULL;
	return name;
}

/*
 * The login name of uid ("uidN" when it has none), or NULL when it could
 * not be looked up.  The string lives until names_flush.
 */
const char *
names_lookup(uid_t uid)
{
	struct name	*grown;
	char		*name;
	size_t		 i;

	for (i = 0; i < names_len; i++) {
		if (names[i].uid == uid)
			return names[i].name;
	}
	if ((name = names_ask(uid)) == NULL)
		return NULL;
	if (names_len == names_cap) {
		names_cap = names_cap == 0 ? 16 : names_cap * 2;
		if ((grown = reallocarray(names, names_cap,
		    sizeof *names)) == NULL)
			fatal("reallocarray");
		names = grown;
	}
	names[names_len].uid = uid;
	names[names_len].name = name;
	return names[names_len++].name;
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
