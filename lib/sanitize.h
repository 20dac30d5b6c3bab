/* Make untrusted text safe to print on a terminal or in a log. */
#ifndef PC_SANITIZE_H
#define PC_SANITIZE_H

#include <stddef.h>

size_t	sanitize(char *, const char *, size_t);

#endif
