/* SPDX-License-Identifier: ISC */
/* One client's session: its FIFO pair, identity, and outbound queue. */
#ifndef PC_SESSION_H
#define PC_SESSION_H

#include <stddef.h>
#include <sys/types.h>

#include "proto.h"

struct event_base;
struct session;
struct session_set;

/* session_tell's text is cut at this length (it is sanitised to fit). */
#define SESSION_TELL_MAX	(PROTO_TEXT_OUT_MAX / 3)

/* What the owner allows each of its sessions. */
struct session_limits {
	size_t	queue_max;	/* bytes queued for the client */
	int	rate;		/* lines/s from the client; 0: no limit */
	int	burst;		/* ... at once */
};

/*
 * How a session reports to its owner, with the arg given to session_open.
 * Neither is called before session_open returns.
 */
struct session_cb {
	/* A line the client said, within its rate; valid during the call. */
	void	(*line)(void *, const char *, size_t, int);
	/*
	 * The session has ended: why (NULL when the client left), for the
	 * others.  The owner forgets it: the session is freed, or lingers
	 * in its set to say the last bye and is freed from there.
	 */
	void	(*end)(void *, const char *);
};

struct session_set *session_set_new(struct event_base *);
void		 session_set_free(struct session_set *);
int		 session_set_lingering(const struct session_set *, uid_t,
		    int *);

struct session	*session_open(struct session_set *, int,
		    const struct proto_join *, const struct session_limits *,
		    const struct session_cb *, void *);
void		 session_refuse(struct session *, const char *);
const char	*session_id(const struct session *);
const char	*session_name(const struct session *);
uid_t		 session_uid(const struct session *);
int		 session_flags(const struct session *);
void		 session_send(struct session *, enum proto_kind,
		    const char *, size_t);
void		 session_send_line(struct session *, enum proto_kind,
		    const char *, size_t);
void		 session_tell(struct session *, enum proto_kind,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
void		 session_quit(struct session *);
void		 session_close(struct session *, const char *);
int		 session_drain(struct session *);
void		 session_free(struct session *);

#endif
