/* SPDX-License-Identifier: ISC */
/* The line editor on a terminal: libedit, with messages printed above it. */
#ifndef PC_EDIT_H
#define PC_EDIT_H

#include <stddef.h>

/* A finished line (NUL-terminated), or NULL at end of input (^D). */
typedef void	(*edit_line_cb)(void *, const char *, size_t);

int	edit_start(const char *, int, edit_line_cb, void *);
void	edit_stop(void);
int	edit_active(void);
int	edit_read(void);
void	edit_print(const char *, size_t);
void	edit_resize(void);
void	edit_bell(void);
void	edit_suspend(void);
void	edit_resume(void);
void	edit_add_name(const char *, size_t);
int	edit_columns(void);

#endif
