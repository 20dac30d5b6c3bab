/* SPDX-License-Identifier: ISC */
/* The directory where clients create their session FIFOs. */
#ifndef PC_SESSIONDIR_H
#define PC_SESSIONDIR_H

#include <sys/stat.h>

int	sessiondir_check_apart(const char *, const char *, char **);
int	sessiondir_open(const char *, int *, char **);
int	sessiondir_open_fifo(int, const char *, int, struct stat *);
void	sessiondir_unlink(int, const char *, const struct stat *);

#endif
