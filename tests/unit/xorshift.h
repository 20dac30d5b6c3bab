/* SPDX-License-Identifier: ISC */
/* A fixed-seed PRNG for the tests, so that every libc sees the same data. */
#ifndef PC_XORSHIFT_H
#define PC_XORSHIFT_H

#include <stdint.h>

/* xorshift64*: the next number from *state, which must not be 0. */
static inline uint64_t
xorshift_next(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif
