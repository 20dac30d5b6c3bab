/* SPDX-License-Identifier: ISC */
/* Safe creation, opening and removal of the daemon's FIFOs. */
#ifndef PC_FIFO_H
#define PC_FIFO_H

#include <sys/types.h>

struct fifo;

int	 fifo_open(const char *, mode_t, gid_t, struct fifo **, char **);
int	 fifo_adopt(int, const char *, mode_t, gid_t, struct fifo **,
	    char **);
int	 fifo_fd(const struct fifo *);
int	 fifo_reopen(struct fifo *);
int	 fifo_apply(struct fifo *, mode_t, gid_t, char **);
void	 fifo_set_pipe_size(struct fifo *, int);
void	 fifo_unlink(struct fifo *);
void	 fifo_free(struct fifo *);
const char	*fifo_type_name(mode_t);
char	*fifo_denied(const char *, int, int);

#endif
