/* SPDX-License-Identifier: ISC */
/* What a session's line means: a chat message, or a command. */
#ifndef PC_CMD_H
#define PC_CMD_H

#include <stddef.h>

struct room;
struct session;

void	cmd_input(struct room *, struct session *, const char *, size_t,
	    int);

#endif
