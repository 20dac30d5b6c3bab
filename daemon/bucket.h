/* SPDX-License-Identifier: ISC */
/* A token bucket: how many lines a sender may send, and how fast. */
#ifndef PC_BUCKET_H
#define PC_BUCKET_H

#include <stdint.h>

struct event_base;

/*
 * Credit is kept in nanoseconds: a line costs 1e9 / rate of it, the
 * bucket holds burst lines' worth, and time refills it.  Embedded in its
 * owner (a session, the room for raw writers), so defined here.
 */
struct bucket {
	uint64_t	cost;		/* ns per line; 0: unlimited */
	uint64_t	cap;		/* burst lines' worth */
	uint64_t	credit;
	uint64_t	stamp;		/* ns, bucket_now, of the last refill */
};

void		bucket_init(struct bucket *, int, int, uint64_t);
uint64_t	bucket_now(struct event_base *);
int		bucket_refill(struct bucket *, uint64_t);
int		bucket_take_at(struct bucket *, uint64_t);
uint64_t	bucket_wait(const struct bucket *);

/*
 * Take one line's worth at the loop's time; 0 if there is not enough.
 * No clock is read here: libevent reads it once per loop pass, and every
 * line of that pass (a whole read) shares the reading.  An unlimited
 * bucket costs one compare.
 */
static inline int
bucket_take(struct bucket *b, struct event_base *base)
{
	return b->cost == 0 || bucket_take_at(b, bucket_now(base));
}

#endif
