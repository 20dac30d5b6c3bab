/* SPDX-License-Identifier: ISC */
/*
 * Allocation that cannot fail: out of memory, print so and exit
 * PC_EX_SOFTWARE (tmux and OpenBSD xmalloc.c).  Running on without the
 * memory a client or the daemon asked for has no safe way on.
 */
#ifndef PC_XMALLOC_H
#define PC_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

#endif
