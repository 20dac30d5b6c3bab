/* Formatting into new strings. */
#ifndef PC_STRFMT_H
#define PC_STRFMT_H

#include <stdarg.h>

char	*strfmt(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*vstrfmt(const char *, va_list) __attribute__((format(printf, 1, 0)));

#endif
