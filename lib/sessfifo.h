/* SPDX-License-Identifier: ISC */
/*
 * A session's pair of FIFOs in the session directory, as a client makes
 * them (docs/PROTOCOL.md): pipechat-client and bench/pcload share this.
 */
#ifndef PC_SESSFIFO_H
#define PC_SESSFIFO_H

#include <sys/stat.h>

#include <stddef.h>

/*
 * The session directory is setgid, so the FIFOs get the daemon's group,
 * which only the daemon is in: the group bits are the daemon's access,
 * and others get none.  The owner (the client) may read and write both,
 * which costs nothing and lets the daemon's own user chat.
 */
#define SESSFIFO_IN_MODE	(S_IRUSR | S_IWUSR | S_IRGRP)	/* 0640 */
#define SESSFIFO_OUT_MODE	(S_IRUSR | S_IWUSR | S_IWGRP)	/* 0620 */

int	sessfifo_path(char *, size_t, const char *, const char *,
	    const char *);
int	sessfifo_make(const char *, const char *);
void	sessfifo_remove(const char *, const char *);
int	sessfifo_open_out(const char *, const char *);
int	sessfifo_open_in(const char *, const char *);

#endif
