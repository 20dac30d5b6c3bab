/* SPDX-License-Identifier: ISC */
/* Colours on a terminal: names, our own name, mentions of it, private lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "display.h"
#include "style.h"

#define STYLE_RESET	"\033[0m"
#define STYLE_DIM	"\033[2m"	/* lines from before we joined */
#define STYLE_OWN	"\033[1m"	/* our name: bold, in its colour */
#define STYLE_MENTION	"\033[1;7m"	/* our name in someone's text */
#define STYLE_PRIVATE	"\033[35m"	/* a private line, all of it */
#define STYLE_PRIVATE_WHO "\033[1;35m"	/* ... and who it is from or to */

/*
 * Foreground colours for names: the six of the basic eight that read on
 * both dark and light backgrounds, plain and bright (no black, white,
 * grey).  A name always gets the same one (style_name_color).
 */
static const int style_palette[] = { 31, 32, 33, 34, 35, 36, 91, 92, 93, 94,
    95, 96 };
#define STYLE_NPALETTE	(sizeof style_palette / sizeof style_palette[0])

/*
 * Colours or not, for --color: never, always, or (auto) on a terminal
 * unless NO_COLOR is set to anything (no-color.org) or TERM is unset or
 * "dumb".
 */
int
style_want(int mode)
{
	const char	*term;

	if (mode == CHAT_COLOR_NEVER)
		return 0;
	if (mode == CHAT_COLOR_ALWAYS)
		return 1;
	if (getenv("NO_COLOR") != NULL || !isatty(STDOUT_FILENO))
		return 0;
	term = getenv("TERM");
	return term != NULL && term[0] != '\0' && strcmp(term, "dumb") != 0;
}

/* The SGR colour of a name: FNV-1a of its bytes into the palette. */
int
style_name_color(const char *name, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return style_palette[h % STYLE_NPALETTE];
}

/* Is the byte at s[i] part of a word (so not a boundary of our name)? */
static int
style_wordch(const char *s, size_t len, size_t i)
{
	unsigned char	c;

	if (i >= len)
		return 0;
	c = (unsigned char)s[i];
	return c >= 0x80 || c == '_' || c == '-' || (c >= '0' && c <= '9') ||
	    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Where our name is next mentioned in s from *from on, as a whole word. */
static const char *
style_find(const char *s, size_t len, size_t *from, const char *me,
    size_t melen)
{
	const char	*p;
	size_t		 at;

	while (*from < len &&
	    (p = memmem(s + *from, len - *from, me, melen)) != NULL) {
		at = (size_t)(p - s);
		*from = at + melen;
		if ((at == 0 || !style_wordch(s, len, at - 1)) &&
		    !style_wordch(s, len, at + melen))
			return p;
	}
	return NULL;
}

/*
 * Where the sender's name is in a line's safe text (kind's shape: "NAME:
 * text", "* NAME text", "alice -> you: text"), in *at and *nlen, and where
 * the text after it starts.  0 if the line has no sender.
 */
static size_t
style_sender(enum proto_kind kind, const char *s, size_t len, size_t *at,
    size_t *nlen)
{
	const char	*p;

	switch (kind) {
	case PROTO_MSG:
	case PROTO_PRIVATE:
		if ((p = memmem(s, len, ": ", 2)) == NULL)
			return 0;
		*at = 0;
		*nlen = (size_t)(p - s);
		return *nlen + 2;
	case PROTO_ACTION:
		if (len < 2 || memcmp(s, "* ", 2) != 0)
			return 0;
		if ((p = memchr(s + 2, ' ', len - 2)) == NULL)
			p = s + len;
		*at = 2;
		*nlen = (size_t)(p - s) - 2;
		return (size_t)(p - s);
	default:
		return 0;
	}
}

/*
 * Does someone else's line name us: a message or action with our name
 * in its text, or a private line to us?
 */
int
style_mentions(enum proto_kind kind, const char *s, size_t len,
    const char *me)
{
	size_t	at, nlen, text, from = 0;

	if (me == NULL || me[0] == '\0')
		return 0;
	if ((text = style_sender(kind, s, len, &at, &nlen)) == 0)
		return 0;
	if (nlen == strlen(me) && memcmp(s + at, me, nlen) == 0)
		return 0;	/* our own line, not a mention */
	if (kind == PROTO_PRIVATE)
		return len >= 3 && memcmp(s, "-> ", 3) != 0 ? DISPLAY_MENTION :
		    0;
	return style_find(s + text, len - text, &from, me, strlen(me)) !=
	    NULL ? DISPLAY_MENTION : 0;
}

/* Append a string to out at *o. */
static void
style_put(char *out, size_t *o, const char *s, size_t len)
{
	memcpy(out + *o, s, len);
	*o += len;
}

static void
style_sgr(char *out, size_t *o, const char *sgr)
{
	style_put(out, o, sgr, strlen(sgr));
}

/* ESC [ N m, or ESC [ 1 ; N m. */
static void
style_color(char *out, size_t *o, int color, int bold)
{
	char	buf[STYLE_SGR_MAX];
	int	n;

	n = snprintf(buf, sizeof buf, "\033[%s%dm", bold ? "1;" : "", color);
	if (n > 0 && (size_t)n < sizeof buf)
		style_put(out, o, buf, (size_t)n);
}

/*
 * Write the safe text s (len bytes) of a line of this kind to out, with
 * SGR sequences around what we identified: the sender's name in its
 * colour (bold if it is ours), our name where someone else's text
 * mentions it, a private line in its own colour, a line from before we
 * joined (hist) dimmed and nothing else.  *found gets DISPLAY_MENTION as
 * style_mentions says.  Returns the length; out has room for len plus
 * STYLE_ADDED_MAX bytes.
 */
size_t
style_line(char *out, enum proto_kind kind, const char *s, size_t len,
    const char *me, int self, int hist, int *found)
{
	const char	*p;
	size_t		 o = 0, at = 0, nlen = 0, text, from, melen, k;
	int		 own, n;

	*found = 0;
	if (hist) {
		style_sgr(out, &o, STYLE_DIM);
		style_put(out, &o, s, len);
		style_sgr(out, &o, STYLE_RESET);
		return o;
	}
	text = style_sender(kind, s, len, &at, &nlen);
	if (text == 0) {
		style_put(out, &o, s, len);
		return o;
	}
	melen = me != NULL ? strlen(me) : 0;
	own = self || (melen > 0 && nlen == melen && memcmp(s + at, me,
	    melen) == 0);
	if (!self)
		*found = style_mentions(kind, s, len, me);
	if (kind == PROTO_PRIVATE) {
		style_sgr(out, &o, STYLE_PRIVATE_WHO);
		style_put(out, &o, s, text);
		style_sgr(out, &o, STYLE_RESET STYLE_PRIVATE);
		style_put(out, &o, s + text, len - text);
		style_sgr(out, &o, STYLE_RESET);
		return o;
	}
	style_put(out, &o, s, at);
	style_color(out, &o, style_name_color(s + at, nlen), own);
	style_put(out, &o, s + at, nlen);
	style_sgr(out, &o, STYLE_RESET);
	style_put(out, &o, s + at + nlen, text - at - nlen);
	k = text;
	from = 0;
	for (n = 0; !own && melen > 0 && n < STYLE_MENTIONS_MAX &&
	    (p = style_find(s + text, len - text, &from, me, melen)) !=
	    NULL; n++) {
		style_put(out, &o, s + k, (size_t)(p - s) - k);
		style_sgr(out, &o, STYLE_MENTION);
		style_put(out, &o, p, melen);
		style_sgr(out, &o, STYLE_RESET);
		k = (size_t)(p - s) + melen;
	}
	style_put(out, &o, s + k, len - k);
	return o;
}
