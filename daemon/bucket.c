/* SPDX-License-Identifier: ISC */
/* A token bucket: how many lines a sender may send, and how fast. */
#include <sys/time.h>

#include <event2/event.h>

#include "bucket.h"
#include "log.h"

#define BUCKET_NS	1000000000ULL

/*
 * rate lines per second, burst at once; rate 0: no limit.  Starts full
 * at time now.
 */
void
bucket_init(struct bucket *b, int rate, int burst, uint64_t now)
{
	b->cost = rate > 0 ? BUCKET_NS / (uint64_t)rate : 0;
	b->cap = b->cost * (uint64_t)(burst > 0 ? burst : 1);
	b->credit = b->cap;
	b->stamp = now;
}

/*
 * The time in ns as the event loop last read it (the wall clock, which
 * libevent keeps in step with the monotonic one), or now outside a loop.
 */
uint64_t
bucket_now(struct event_base *base)
{
	struct timeval	tv;

	if (event_base_gettimeofday_cached(base, &tv) == -1)
		fatalx("event_base_gettimeofday_cached failed");
	return (uint64_t)tv.tv_sec * BUCKET_NS + (uint64_t)tv.tv_usec * 1000;
}

/*
 * Add the credit earned up to now, never past the burst; returns 1 if the
 * bucket is full.  A clock set back costs the time it went back, no more.
 */
int
bucket_refill(struct bucket *b, uint64_t now)
{
	uint64_t	room = b->cap - b->credit;

	if (now > b->stamp)
		b->credit += now - b->stamp < room ? now - b->stamp : room;
	b->stamp = now;
	return b->credit == b->cap;
}

/* Take one line's worth at time now; 0 if there is not enough. */
int
bucket_take_at(struct bucket *b, uint64_t now)
{
	bucket_refill(b, now);
	if (b->credit < b->cost)
		return 0;
	b->credit -= b->cost;
	return 1;
}

/* How long until one line's worth is there (0: it is). */
uint64_t
bucket_wait(const struct bucket *b)
{
	return b->credit >= b->cost ? 0 : b->cost - b->credit;
}
