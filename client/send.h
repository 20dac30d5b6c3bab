/* SPDX-License-Identifier: ISC */
/* Writing messages to the daemon's well-known FIFO. */
#ifndef PC_SEND_H
#define PC_SEND_H

#include <stddef.h>

void	send_set_config(const char *);
int	send_open(const char *, int *);
size_t	send_piece(const char *, size_t, int, int, char *, size_t *);
int	send_message(int, const char *, size_t, int);

#endif
