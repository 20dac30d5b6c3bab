/* SPDX-License-Identifier: ISC */
/* Allocation that cannot fail: out of memory is fatal. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pclimits.h"
#include "xmalloc.h"

/* No memory for what was asked: say so and exit, as a broken invariant. */
static void __attribute__((noreturn))
xmalloc_fail(const char *what, size_t size)
{
	fprintf(stderr, "%s: %s: out of memory (%zu bytes)\n",
	    program_invocation_short_name, what, size);
	exit(PC_EX_SOFTWARE);
}

/* malloc(3), never NULL; a size of 0 gives a unique pointer. */
void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xmalloc_fail("xmalloc", size);
	return p;
}

/* calloc(3), never NULL; an overflowing nmemb * size is fatal too. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_fail("xcalloc", size > 0 && nmemb > SIZE_MAX / size ?
		    SIZE_MAX : nmemb * size);
	return p;
}

/* reallocarray(3), never NULL; ptr is kept on failure (we exit anyway). */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (nmemb > SIZE_MAX / size)
		xmalloc_fail("xreallocarray", SIZE_MAX);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		xmalloc_fail("xreallocarray", nmemb * size);
	return p;
}

/* strdup(3), never NULL. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xmalloc_fail("xstrdup", strlen(s) + 1);
	return p;
}

/* strndup(3), never NULL. */
char *
xstrndup(const char *s, size_t maxlen)
{
	char	*p;

	if ((p = strndup(s, maxlen)) == NULL)
		xmalloc_fail("xstrndup", strnlen(s, maxlen) + 1);
	return p;
}

/* vasprintf(3) into *ret, never failing; returns the length. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	n;

	if ((n = vasprintf(ret, fmt, ap)) == -1)
		xmalloc_fail("xvasprintf", 0);
	return n;
}

/* asprintf(3) into *ret, never failing; returns the length. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}
