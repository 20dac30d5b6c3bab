/* SPDX-License-Identifier: ISC */
/* How the daemon's lines are shown: safe, and impossible to imitate. */
#include <sys/ioctl.h>

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "display.h"
#include "proto.h"
#include "sanitize.h"
#include "style.h"
#include "utf8.h"

/* Rows of a wrapped message start at least this far in. */
#define DISPLAY_INDENT_MIN	2

/* Where the rows of a notice start: under its text, after "--> ". */
#define DISPLAY_NOTICE_INDENT	(sizeof PROTO_NOTICE)

/* An unknown kind's word is shown, in brackets, cut to this. */
#define DISPLAY_KIND_SHOWN	16

/* An error on the screen, which the daemon sent as bare text. */
#define DISPLAY_ERROR_PREFIX	PROTO_NOTICE " "

/*
 * What display_line writes: the text sanitised, behind at most a prefix
 * of DISPLAY_PREFIX_MAX bytes ("[KIND] ", "-!- ").
 */
#define DISPLAY_PREFIX_MAX	(PC_SANITIZED_MAX(DISPLAY_KIND_SHOWN) + 3)
#define DISPLAY_SAFE_MAX \
	(DISPLAY_PREFIX_MAX + PC_SANITIZED_MAX(DISPLAY_IN_MAX))

/*
 * What display_show adds to that: the time ("HH:MM ", with room for any
 * locale's digits), the history mark, and what style_line adds (bounded
 * by STYLE_ADDED_MAX).
 */
#define DISPLAY_TIME_MAX	16
#define DISPLAY_STYLED_MAX \
	(DISPLAY_SAFE_MAX + DISPLAY_TIME_MAX + 2 + STYLE_ADDED_MAX)

/*
 * Wrapping adds a '\n' and the indent (at most half the columns) per row,
 * and every row but the last holds more than half the columns less one,
 * each of which costs at least a byte of text (display_width never gives
 * a byte two columns): with DISPLAY_COLS_MIN columns that is at most 11
 * bytes added per 9 of text, so the result is less than three times the
 * text, and one more row.
 */
#define DISPLAY_OUT_MAX		(3 * DISPLAY_STYLED_MAX + DISPLAY_COLS_MAX)

static char	display_safe[DISPLAY_SAFE_MAX + 1];
static char	display_out[DISPLAY_OUT_MAX + 1];

/*
 * Widths come from wcwidth(3), which needs a UTF-8 LC_CTYPE: what we
 * print is UTF-8 whatever the locale says.
 */
void
display_init(void)
{
	if (setlocale(LC_CTYPE, "") == NULL ||
	    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

/*
 * The width of the terminal at fd in columns, or 0 when fd is not a
 * terminal (nothing is wrapped then).  TIOCGWINSZ, else $COLUMNS, else 80.
 */
int
display_columns(int fd)
{
	struct winsize	 ws;
	const char	*env;
	long		 cols = 0;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	else if ((env = getenv("COLUMNS")) != NULL)
		cols = strtol(env, NULL, 10);
	if (cols <= 0)
		cols = 80;
	if (cols < DISPLAY_COLS_MIN)
		cols = DISPLAY_COLS_MIN;
	if (cols > DISPLAY_COLS_MAX)
		cols = DISPLAY_COLS_MAX;
	return (int)cols;
}

/*
 * How many columns cp takes, never fewer than a terminal may give it:
 * a row we think fits must not wrap by itself, or its rest would start at
 * column 0.  Unknown widths count as 2, zero widths as 1, and symbols
 * that terminals draw as wide emoji as 2.
 */
static int
display_width(uint32_t cp)
{
	int	w;

	if (cp < 0x7f)
		return 1;
	if (cp == UTF8_INVALID)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 2;
	if (w == 0)
		return 1;
	if (w < 2 && ((cp >= 0x2600 && cp <= 0x27bf) ||
	    (cp >= 0x2b00 && cp <= 0x2bff) || cp >= 0x1f000))
		return 2;
	return w;
}

/*
 * The length of the SGR sequence (ESC [ ... m) at s, or 0.  Safe text has
 * no ESC (sanitize shows it as "^["): every one there is style.c's.
 */
static size_t
display_sgr(const char *s, size_t len)
{
	size_t	i;

	if (len < 3 || s[0] != '\033' || s[1] != '[')
		return 0;
	for (i = 2; i < len && s[i] != 'm'; i++)
		;
	return i < len ? i + 1 : 0;
}

/* The columns of len bytes of safe text (our SGR sequences take none). */
static size_t
display_text_width(const char *s, size_t len)
{
	size_t		i, n, w = 0;
	uint32_t	cp;

	for (i = 0; i < len; i += n) {
		if ((n = display_sgr(s + i, len - i)) > 0)
			continue;
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		w += (size_t)display_width(cp);
	}
	return w;
}

/*
 * Copy len bytes of safe text to out (size bytes), breaking it into rows
 * of at most cols columns; every row after the first starts with indent
 * spaces, so that only the start of a line is ever at column 0.  Returns
 * the length (cut short, never past size, if size is too small).
 */
size_t
display_wrap(char *out, size_t size, const char *s, size_t len,
    size_t indent, int cols)
{
	size_t		i, n, o = 0, col = 0;
	uint32_t	cp;
	int		w;

	if (cols < DISPLAY_COLS_MIN)
		cols = DISPLAY_COLS_MIN;
	if (indent > (size_t)cols / 2)
		indent = (size_t)cols / 2;
	if (indent < DISPLAY_INDENT_MIN)
		indent = DISPLAY_INDENT_MIN;
	for (i = 0; i < len; i += n) {
		if ((n = display_sgr(s + i, len - i)) > 0) {
			if (o + n > size)
				break;
			memcpy(out + o, s + i, n);
			o += n;
			continue;
		}
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		w = display_width(cp);
		if (col + (size_t)w > (size_t)cols && col > indent) {
			if (o + 1 + indent > size)
				break;
			out[o++] = '\n';
			memset(out + o, ' ', indent);
			o += indent;
			col = indent;
		}
		if (o + n > size)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		col += (size_t)w;
	}
	return o;
}

/* Where the rows of a wrapped line start: under the text, after "NAME: ". */
static size_t
display_indent(enum proto_kind kind, const char *s, size_t len)
{
	const char	*p;

	switch (kind) {
	case PROTO_MSG:
		if ((p = memmem(s, len, ": ", 2)) == NULL)
			break;
		return display_text_width(s, (size_t)(p - s) + 2);
	case PROTO_ACTION:
		/* "* NAME " */
		if (len < 2 || (p = memchr(s + 2, ' ', len - 2)) == NULL)
			break;
		return display_text_width(s, (size_t)(p - s) + 1);
	default:
		break;
	}
	return DISPLAY_NOTICE_INDENT;
}

static char	display_styled[DISPLAY_STYLED_MAX + 1];

/* A line from before we joined, when there are no colours to dim it. */
#define DISPLAY_HISTORY_MARK	"~ "

/*
 * What to show for one line from the daemon: "KIND TEXT" (len bytes, not
 * trusted) with the FIELDS word already read into f (NULL when the
 * session has none), styled as st says.  A NUL-terminated string, valid
 * until the next call, its length in *lenp; *found gets DISPLAY_MENTION
 * when someone else's line names us.  On a terminal the line starts with
 * its time, "HH:MM " (when the daemon took it, or now); colours go only
 * around parts of the text identified by position (the name at the
 * start, our name further on), never anything the text asks for: it is
 * sanitised, and has no ESC of its own.
 */
const char *
display_show(const char *line, size_t len, const struct proto_fields *f,
    const struct display_style *st, int *found, size_t *lenp)
{
	enum proto_kind	 kind;
	struct tm	 tm;
	time_t		 t;
	const char	*safe;
	size_t		 off, n, o = 0, indent;
	int		 self, hist;

	*found = 0;
	if (len > DISPLAY_IN_MAX)
		len = utf8_cut(line, len, DISPLAY_IN_MAX);
	kind = proto_parse_kind(line, len, &off);
	safe = display_line(line, len, 0, &n);
	if (safe != display_safe)
		memmove(display_safe, safe, n);
	indent = display_indent(kind, display_safe, n);
	self = f != NULL && (f->flags & PROTO_FIELD_SELF);
	hist = f != NULL && (f->flags & PROTO_FIELD_HISTORY);
	if (st->cols > 0 && st->timestamps) {
		t = f != NULL && f->time != PROTO_TIME_NONE ?
		    (time_t)f->time : time(NULL);
		if (localtime_r(&t, &tm) != NULL &&
		    strftime(display_styled, DISPLAY_TIME_MAX, "%H:%M ",
		    &tm) > 0) {
			o = strlen(display_styled);
			indent += o;
		}
	}
	if (hist && !st->color) {
		memcpy(display_styled + o, DISPLAY_HISTORY_MARK,
		    sizeof DISPLAY_HISTORY_MARK - 1);
		o += sizeof DISPLAY_HISTORY_MARK - 1;
		indent += sizeof DISPLAY_HISTORY_MARK - 1;
	}
	if (st->color)
		o += style_line(display_styled + o, kind, display_safe, n,
		    st->me, self, hist, found);
	else {
		memcpy(display_styled + o, display_safe, n);
		o += n;
		if (!self && !hist && st->me != NULL)
			*found = style_mentions(kind, display_safe, n, st->me);
	}
	display_styled[o] = '\0';
	if (st->cols <= 0) {
		*lenp = o;
		return display_styled;
	}
	*lenp = display_wrap(display_out, DISPLAY_OUT_MAX, display_styled, o,
	    indent, st->cols);
	display_out[*lenp] = '\0';
	return display_out;
}

/*
 * What to show for one line from the daemon ("KIND TEXT", len bytes, not
 * trusted): a NUL-terminated string, valid only until the next call, and
 * its length in *lenp.  cols is the terminal's width (display_columns),
 * 0 when not on one.  TEXT is sanitised (again, as the daemon should have
 * done it), an error on the screen gets the daemon's "-!- " in front, and
 * a kind this client does not know shows as "[KIND] TEXT".  On a terminal
 * a long line is wrapped, its later rows indented (display_wrap).
 */
const char *
display_line(const char *line, size_t len, int cols, size_t *lenp)
{
	enum proto_kind	 kind;
	size_t		 off, n = 0, k;

	if (len > DISPLAY_IN_MAX)
		len = utf8_cut(line, len, DISPLAY_IN_MAX);
	kind = proto_parse_kind(line, len, &off);
	if (kind == PROTO_UNKNOWN) {
		for (k = 0; k < len && line[k] != ' '; k++)
			;
		off = k < len ? k + 1 : k;
		display_safe[n++] = '[';
		n += sanitize(display_safe + n, line,
		    utf8_cut(line, k, DISPLAY_KIND_SHOWN));
		display_safe[n++] = ']';
		display_safe[n++] = ' ';
	} else if (kind == PROTO_ERROR && cols > 0) {
		memcpy(display_safe, DISPLAY_ERROR_PREFIX,
		    sizeof DISPLAY_ERROR_PREFIX - 1);
		n = sizeof DISPLAY_ERROR_PREFIX - 1;
	}
	n += sanitize(display_safe + n, line + off, len - off);
	display_safe[n] = '\0';
	if (cols <= 0) {
		*lenp = n;
		return display_safe;
	}
	*lenp = display_wrap(display_out, DISPLAY_OUT_MAX, display_safe, n,
	    display_indent(kind, display_safe, n), cols);
	display_out[*lenp] = '\0';
	return display_out;
}
