/* SPDX-License-Identifier: ISC */
/* The client's loop: stdin lines out, the daemon's lines in. */
#ifndef PC_CHAT_H
#define PC_CHAT_H

#include <stddef.h>

#define CHAT_INTERACTIVE	0x1	/* stdin and stdout are a terminal */
#define CHAT_NO_STDIN		0x2	/* only wait for the session to close */

/* --color: when names and mentions get colours. */
#define CHAT_COLOR_AUTO		0	/* on a terminal, unless NO_COLOR, TERM=dumb */
#define CHAT_COLOR_ALWAYS	1
#define CHAT_COLOR_NEVER	2

/* What the options say about how to chat. */
struct chat_opts {
	int	 flags;		/* CHAT_INTERACTIVE, CHAT_NO_STDIN */
	int	 color;		/* CHAT_COLOR_* */
	int	 bell;		/* ring when someone mentions our name */
	int	 timestamps;	/* HH:MM before each line, on a terminal */
	int	 history_file;	/* keep typed lines across runs */
	int	 fields;	/* the daemon sends FIELDS (we asked, it agreed) */
	const char *name;	/* ours, from the welcome, or NULL */
};

/*
 * How to join again after pipechatd says it is shutting down: join()
 * tries once, without a word, and returns 0 with the new session's fds
 * in *sink and *out (and in *fields whether the daemon sends FIELDS),
 * or -1 when the daemon is not back yet; chat_run
 * gives up after wait_s seconds.
 */
struct chat_rejoin {
	int	(*join)(void *, int *, int *, int *);
	void	 *arg;
	int	  wait_s;
};

int	chat_send_text(int, const char *, size_t, int);
int	chat_run(int *, int *, const char *, const struct chat_opts *,
	    const struct chat_rejoin *);

#endif
