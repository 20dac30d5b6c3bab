/* SPDX-License-Identifier: ISC */
/* A minimal line editor, so that incoming messages do not garble typing. */
#ifndef PC_TERM_H
#define PC_TERM_H

#include <stddef.h>
#include <termios.h>

#include "pclimits.h"

#define TERM_LINE	1	/* term_key finished a line: term_line() */
#define TERM_EOF	2	/* ^D on an empty line */

struct term {
	struct termios	 saved;
	int		 fd;
	int		 active;
	const char	*prompt;
	char		 buf[PC_TEXT_MAX * 4];	/* the line being typed */
	size_t		 len;
	int		 esc;		/* inside an escape sequence */
	char		 line[PC_TEXT_MAX * 4];	/* the last finished line */
	size_t		 linelen;
};

int	term_start(struct term *, int, const char *);
void	term_stop(struct term *);
int	term_key(struct term *, unsigned char);
void	term_show(struct term *, const char *, size_t);
void	term_redraw(struct term *);

#endif
