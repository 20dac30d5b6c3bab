/* SPDX-License-Identifier: ISC */
/* The well-known FIFO: where raw writers' lines come in. */
#ifndef PC_LISTENER_H
#define PC_LISTENER_H

struct config;
struct event_base;
struct listener;
struct room;

struct listener	*listener_new(struct event_base *, const struct config *,
		    int, struct room *, int *, char **);
int		 listener_reconfigure(struct listener *,
		    const struct config *, char **);
void		 listener_shutdown(struct listener *);
void		 listener_free(struct listener *);

#endif
