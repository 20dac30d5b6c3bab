/* SPDX-License-Identifier: ISC */
/*
 * Tests for daemon/history.c: the last lines, bounded by count and by
 * bytes, the oldest dropped first, replayed in order; 0 keeps none; a
 * reload keeps the newest that fit the new bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

#include "tap.h"

/* What history_foreach gave: "kind:time:text," each. */
struct seen {
	char	buf[4096];
	size_t	len;
};

static void
seen_cb(int kind, long long t, const char *text, size_t len, void *arg)
{
	struct seen	*s = arg;
	int		 n;

	n = snprintf(s->buf + s->len, sizeof s->buf - s->len, "%d:%lld:%.*s,",
	    kind, t, (int)len, text);
	if (n > 0 && (size_t)n < sizeof s->buf - s->len)
		s->len += (size_t)n;
}

/* The history as one string. */
static const char *
dump(const struct history *h)
{
	static struct seen	s;

	s.len = 0;
	s.buf[0] = '\0';
	history_foreach(h, seen_cb, &s);
	return s.buf;
}

/* Add text at time t, kind 1. */
static void
add(struct history *h, long long t, const char *text)
{
	history_add(h, 1, t, text, strlen(text));
}

static void
test_count(void)
{
	struct history	*h = history_new(3, 1000);

	is_str(dump(h), "", "new: empty");
	add(h, 1, "a");
	add(h, 2, "bb");
	is_str(dump(h), "1:1:a,1:2:bb,", "two kept, oldest first");
	add(h, 3, "ccc");
	add(h, 4, "dddd");
	is_str(dump(h), "1:2:bb,1:3:ccc,1:4:dddd,",
	    "a fourth pushes out the first");
	is_int(history_count(h), 3, "count 3");
	is_int(history_bytes(h), 9, "bytes 9");
	history_add(h, 2, 5, "e", 1);
	is_str(dump(h), "1:3:ccc,1:4:dddd,2:5:e,", "kind and time kept");
	history_free(h);
	history_free(NULL);
}

static void
test_bytes(void)
{
	struct history	*h = history_new(10, 10);

	add(h, 1, "aaaa");
	add(h, 2, "bbbb");
	is_str(dump(h), "1:1:aaaa,1:2:bbbb,", "8 of 10 bytes");
	add(h, 3, "cc");
	is_str(dump(h), "1:1:aaaa,1:2:bbbb,1:3:cc,", "exactly 10 bytes");
	add(h, 4, "d");
	is_str(dump(h), "1:2:bbbb,1:3:cc,1:4:d,", "11 bytes: the oldest goes");
	add(h, 5, "eeeeeeeee");
	is_str(dump(h), "1:4:d,1:5:eeeeeeeee,", "9 bytes: all but 1 go");
	is_int(history_bytes(h), 10, "bytes 10");
	add(h, 6, "ffffffffff");
	is_str(dump(h), "1:6:ffffffffff,", "10 bytes alone: kept");
	add(h, 7, "ggggggggggg");
	is_str(dump(h), "", "longer than the bound: none, not a gap");
	is_int(history_bytes(h), 0, "bytes 0");
	add(h, 8, "h");
	is_str(dump(h), "1:8:h,", "and it starts again");
	history_free(h);
}

static void
test_none(void)
{
	struct history	*h = history_new(0, 1000);

	add(h, 1, "a");
	is_str(dump(h), "", "history 0: nothing kept");
	history_free(h);
	h = history_new(5, 0);
	add(h, 1, "a");
	is_str(dump(h), "", "history_bytes 0: nothing kept");
	history_add(h, 1, 2, "", 0);
	is_int(history_count(h), 1, "... but an empty text fits");
	history_free(h);
}

static void
test_wrap(void)
{
	struct history	*h = history_new(4, 100000);
	char		 text[300], want[64];
	int		 i;

	/* Many times round the ring, lengths up and down (reused buffers). */
	for (i = 0; i < 1000; i++) {
		memset(text, 'a' + i % 26, sizeof text);
		history_add(h, 1, i, text, (size_t)(i * 37 % 300));
	}
	is_int(history_count(h), 4, "1000 added: 4 kept");
	is_int(history_bytes(h), 996 * 37 % 300 + 997 * 37 % 300 +
	    998 * 37 % 300 + 999 * 37 % 300, "their bytes");
	add(h, 1000, "x");
	snprintf(want, sizeof want, "1:1000:x,");
	ok(strstr(dump(h), want) != NULL &&
	    strncmp(dump(h), "1:997:", 6) == 0, "the last 4, in order");
	history_free(h);
}

static void
test_resize(void)
{
	struct history	*h = history_new(5, 100);

	add(h, 1, "a");
	add(h, 2, "b");
	add(h, 3, "c");
	add(h, 4, "d");
	history_resize(h, 2, 100);
	is_str(dump(h), "1:3:c,1:4:d,", "fewer: the newest stay");
	add(h, 5, "e");
	is_str(dump(h), "1:4:d,1:5:e,", "and the new bound holds");
	history_resize(h, 4, 100);
	is_str(dump(h), "1:4:d,1:5:e,", "more: all stay");
	add(h, 6, "f");
	add(h, 7, "g");
	add(h, 8, "h");
	is_str(dump(h), "1:5:e,1:6:f,1:7:g,1:8:h,", "up to the new count");
	history_resize(h, 4, 2);
	is_str(dump(h), "1:7:g,1:8:h,", "fewer bytes: the newest that fit");
	history_resize(h, 0, 2);
	is_str(dump(h), "", "0: none");
	add(h, 9, "i");
	is_str(dump(h), "", "... and none kept after");
	history_resize(h, 3, 10);
	add(h, 10, "j");
	is_str(dump(h), "1:10:j,", "on again");
	history_free(h);
}

int
main(void)
{
	test_count();
	test_bytes();
	test_none();
	test_wrap();
	test_resize();
	return done_testing();
}
