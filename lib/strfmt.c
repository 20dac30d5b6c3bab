/* Formatting into new strings. */
#include <stdio.h>

#include "strfmt.h"

/* vasprintf into a new string; NULL when out of memory. */
char *
vstrfmt(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		return NULL;
	return s;
}

/* asprintf into a new string; NULL when out of memory. */
char *
strfmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = vstrfmt(fmt, ap);
	va_end(ap);
	return s;
}
