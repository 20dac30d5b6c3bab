/* SPDX-License-Identifier: ISC */
/* How the daemon's lines are shown: safe, and impossible to imitate. */
#ifndef PC_DISPLAY_H
#define PC_DISPLAY_H

#include <stddef.h>

#include "lines.h"
#include "pclimits.h"

/*
 * Terminal widths taken as they are; narrower ones as DISPLAY_COLS_MIN
 * (rows of a wrapped message still never start at column 0, but the
 * terminal wraps them again), wider ones as DISPLAY_COLS_MAX.
 */
#define DISPLAY_COLS_MIN	20
#define DISPLAY_COLS_MAX	1000

/* The most display_line takes of a line: what lines_read passes on. */
#define DISPLAY_IN_MAX		LINES_MAX

void		 display_init(void);
int		 display_columns(int);
const char	*display_line(const char *, size_t, int, size_t *);
size_t		 display_wrap(char *, size_t, const char *, size_t, size_t,
		    int);

#endif
