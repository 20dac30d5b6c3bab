/* SPDX-License-Identifier: ISC */
/* Tests for client/display.c: what the client shows of the daemon's lines. */
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "proto.h"

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

int
main(void)
{
	display_init();
	test_kinds();
	test_wrap();
	test_hostile();
	return done_testing();
}
