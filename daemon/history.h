/* SPDX-License-Identifier: ISC */
/* The last chat messages and actions, for sessions that join later. */
#ifndef PC_HISTORY_H
#define PC_HISTORY_H

#include <stddef.h>

struct history;

/* One kept line: its kind (PROTO_MSG, PROTO_ACTION), time and text. */
typedef void (*history_cb)(int, long long, const char *, size_t, void *);

struct history	*history_new(int, size_t);
void		 history_free(struct history *);
void		 history_resize(struct history *, int, size_t);
void		 history_add(struct history *, int, long long, const char *,
		    size_t);
void		 history_foreach(const struct history *, history_cb, void *);
int		 history_count(const struct history *);
size_t		 history_bytes(const struct history *);

#endif
