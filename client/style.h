/* SPDX-License-Identifier: ISC */
/* Colours on a terminal: names, our own name, mentions of it, private lines. */
#ifndef PC_STYLE_H
#define PC_STYLE_H

#include <stddef.h>

#include "proto.h"

/* The longest SGR sequence style.c writes ("\033[1;38;5;NNNm" fits). */
#define STYLE_SGR_MAX		16
/* Mentions highlighted in one line; more are left plain. */
#define STYLE_MENTIONS_MAX	16
/* The most style_line adds to a line: a pair per name, part, mention. */
#define STYLE_ADDED_MAX		((4 + 2 * STYLE_MENTIONS_MAX) * STYLE_SGR_MAX)

int	style_want(int);
size_t	style_line(char *, enum proto_kind, const char *, size_t, const char *,
	    int, int, int *);
int	style_mentions(enum proto_kind, const char *, size_t, const char *);
int	style_name_color(const char *, size_t);

#endif
