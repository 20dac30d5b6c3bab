/* Who is connected, what they may do, and fan-out of every message. */
#ifndef PC_ROOM_H
#define PC_ROOM_H

#include <stddef.h>

struct config;
struct event_base;
struct message;
struct output;
struct proto_join;
struct room;
struct session;

struct room	*room_new(struct event_base *, const struct config *,
		    struct output *);
int		 room_open_dir(struct room *, char **);
void		 room_free(struct room *);
void		 room_reconfigure(struct room *, const struct config *);
int		 room_stop(struct room *, void (*)(void *), void *);
void		 room_join(struct room *, const struct proto_join *);
void		 room_log_refused(struct room *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 room_log_throttled(struct room *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 room_input(struct room *, struct session *, const char *,
		    size_t, int);
void		 room_leave(struct room *, struct session *);
void		 room_linger(struct room *, struct session *);
void		 room_unlinger(struct room *, struct session *);
void		 room_mark_dirty(struct room *, struct session *);
void		 room_unmark_dirty(struct room *, struct session *);
void		 room_broadcast(struct room *, struct session *,
		    const struct message *);
int		 room_count(const struct room *);
unsigned long long room_messages(const struct room *);

#endif
