/* SPDX-License-Identifier: ISC */
/* Who is in the room, and fan-out of every message to them. */
#ifndef PC_ROOM_H
#define PC_ROOM_H

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
void		 room_broadcast(struct room *, struct session *,
		    const struct message *);
int		 room_private(struct room *, struct session *, const char *,
		    const char *, size_t, int);
void		 room_foreach(struct room *,
		    void (*)(struct session *, long long, void *), void *);
int		 room_count(const struct room *);
unsigned long long room_messages(const struct room *);

#endif
