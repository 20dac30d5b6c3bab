/* One client's session: its FIFO pair, identity, and outbound queue. */
#ifndef PC_SESSION_H
#define PC_SESSION_H

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bucket.h"
#include "proto.h"

struct event;
struct event_base;
struct evbuffer;
struct ingest;
struct room;

/* What a room allows each of its sessions. */
struct session_limits {
	size_t	queue_max;	/* bytes queued for the client */
	int	rate;		/* lines/s from the client; 0: no limit */
	int	burst;		/* ... at once */
};

/* Defined here rather than in session.c because room.c keeps the list. */
struct session {
	TAILQ_ENTRY(session)	 entry;
	TAILQ_ENTRY(session)	 dirty_entry;	/* room's list to write */
	int			 dirty;
	struct room		*room;
	struct event_base	*base;
	char			 id[PROTO_ID_MAX + 1];
	char			*name;		/* login name of uid */
	uid_t			 uid;		/* owner of both FIFOs */
	int			 flags;		/* PROTO_JOIN_* */
	int			 in_fd;		/* client -> daemon */
	int			 out_fd;	/* daemon -> client */
	struct stat		 in_st;
	struct stat		 out_st;
	struct ingest		*ingest;
	struct evbuffer		*outq;		/* bounded by queue_max */
	size_t			 queue_max;
	size_t			 pinned;	/* head of outq never dropped */
	unsigned long		 dropped;	/* lines trimmed, not yet told */
	struct bucket		 bucket;	/* lines it may send */
	int			 rate;		/* ... per second, for messages */
	int			 throttled;	/* over it: not reading .in */
	int			 throttle_told;	/* ... and the client knows */
	uint64_t		 throttle_last;	/* ... when it last was, ns */
	struct evbuffer		*held;		/* lines read, not yet allowed */
	struct event		*throttle_ev;	/* credit for the next one */
	struct event		*write_ev;	/* out_fd writable */
	int			 write_armed;	/* ... is being watched */
	struct event		*gone_ev;	/* out_fd lost its reader */
	struct event		*free_ev;	/* deferred free */
	int			 joined;	/* room_join accepted it */
	int			 quit;		/* sent /quit */
	int			 closing;
	int			 lingering;	/* ended; writing the last bye */
	int			 eof;		/* all input has been read */
	int			 eof_held;	/* ... but lines are held */
	int			 left;		/* ... up to the client's close */
	char			*reason;	/* why it ended, for "left" */
	int			 dirfd;		/* borrowed from the room */
};

struct session	*session_open(struct room *, struct event_base *, int,
		    const struct proto_join *, const struct session_limits *);
void		 session_send(struct session *, enum proto_kind,
		    const char *, size_t);
void		 session_send_line(struct session *, enum proto_kind,
		    const char *, size_t);
void		 session_close(struct session *, const char *);
int		 session_drain(struct session *);
void		 session_write(struct session *);
void		 session_free(struct session *);

#endif
