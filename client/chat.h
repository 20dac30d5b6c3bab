/* SPDX-License-Identifier: ISC */
/* The client's loop: stdin lines out, the daemon's lines in. */
#ifndef PC_CHAT_H
#define PC_CHAT_H

#include <stddef.h>

#define CHAT_INTERACTIVE	0x1	/* stdin and stdout are a terminal */
#define CHAT_NO_STDIN		0x2	/* only wait for the session to close */

/*
 * How to join again after pipechatd says it is shutting down: join()
 * tries once, without a word, and returns 0 with the new session's fds
 * in *sink and *out, or -1 when the daemon is not back yet; chat_run
 * gives up after wait_s seconds.
 */
struct chat_rejoin {
	int	(*join)(void *, int *, int *);
	void	 *arg;
	int	  wait_s;
};

int	chat_send_text(int, const char *, size_t, int);
int	chat_run(int *, int *, const char *, int, const struct chat_rejoin *);

#endif
