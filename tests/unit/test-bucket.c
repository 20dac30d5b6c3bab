/* SPDX-License-Identifier: ISC */
/* Tests for daemon/bucket.c: the token bucket of the rate limits. */
#include <event2/event.h>

#include "bucket.h"

#include "tap.h"

#define SEC	1000000000ULL

int
main(void)
{
	struct event_base	*base;
	struct bucket		 b;
	uint64_t		 t = 1000 * SEC;
	int			 i, n;

	if ((base = event_base_new()) == NULL)
		return 1;

	/* rate 0: unlimited, whatever the burst. */
	bucket_init(&b, 0, 1, bucket_now(base));
	for (i = n = 0; i < 1000000; i++)
		n += bucket_take(&b, base);
	is_int(n, 1000000, "rate 0: every line passes");

	/* 20 lines/s, burst 100: 100 at once, then none. */
	bucket_init(&b, 20, 100, t);
	for (i = n = 0; i < 1000; i++)
		n += bucket_take_at(&b, t);
	is_int(n, 100, "a full bucket gives the burst, 100 lines");
	is_uint(bucket_wait(&b), SEC / 20, "then a line every 1/20 s");

	/* Time refills it: 1 s is 20 lines. */
	for (i = n = 0; i < 1000; i++)
		n += bucket_take_at(&b, t + SEC);
	is_int(n, 20, "after 1 s: 20 lines");

	/* Never past the burst, however long it was idle. */
	is_int(bucket_refill(&b, t + 3600 * SEC), 1, "after an hour: full");
	for (i = n = 0; i < 1000; i++)
		n += bucket_take_at(&b, t + 3600 * SEC);
	is_int(n, 100, "after an hour: still only the burst");

	/*
	 * Idle time while full is not saved up: one line, 10 s, then a
	 * burst gives 100 lines, not 199.
	 */
	bucket_init(&b, 20, 100, t);
	n = bucket_take_at(&b, t);
	for (i = 0; i < 1000; i++)
		n += bucket_take_at(&b, t + 10 * SEC);
	is_int(n, 101, "a burst after a pause: 1 + the burst");

	/* A clock set back adds nothing, and costs only the step back. */
	bucket_init(&b, 20, 100, t);
	for (i = 0; i < 100; i++)
		bucket_take_at(&b, t);
	is_int(bucket_take_at(&b, t - 60 * SEC), 0, "back 60 s: no credit");
	for (i = n = 0; i < 1000; i++)
		n += bucket_take_at(&b, t - 59 * SEC);
	is_int(n, 20, "then 1 s later: 20 lines");

	/* Half a line's time: still waiting for the other half. */
	bucket_init(&b, 20, 1, t);
	bucket_take_at(&b, t);
	bucket_refill(&b, t + SEC / 40);
	is_uint(bucket_wait(&b), SEC / 40, "half a line earned, half to wait");

	/* 1,000,000 lines/s, burst 1: one line per microsecond. */
	bucket_init(&b, 1000000, 1, t);
	ok(bucket_take_at(&b, t), "fast rate: the first line");
	ok(!bucket_take_at(&b, t + 999), "fast rate: not after 999 ns");
	ok(bucket_take_at(&b, t + 1000), "fast rate: after 1000 ns");
	event_base_free(base);
	return done_testing();
}
