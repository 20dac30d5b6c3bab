/* SPDX-License-Identifier: ISC */
/* The client's side of a session: its FIFO pair and the JOIN handshake. */
#ifndef PC_CLIENT_SESSION_H
#define PC_CLIENT_SESSION_H

#include "pclimits.h"
#include "proto.h"

/* How much of a refusal ("bye REASON") is shown: reasons are short. */
#define SESSION_BYE_SHOWN	512
/* Our name as the welcome gave it, sanitised; login names are short. */
#define SESSION_NAME_MAX	256
#define SESSION_WHY_SIZE	(PC_SANITIZED_MAX(SESSION_BYE_SHOWN) + 1)

struct client_session {
	char	 dir[4096];		/* session directory */
	char	 id[PROTO_ID_MAX + 1];
	int	 in_fd;			/* we write: our messages */
	int	 out_fd;		/* we read: everyone else's */
	int	 created;		/* FIFOs exist and are ours to remove */
	int	 flags;			/* the JOIN words it was welcomed with */
	int	 fields;		/* the daemon sends FIELDS on every line */
	char	 name[SESSION_NAME_MAX + 1];	/* ours, from the welcome */
};

int	session_join(struct client_session *, const char *, const char *, int);
int	session_rejoin(struct client_session *, const char *, const char *,
	    int);
void	session_cleanup(struct client_session *);
int	session_read_line(int, char *, size_t, int);
void	session_why(char *, const char *);
int	session_is_fields(const char *, size_t);

#endif
