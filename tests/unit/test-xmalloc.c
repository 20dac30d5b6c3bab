/* SPDX-License-Identifier: ISC */
/* Tests for lib/xmalloc.c: allocations, and the one policy when they fail. */
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pclimits.h"
#include "xmalloc.h"

#include "tap.h"

/*
 * Under AddressSanitizer a too-large allocation aborts by default, before
 * xmalloc could see its NULL: let it return NULL, as the C library does.
 */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

enum xmalloc_case { XM_MALLOC, XM_CALLOC, XM_REALLOCARRAY };

/*
 * Run one impossible allocation in a child; its exit status, and whether
 * it said "out of memory" on stderr.
 */
static int
xmalloc_child(enum xmalloc_case c, int *said)
{
	char	buf[512];
	ssize_t	n;
	size_t	len = 0;
	int	fds[2], status;
	pid_t	pid;

	*said = 0;
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		switch (c) {
		case XM_MALLOC:
			free(xmalloc(SIZE_MAX / 2));
			break;
		case XM_CALLOC:
			free(xcalloc(SIZE_MAX / 2, 4));
			break;
		case XM_REALLOCARRAY:
			free(xreallocarray(NULL, SIZE_MAX, 2));
			break;
		}
		_exit(0);
	}
	close(fds[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	*said = strstr(buf, "out of memory") != NULL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
main(void)
{
	static const char	*names[] = { "xmalloc", "xcalloc",
				    "xreallocarray" };
	char			*s, *p;
	int			*v, i, said, n;

	/* Size 0 is a valid, unique pointer, not NULL. */
	p = xmalloc(0);
	ok(p != NULL, "xmalloc(0) is not NULL");
	free(p);
	p = xcalloc(0, 8);
	ok(p != NULL, "xcalloc(0, 8) is not NULL");
	free(p);

	v = xcalloc(4, sizeof *v);
	ok(v[0] == 0 && v[3] == 0, "xcalloc zeroes");
	v[3] = 42;
	v = xreallocarray(v, 1000, sizeof *v);
	is_int(v[3], 42, "xreallocarray keeps what was there");
	v[999] = 7;
	free(v);

	s = xstrdup("pipechat");
	is_str(s, "pipechat", "xstrdup copies");
	free(s);
	s = xstrndup("pipechat", 4);
	is_str(s, "pipe", "xstrndup copies at most n bytes");
	free(s);
	n = xasprintf(&s, "%s:%d", "pipechat.ini", 12);
	is_str(s, "pipechat.ini:12", "xasprintf formats");
	is_int(n, 15, "xasprintf returns the length");
	free(s);

	/* Out of memory: "out of memory" and exit 70, never NULL. */
	for (i = XM_MALLOC; i <= XM_REALLOCARRAY; i++) {
		is_int(xmalloc_child((enum xmalloc_case)i, &said),
		    PC_EX_SOFTWARE, "%s of too much exits %d", names[i],
		    PC_EX_SOFTWARE);
		ok(said, "%s of too much says \"out of memory\"", names[i]);
	}
	return done_testing();
}
