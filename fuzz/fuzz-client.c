/* SPDX-License-Identifier: ISC */
/*
 * Fuzz what pipechat-client reads from a FIFO, none of which it may
 * trust: the answer to its JOIN (session_read_line, session_why), the
 * daemon's lines (struct lines, in pieces the input chooses), their kinds
 * and what display_line and display_show (FIELDS, times, colours,
 * mentions) make of them, on no terminal and on terminals of several
 * widths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display.h"
#include "lines.h"
#include "pclimits.h"
#include "proto.h"
#include "session.h"

#include "fuzz.h"

/* How many lines of an input go through display_show. */
#define FUZZ_SHOW_LINES	2

/* What the lines callback collected: the pieces, back to back. */
struct fuzz_lines {
	char	*got;
	size_t	 len;
	size_t	 pieces;
	int	 cols;
};

/* The n bytes at s without blanks (and newlines if nl), into out. */
static size_t
fuzz_without(char *out, const char *s, size_t n, int nl)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != ' ' && !(nl && s[i] == '\n'))
			out[o++] = s[i];
	}
	return o;
}

/*
 * Whether out (n bytes) is what display_line may show for cols columns:
 * safe to print, in rows of at most cols characters, every row after the
 * first indented, and but for the breaks and blanks what is shown on no
 * terminal (flat).
 */
static void
fuzz_check_shown(const char *out, size_t n, const char *flat, size_t flatlen,
    int cols)
{
	size_t		i = 0, k, row = 0, chars, end, a, b;
	const char	*nl;
	char		*x, *y;
	uint32_t	 cp;

	FUZZ_CHECK(out[n] == '\0');
	if (cols == 0) {
		FUZZ_CHECK(fuzz_printable(out, n));
		return;
	}
	for (;;) {
		nl = memchr(out + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - out) : n;
		if (row > 0) {
			for (k = 0; i + k < end && out[i + k] == ' '; k++)
				;
			FUZZ_CHECK(k >= 2);
		}
		FUZZ_CHECK(fuzz_printable(out + i, end - i));
		for (chars = 0, k = i; k < end; chars++)
			k += fuzz_utf8_decode((const unsigned char *)out + k,
			    end - k, &cp);
		FUZZ_CHECK(chars <= (size_t)(cols < DISPLAY_COLS_MIN ?
		    DISPLAY_COLS_MIN : cols));
		if (nl == NULL)
			break;
		i = end + 1;
		row++;
	}
	x = malloc(n + 1);
	y = malloc(flatlen + 1);
	FUZZ_CHECK(x != NULL && y != NULL);
	a = fuzz_without(x, out, n, 1);
	b = fuzz_without(y, flat, flatlen, 0);
	FUZZ_CHECK(a == b && memcmp(x, y, a) == 0);
	free(y);
	free(x);
}

/*
 * display_wrap on any text: rows of at most cols characters, and the text
 * comes back exactly once "\n" and the indent are taken out.
 */
static void
fuzz_wrap(const uint8_t *data, size_t size)
{
	size_t	 indent, cols, outsize, n, i, o = 0;
	char	*out, *back;

	if (size < 2)
		return;
	cols = data[0] * 4u;
	indent = data[1];
	data += 2;
	size -= 2;
	if (!fuzz_utf8_valid(data, size) || memchr(data, '\n', size) != NULL)
		return;
	outsize = 3 * size + DISPLAY_COLS_MAX;
	out = malloc(outsize + 1);
	back = malloc(size + 1);
	FUZZ_CHECK(out != NULL && back != NULL);
	n = display_wrap(out, outsize, (const char *)data, size, indent,
	    (int)cols);
	FUZZ_CHECK(n <= outsize);
	if (cols < DISPLAY_COLS_MIN)
		cols = DISPLAY_COLS_MIN;
	if (indent > cols / 2)
		indent = cols / 2;
	if (indent < 2)
		indent = 2;
	for (i = 0; i < n; i++) {
		if (out[i] != '\n') {
			FUZZ_CHECK(o < size);
			back[o++] = out[i];
			continue;
		}
		FUZZ_CHECK(n - i - 1 >= indent);
		for (size_t k = 1; k <= indent; k++)
			FUZZ_CHECK(out[i + k] == ' ');
		i += indent;
	}
	FUZZ_CHECK(o == size && memcmp(back, data, size) == 0);
	free(back);
	free(out);
}

/*
 * Whether out (n bytes, NUL after them) is fit for a terminal: its only
 * ESC bytes start SGR sequences ("ESC [ digits;... m") that we put there,
 * and without them and the row breaks it is printable UTF-8.
 */
static void
fuzz_check_styled(const char *out, size_t n)
{
	char	*plain;
	size_t	 i, o = 0;

	FUZZ_CHECK(out[n] == '\0' && memchr(out, '\0', n) == NULL);
	plain = malloc(n + 1);
	FUZZ_CHECK(plain != NULL);
	for (i = 0; i < n; i++) {
		if (out[i] == '\033') {
			FUZZ_CHECK(i + 1 < n && out[i + 1] == '[');
			for (i += 2; i < n && ((out[i] >= '0' && out[i] <= '9') ||
			    out[i] == ';'); i++)
				;
			FUZZ_CHECK(i < n && out[i] == 'm');
			continue;
		}
		if (out[i] != '\n')
			plain[o++] = out[i];
	}
	FUZZ_CHECK(fuzz_printable(plain, o));
	free(plain);
}

/*
 * One line as a session that joined with "fields" shows it: the FIELDS
 * word taken out of TEXT (as client/chat.c does), then display_show in
 * every style.  Without FIELDS, colours or times, and off a terminal,
 * display_show shows what display_line does.
 */
static void
fuzz_show(const char *line, size_t len, int cols)
{
	static const char *const	 names[] = { NULL, "alice", "x" };
	struct proto_fields		 f;
	struct display_style		 st;
	enum proto_kind			 kind;
	const char			*out;
	char				*flat, *rest;
	size_t				 off, k, n, flatlen;
	int				 found, v;

	flat = NULL;
	out = display_line(line, len, 0, &flatlen);
	flat = malloc(flatlen + 1);
	FUZZ_CHECK(flat != NULL);
	memcpy(flat, out, flatlen + 1);
	memset(&st, 0, sizeof st);
	out = display_show(line, len, NULL, &st, &found, &n);
	FUZZ_CHECK(n == flatlen && memcmp(out, flat, n) == 0 && found == 0);
	free(flat);

	kind = proto_parse_kind(line, len, &off);
	if (kind == PROTO_UNKNOWN)
		return;
	k = off + proto_parse_fields(line + off, len - off, &f);
	FUZZ_CHECK(k >= off && k <= len);
	FUZZ_CHECK(f.time == PROTO_TIME_NONE || f.time >= 0);
	rest = malloc(len - (k - off) + 1);
	FUZZ_CHECK(rest != NULL);
	memcpy(rest, line, off);
	memcpy(rest + off, line + k, len - k);
	for (v = 0; v < 4; v++) {
		st.cols = v % 2 == 0 ? 0 : cols;
		st.color = (v / 2) % 2;
		st.timestamps = (v + cols) % 2;
		st.me = names[(v + (size_t)cols) % 3];
		out = display_show(rest, len - (k - off), &f, &st, &found, &n);
		fuzz_check_styled(out, n);
		FUZZ_CHECK(found == 0 || found == DISPLAY_MENTION);
		if (!st.color)
			FUZZ_CHECK(memchr(out, '\033', n) == NULL);
	}
	free(rest);
}

/* One line from the daemon, shown every way the client shows it. */
static void
fuzz_line_cb(void *arg, const char *line, size_t len)
{
	struct fuzz_lines	*fl = arg;
	static const int	 widths[] = { 20, 80 };
	char			*flat, *copy;
	const char		*out;
	size_t			 n, flatlen, off;
	enum proto_kind		 kind;

	FUZZ_CHECK(len <= LINES_MAX);
	FUZZ_CHECK(memchr(line, '\n', len) == NULL);
	memcpy(fl->got + fl->len, line, len);
	fl->len += len;
	fl->pieces++;

	/* an exact copy, so that ASan sees a read past it */
	copy = malloc(len > 0 ? len : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, line, len);
	kind = proto_parse_kind(copy, len, &off);
	FUZZ_CHECK(off <= len);
	if (kind == PROTO_UNKNOWN)
		FUZZ_CHECK(off == 0);

	out = display_line(copy, len, 0, &flatlen);
	FUZZ_CHECK(fuzz_printable(out, flatlen) && out[flatlen] == '\0');
	if (kind == PROTO_UNKNOWN)
		FUZZ_CHECK(flatlen >= 3 && out[0] == '[');
	flat = malloc(flatlen + sizeof PROTO_NOTICE + 1);
	FUZZ_CHECK(flat != NULL);
	if (kind == PROTO_ERROR) {
		/* on a terminal, an error shows as the daemon's notice */
		memcpy(flat, PROTO_NOTICE " ", sizeof PROTO_NOTICE);
		memcpy(flat + sizeof PROTO_NOTICE, out, flatlen);
		flatlen += sizeof PROTO_NOTICE;
	} else
		memcpy(flat, out, flatlen);

	for (size_t w = 0; w <= sizeof widths / sizeof widths[0]; w++) {
		int	cols = w < sizeof widths / sizeof widths[0] ?
			    widths[w] : fl->cols;

		out = display_line(copy, len, cols, &n);
		fuzz_check_shown(out, n, flat, flatlen, cols);
	}
	/* the first lines of an input: enough, and the runs stay fast */
	if (fl->pieces <= FUZZ_SHOW_LINES)
		fuzz_show(copy, len, fl->cols);
	free(flat);
	free(copy);
}

/* The input as the daemon's lines, read in pieces it chooses. */
static void
fuzz_lines(const uint8_t *data, size_t size)
{
	static struct lines	lb;
	struct fuzz_lines	fl = { 0 };
	size_t			i, k, nl = 0, chunk, take;

	if (size < 2)
		return;
	chunk = 1 + data[0] * 64u;
	fl.cols = data[1];
	data += 2;
	size -= 2;
	fl.got = malloc(size + 1);
	FUZZ_CHECK(fl.got != NULL);
	lb.len = 0;
	for (i = 0; i < size; i += k) {
		take = size - i < chunk ? size - i : chunk;
		k = lines_take(&lb, (const char *)data + i, take, fuzz_line_cb,
		    &fl);
		/* what does not fit now does after the lines are passed on */
		FUZZ_CHECK(k > 0 && k <= take);
		FUZZ_CHECK(lb.len < sizeof lb.buf);
	}
	lines_rest(&lb, fuzz_line_cb, &fl);
	FUZZ_CHECK(lb.len == 0);

	/* every byte but the newlines came through, in order */
	for (i = k = 0; i < size; i++) {
		if (data[i] == '\n') {
			nl++;
			continue;
		}
		FUZZ_CHECK(k < fl.len && fl.got[k] == (char)data[i]);
		k++;
	}
	FUZZ_CHECK(k == fl.len);
	FUZZ_CHECK(fl.pieces >= nl);
	free(fl.got);
}

/* The input as the answer to a JOIN, through a real pipe. */
static void
fuzz_answer(const uint8_t *data, size_t size)
{
	char		line[PROTO_OUT_LINE_MAX], why[SESSION_WHY_SIZE + 1];
	int		fds[2], n;
	size_t		off;
	enum proto_kind	kind;

	/*
	 * Enough for the longest reason shown (SESSION_BYE_SHOWN) and more,
	 * and what any pipe holds, even one page when pipe-user-pages-soft
	 * is used up.  The answer is read a byte at a time: more would only
	 * cost time.
	 */
	if (size > 2 * SESSION_BYE_SHOWN)
		size = 2 * SESSION_BYE_SHOWN;
	FUZZ_CHECK(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
	FUZZ_CHECK(write(fds[1], data, size) == (ssize_t)size);
	close(fds[1]);
	n = session_read_line(fds[0], line, sizeof line, 1000);
	close(fds[0]);
	/* 0: end of file before a whole line, which the client refuses */
	FUZZ_CHECK(n >= 0 && (size_t)n < sizeof line);
	if (n == 0)
		return;
	FUZZ_CHECK(line[n] == '\0');
	kind = proto_parse_kind(line, (size_t)n, &off);
	if (kind != PROTO_BYE)
		return;
	/* one byte more than promised, to see it stays untouched */
	why[SESSION_WHY_SIZE] = 'Z';
	session_why(why, line + off);
	FUZZ_CHECK(why[SESSION_WHY_SIZE] == 'Z');
	FUZZ_CHECK(fuzz_printable(why, strlen(why)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	init;

	if (!init) {
		display_init();
		init = 1;
	}
	fuzz_answer(data, size);
	fuzz_lines(data, size);
	fuzz_wrap(data, size);
	return 0;
}
