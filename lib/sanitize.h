/* SPDX-License-Identifier: ISC */
/* Make untrusted text safe to print on a terminal or in a log. */
#ifndef PC_SANITIZE_H
#define PC_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The longest run of blanks (spaces) kept: enough to line things up, too
 * few to push text to the start of the next row of a terminal, where it
 * would look like a line of its own (80 columns need more than 70).
 */
#define SANITIZE_BLANKS_MAX	8

size_t	sanitize(char *, const char *, size_t);
int	sanitize_is_escaped(uint32_t);
int	sanitize_is_blank(uint32_t);

#endif
