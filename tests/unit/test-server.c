/* SPDX-License-Identifier: ISC */
/* Tests for daemon/server.c: the fd limit it asks for and reports. */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#include "tap.h"

/*
 * The process's RLIMIT_NOFILE as server.c sees it: these definitions take
 * the place of libc's, so that a refused setrlimit (a hard limit above
 * fs.nr_open, a missing capability) can be had without privileges.
 */
static struct rlimit	fake_nofile;
static int		fake_refuse;	/* setrlimit fails with EPERM */

int
getrlimit(__rlimit_resource_t res, struct rlimit *rl)
{
	if (res != RLIMIT_NOFILE) {
		errno = EINVAL;
		return -1;
	}
	*rl = fake_nofile;
	return 0;
}

int
setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	if (res != RLIMIT_NOFILE || fake_refuse) {
		errno = EPERM;
		return -1;
	}
	fake_nofile = *rl;
	return 0;
}

/*
 * Run server_raise_nofile on max_clients; return what it logged (static)
 * and in *fit what it returned.
 */
static const char *
nofile_log(int max_clients, int *fit)
{
	static char	 buf[4096];
	FILE		*fp;
	size_t		 n;
	int		 saved;

	if ((fp = tmpfile()) == NULL || (saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(fp), STDERR_FILENO) == -1)
		abort();
	*fit = server_raise_nofile(max_clients);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

int
main(void)
{
	const char	*log;
	int		 fit;

	/* 100 clients need 216 fds: the soft limit is raised to that. */
	fake_nofile = (struct rlimit){ 64, 4096 };
	fake_refuse = 0;
	log = nofile_log(100, &fit);
	is_str(log, "", "raising the soft limit is silent");
	is_uint(fake_nofile.rlim_cur, 216, "soft limit raised to 216");
	is_int(fit, 100, "all 100 clients fit");

	/*
	 * The soft limit cannot be raised: the message gives the limit in
	 * force (64), not the one that was tried, and what fits in it.
	 */
	fake_nofile = (struct rlimit){ 64, 4096 };
	fake_refuse = 1;
	log = nofile_log(100, &fit);
	ok(strstr(log, "file descriptor limit 64 allows 24 clients, not "
	    "max_clients = 100") != NULL, "refused setrlimit: %s", log);
	is_int(fit, 24, "24 clients fit");

	/* Nor the hard one: the same. */
	fake_nofile = (struct rlimit){ 64, 100 };
	fake_refuse = 1;
	log = nofile_log(100, &fit);
	ok(strstr(log, "file descriptor limit 64 allows 24 clients") != NULL,
	    "refused setrlimit below the hard limit: %s", log);
	return done_testing();
}
