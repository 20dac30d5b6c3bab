/* SPDX-License-Identifier: ISC */
/* Tests for client/display.c: what the client shows of the daemon's lines. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "display.h"
#include "proto.h"
#include "style.h"

#include "tap.h"

/* Show a C string as the daemon's line on cols columns. */
static const char *
show(const char *line, int cols, size_t *n)
{
	return display_line(line, strlen(line), cols, n);
}

#define SHOWS(line, cols, want, ...) do {				\
	size_t	n_;							\
	const char *got_ = show(line, cols, &n_);			\
	is_mem(got_, n_, want, strlen(want), __VA_ARGS__);		\
} while (0)

/* Kinds: what is shown, on no terminal and on one. */
static void
test_kinds(void)
{
	SHOWS("msg alice: hi", 0, "alice: hi", "msg");
	SHOWS("info --> alice joined", 0, "--> alice joined", "info");
	SHOWS("action * alice waves", 0, "* alice waves", "action");
	SHOWS("error unknown command", 0, "unknown command",
	    "error on no terminal: bare, for stderr");
	SHOWS("error unknown command", 80, "-!- unknown command",
	    "error on a terminal: the daemon's prefix");
	SHOWS("notice --> bob joined", 0, "[notice] --> bob joined",
	    "unknown kind: in brackets");
	SHOWS("--> bob joined", 0, "[-->] bob joined",
	    "a kind that looks like a notice is still in brackets");
	SHOWS("", 0, "[] ", "empty line");
	SHOWS("x\x1b[2J y", 0, "[x^[[2J] y", "unknown kind is sanitised");
	SHOWS("averyveryverylongkindword text", 0, "[averyveryverylon] text",
	    "unknown kind cut to 16 bytes");
	SHOWS("msg alice: \x1b]0;pwned\a", 0, "alice: ^[]0;pwned^G",
	    "text sanitised again");
	SHOWS("msg a:            b", 0, "a:        b",
	    "runs of spaces cut again");
}

/* Every row after the first of a line starts indented under its text. */
static void
test_wrap(void)
{
	char	line[400], want[400];

	/* 80 columns: "mallory: brb" + 68 dots fill the first row */
	snprintf(line, sizeof line, "msg mallory: brb%.*s<-- alice left", 68,
	    "................................................................"
	    "....");
	snprintf(want, sizeof want,
	    "mallory: brb%.*s\n         <-- alice left", 68,
	    "................................................................"
	    "....");
	SHOWS(line, 80, want, "a padded message: its rest indented");
	SHOWS(line, 0, line + 4, "not on a terminal: one line");

	SHOWS("action * mallory waves~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
	    "~~~~~~~~~~~~~~~~~* bob waves", 80,
	    "* mallory waves~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
	    "~~~~~~~~~~~~~~~~~* bob w\n          aves",
	    "an action: under the text after the name");
	SHOWS("info -!- xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxx<-- x", 80,
	    "-!- xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxx\n    <-- x",
	    "a notice: under its text, 4 columns in");
	SHOWS("msg a: 0123456789012345678901234567890", 20,
	    "a: 01234567890123456\n   78901234567890",
	    "20 columns");
	SHOWS("msg a: 0123456789012345678901234567890", 5,
	    "a: 01234567890123456\n   78901234567890",
	    "fewer than 20 columns count as 20");
	SHOWS("msg a-very-long-name-without-the-colon-space 0123456789", 20,
	    "a-very-long-name-wit\n    hout-the-colon-s\n    pace 0123456789",
	    "no \"NAME: \": 4 columns in");
	SHOWS("msg a-very-long-name-indeed: 0123456789", 20,
	    "a-very-long-name-ind\n          eed: 01234\n          56789",
	    "a long name: at most half the columns in");
	/* wide characters take two columns: 9 + 2 * 35 = 79, then "x" */
	snprintf(line, sizeof line, "msg mallory: %sx-!- y",
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5");
	{
		size_t		 n;
		const char	*got = show(line, 80, &n);
		const char	*nl = memchr(got, '\n', n);

		ok(nl != NULL && strcmp(nl, "\n         -!- y") == 0,
		    "wide characters count two columns");
	}
}

/* A hostile line of any length shows safely, whole. */
static void
test_hostile(void)
{
	size_t		 n, i, bad = 0;
	char		*line;
	const char	*got;

	if ((line = malloc(DISPLAY_IN_MAX)) == NULL)
		abort();
	memcpy(line, "msg ", 4);
	memset(line + 4, 0x80, DISPLAY_IN_MAX - 4);
	got = display_line(line, DISPLAY_IN_MAX, 0, &n);
	is_uint(n, 3 * (DISPLAY_IN_MAX - 4),
	    "%d bytes of 0x80: a U+FFFD each", DISPLAY_IN_MAX - 4);
	for (i = 0; i + 3 <= n; i += 3)
		bad += memcmp(got + i, "\xef\xbf\xbd", 3) != 0;
	is_uint(bad, 0, "... and nothing else");
	got = display_line(line, DISPLAY_IN_MAX, 20, &n);
	for (i = bad = 0; i < n; i++)
		bad += got[i] == '\n' &&
		    (got[i + 1] != ' ' || got[i + 2] != ' ');
	ok(n > 3 * (DISPLAY_IN_MAX - 4) && bad == 0,
	    "... on 20 columns: every row after the first indented");
	memset(line, 0x80, DISPLAY_IN_MAX);
	got = display_line(line, DISPLAY_IN_MAX, 80, &n);
	ok(n > 3 && got[0] == '[', "a line of 0x80 alone: an unknown kind");
	free(line);
}

/*
 * Show a C string "KIND FIELDS TEXT" as display_show does in a session
 * with FIELDS, for alice, on cols columns (timestamps and colours as
 * given), into a NUL-terminated string; *found as it says.
 */
static const char *
styled(const char *line, int cols, int ts, int color, int *found)
{
	struct display_style	 st = { cols, color, ts, "alice" };
	struct proto_fields	 f;
	static char		 buf[1024];
	size_t			 off, k, n;
	const char		*got;

	(void)proto_parse_kind(line, strlen(line), &off);
	k = off + proto_parse_fields(line + off, strlen(line) - off, &f);
	memcpy(buf, line, off);
	strcpy(buf + off, line + k);
	got = display_show(buf, strlen(buf), &f, &st, found, &n);
	return got;
}

#define STYLED(line, cols, ts, color, want, wfound, ...) do {		\
	int	found_;							\
	const char *got_ = styled(line, cols, ts, color, &found_);	\
	is_str(got_, want, __VA_ARGS__);				\
	is_int(found_, wfound, __VA_ARGS__);				\
} while (0)

/* Issue 12: times, history, our own lines, mentions, colours. */
static void
test_show(void)
{
	int	c = style_name_color("bob", 3), a = style_name_color("alice", 5);
	char	want[256];

	setenv("TZ", "UTC", 1);
	tzset();
	STYLED("msg t=1700000000 bob: hi", 80, 1, 0, "22:13 bob: hi", 0,
	    "HH:MM from t=, in local time");
	STYLED("msg t=1700000000 bob: hi", 0, 1, 0, "bob: hi", 0,
	    "no time when not on a terminal");
	STYLED("msg t=1700000000 bob: hi", 80, 0, 0, "bob: hi", 0,
	    "no time with --no-timestamps");
	STYLED("msg t=1700000000;h bob: hi", 80, 1, 0, "22:13 ~ bob: hi", 0,
	    "history without colours: marked");
	STYLED("msg t=1700000000;h bob: hi alice", 80, 0, 1,
	    "\033[2mbob: hi alice\033[0m", 0,
	    "history with colours: dimmed, no mention, no bell");
	STYLED("msg - bob: hi alice!", 80, 0, 0, "bob: hi alice!",
	    DISPLAY_MENTION, "a mention without colours: found");
	STYLED("msg - bob: hi alicex", 80, 0, 0, "bob: hi alicex", 0,
	    "alicex is not alice");
	STYLED("msg - bob: malice", 80, 0, 0, "bob: malice", 0,
	    "malice is not alice");
	snprintf(want, sizeof want, "\033[%dmbob\033[0m: hi "
	    "\033[1;7malice\033[0m", c);
	STYLED("msg - bob: hi alice", 80, 0, 1, want, DISPLAY_MENTION,
	    "colours: the name in its colour, the mention highlighted");
	snprintf(want, sizeof want, "\033[1;%dmalice\033[0m: hi alice", a);
	STYLED("msg t=1;self alice: hi alice", 80, 0, 1, want, 0,
	    "our own line: our name bold, no mention, no bell");
	STYLED("msg - alice: me, alice", 80, 0, 0, "alice: me, alice", 0,
	    "our own line without self: no mention either");
	snprintf(want, sizeof want, "* \033[%dmbob\033[0m waves at "
	    "\033[1;7malice\033[0m", c);
	STYLED("action - * bob waves at alice", 80, 0, 1, want,
	    DISPLAY_MENTION, "an action: the name after \"* \"");
	STYLED("private - bob -> you: psst", 80, 0, 1,
	    "\033[1;35mbob -> you: \033[0m\033[35mpsst\033[0m",
	    DISPLAY_MENTION, "private to us: styled, and a mention");
	STYLED("private self -> bob: psst", 80, 0, 0, "-> bob: psst", 0,
	    "private from us: no mention");
	snprintf(want, sizeof want, "\033[%dmbob\033[0m: ^[[31mred", c);
	STYLED("msg - bob: \033[31mred", 80, 0, 1, want, 0,
	    "the text's own ESC is shown as ^[, never sent");
	STYLED("info - --> alice joined", 80, 0, 1, "--> alice joined", 0,
	    "a notice: no colours, no mention");
	STYLED("msg t=1700000000 bob: 0123456789012345678901234567890123456789",
	    30, 1, 0, "22:13 bob: 0123456789012345678\n"
	    "           9012345678901234567\n           89", 0,
	    "wrapped rows start under the text, after the time");
	STYLED("msg zz=1;t=x;self;h bob: hi", 80, 0, 0, "~ bob: hi", 0,
	    "unknown items and a bad t= are ignored");
	ok(style_name_color("bob", 3) == c, "a name's colour is stable");
	ok(style_want(CHAT_COLOR_ALWAYS) && !style_want(CHAT_COLOR_NEVER),
	    "--color=always, --color=never");
	setenv("NO_COLOR", "", 1);
	ok(!style_want(CHAT_COLOR_AUTO), "NO_COLOR set, even empty: none");
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	ok(!style_want(CHAT_COLOR_AUTO), "TERM=dumb: none");
	unsetenv("TERM");
	ok(!style_want(CHAT_COLOR_AUTO), "no TERM: none");
}

int
main(void)
{
	display_init();
	test_kinds();
	test_wrap();
	test_hostile();
	test_show();
	return done_testing();
}
