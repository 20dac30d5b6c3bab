/* SPDX-License-Identifier: ISC */
/* The lines typed, kept across runs in $XDG_STATE_HOME/pipechat/history. */
#ifndef PC_HISTFILE_H
#define PC_HISTFILE_H

#include <stddef.h>

/*
 * How many lines are kept: enough to find last week's command, few enough
 * that the file stays small (at most HISTFILE_LINES * PC_TEXT_MAX * 4).
 */
#define HISTFILE_LINES	1000

typedef void	(*histfile_cb)(void *, const char *);

int	histfile_open(void);
void	histfile_close(int);
int	histfile_load(int, histfile_cb, void *);
int	histfile_save(int, const char *const *, size_t);

#endif
