/* SPDX-License-Identifier: ISC */
/*
 * Tests for daemon/message.c's issue 12 parts: a private message as its
 * sender and its addressee see it and as the daemon logs it (without the
 * text), and /who's idle times.
 */
#include <stdio.h>
#include <string.h>

#include "message.h"

#include "tap.h"

static char	buf[MESSAGE_FORMAT_MAX + 1];

/* m formatted by fn (-1: message_format), as a string. */
static const char *
fmt(const struct message *m, int to)
{
	size_t	len;

	len = to == -1 ? message_format(m, buf) :
	    message_format_private(m, to, buf);
	buf[len] = '\0';
	return buf;
}

static void
test_private(void)
{
	struct message	m = {
		.kind = MESSAGE_PRIVATE,
		.from = "alice",
		.to = "bob",
		.text = "hi bob",
		.len = 6,
	};

	is_str(fmt(&m, MESSAGE_TO_SENDER), "-> bob: hi bob", "sender's view");
	is_str(fmt(&m, MESSAGE_TO_ADDRESSEE), "alice -> you: hi bob",
	    "addressee's view");
	is_str(fmt(&m, -1), "alice -> bob: private message (6 bytes)",
	    "the log: no text");
	m.len = 1;
	is_str(fmt(&m, -1), "alice -> bob: private message (1 byte)",
	    "the log: 1 byte");
	m.text = "\033[2Jx\n";
	m.len = 6;
	is_str(fmt(&m, MESSAGE_TO_ADDRESSEE), "alice -> you: ^[[2Jx^J",
	    "the text is made safe");
	ok(strstr(fmt(&m, -1), "2J") == NULL, "and never logged");
	m.flags = MESSAGE_TRUNCATED;
	is_str(fmt(&m, MESSAGE_TO_SENDER), "-> bob: ^[[2Jx^J [truncated]",
	    "truncated is marked");
	m.flags = 0;
	m.to = "b\033ob";
	is_str(fmt(&m, MESSAGE_TO_SENDER), "-> b^[ob: ^[[2Jx^J",
	    "the addressee's name is made safe");
	is_str(fmt(&m, -1), "alice -> b^[ob: private message (6 bytes)",
	    "... in the log too");
}

/* message_idle(secs) as a string. */
static const char *
idle(long long secs)
{
	message_idle(secs, buf, sizeof buf);
	return buf;
}

static void
test_idle(void)
{
	is_str(idle(0), "", "0 s: not idle");
	is_str(idle(9), "", "9 s: not idle");
	is_str(idle(10), " (idle 10s)", "10 s: 10s");
	is_str(idle(59), " (idle 59s)", "59 s: 59s");
	is_str(idle(60), " (idle 1m)", "60 s: 1m");
	is_str(idle(3599), " (idle 59m)", "59m59s: 59m");
	is_str(idle(3600), " (idle 1h)", "1h");
	is_str(idle(86399), " (idle 23h)", "23h59m: 23h");
	is_str(idle(86400), " (idle 1d)", "1d");
	is_str(idle(400LL * 86400), " (idle 400d)", "400d");
}

int
main(void)
{
	test_private();
	test_idle();
	return done_testing();
}
