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

/* How display_show styles a line: on a terminal, or not (cols 0). */
struct display_style {
	int		 cols;		/* display_columns(), 0: no wrapping */
	int		 color;		/* SGR colours around what we identified */
	int		 timestamps;	/* "HH:MM " in front */
	const char	*me;		/* our name, or NULL */
};

/* What display_show found in a line. */
#define DISPLAY_MENTION	0x1	/* someone else's line names us */

struct proto_fields;

void		 display_init(void);
const char	*display_show(const char *, size_t, const struct proto_fields *,
		    const struct display_style *, int *, size_t *);
int		 display_columns(int);
const char	*display_line(const char *, size_t, int, size_t *);
size_t		 display_wrap(char *, size_t, const char *, size_t, size_t,
		    int);

#endif
