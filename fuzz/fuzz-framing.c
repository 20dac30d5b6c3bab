/* SPDX-License-Identifier: ISC */
/* Fuzz a client's byte stream through a pipe, ingest and message_format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ingest.h"
#include "message.h"
#include "pclimits.h"
#include "proto.h"
#include "sanitize.h"

#include "fuzz.h"
#include "pipefix.h"

/* Larger inputs are skipped: they only make each run slower. */
#define FRAMING_INPUT_MAX	((size_t)256 * 1024)

/* A run of the loop reads at least a byte, so a pipeful needs no more. */
#define FRAMING_LOOPS_MAX	(256 * 1024)

/* The smallest pipe Linux makes (a page), so that writes fill it. */
#define FRAMING_SMALL_PIPE	4096

#define FRAMING_NAME_MAX	100	/* of the login name taken from input */

/*
 * A shared FIFO's partial line deadline, as the listener sets it, but so
 * long that it never passes during a run: the lines stay predictable.
 */
#define FRAMING_PARTIAL_MS	(24 * 3600 * 1000)

/* More lines than this add time, not cases: beyond, only cut ones. */
#define FRAMING_FORMAT_LINES	64

enum framing_action {
	FRAMING_PUMP,		/* run the loop until the pipe is empty */
	FRAMING_WAIT,		/* do nothing: the next piece joins this one */
	FRAMING_DRAIN,		/* ingest_drain: ends the partial line */
	FRAMING_PAUSE,		/* ingest_pause, then ingest_resume */
};

/* A line as line_cb delivered it. */
struct framing_line {
	char	*text;
	size_t	 len;
	int	 flags;
};

/* One run: the pipe, the ingest reading it, and what came out. */
struct framing {
	struct pipefix		 p;
	struct ingest		*in;
	size_t			 written;	/* bytes into the pipe so far */
	size_t			*breaks;	/* where drains ended a line */
	size_t			 nbreaks, breaks_size;
	struct framing_line	*lines;
	size_t			 nlines, lines_size;
	int			 neof;
	int			 eof_error;
	int			 shared;	/* as the well-known FIFO */
};

static struct event_base	*framing_base;

/* Keep a copy of each line, checking what holds for every one. */
static void
framing_line_cb(void *arg, const char *text, size_t len, int flags)
{
	struct framing		*f = arg;
	struct framing_line	*l;

	FUZZ_CHECK(f->neof == 0);
	FUZZ_CHECK(len <= PC_TEXT_MAX);
	FUZZ_CHECK(flags == 0 || flags == INGEST_TRUNCATED ||
	    (f->shared && flags == INGEST_INCOMPLETE));
	FUZZ_CHECK(text != NULL || len == 0);
	FUZZ_CHECK(len == 0 || memchr(text, '\n', len) == NULL);
	FUZZ_CHECK(!f->shared || len > 0);
	if (f->nlines == f->lines_size) {
		f->lines_size = f->lines_size * 2 + 16;
		f->lines = reallocarray(f->lines, f->lines_size,
		    sizeof *f->lines);
		FUZZ_CHECK(f->lines != NULL);
	}
	l = &f->lines[f->nlines++];
	l->text = malloc(len + 1);
	FUZZ_CHECK(l->text != NULL);
	if (len > 0)
		memcpy(l->text, text, len);
	l->len = len;
	l->flags = flags;
}

/* End of stream: stop watching the fd, as the owner does. */
static void
framing_eof_cb(void *arg, int error)
{
	struct framing	*f = arg;

	f->neof++;
	f->eof_error = error;
	ingest_pause(f->in);
}

/* Let the loop read until the pipe is empty. */
static void
framing_pump(struct framing *f)
{
	int	i;

	for (i = 0; pipefix_pending(&f->p) > 0; i++) {
		FUZZ_CHECK(i < FRAMING_LOOPS_MAX);
		FUZZ_CHECK(event_base_loop(framing_base,
		    EVLOOP_NONBLOCK) != -1);
	}
}

/* ingest_drain, noting where it cut the stream; returns what it did. */
static int
framing_drain(struct framing *f, int max_reads)
{
	int	rc;

	rc = ingest_drain(f->in, max_reads);
	if (f->nbreaks == f->breaks_size) {
		f->breaks_size = f->breaks_size * 2 + 16;
		f->breaks = reallocarray(f->breaks, f->breaks_size,
		    sizeof *f->breaks);
		FUZZ_CHECK(f->breaks != NULL);
	}
	f->breaks[f->nbreaks++] = f->written - pipefix_pending(&f->p);
	return rc;
}

/* Paused, the ingest reads nothing; resumed, it has lost nothing. */
static void
framing_pause(struct framing *f)
{
	size_t	pending = pipefix_pending(&f->p);

	ingest_pause(f->in);
	FUZZ_CHECK(event_base_loop(framing_base, EVLOOP_NONBLOCK) != -1);
	FUZZ_CHECK(pipefix_pending(&f->p) == pending);
	FUZZ_CHECK(ingest_resume(f->in, f->p.rfd) == 0);
}

/*
 * The next piece to write at pos and what to do after it, from the bytes
 * there: the fuzzer steers where reads and drains cut the stream.
 */
static size_t
framing_piece(const uint8_t *data, size_t size, size_t pos,
    enum framing_action *action, int *max_reads)
{
	static const size_t	caps[] = { 1, 8, 300, 5000, 70000 };
	uint32_t		h;
	size_t			len;

	h = (uint32_t)data[pos] << 8 | (pos + 1 < size ? data[pos + 1] : 0);
	h = (h + (uint32_t)pos) * 2654435761u;
	h ^= h >> 15;
	len = 1 + (h >> 4) % caps[h % 5];
	if ((h >> 24) % 16 == 0)
		*action = FRAMING_DRAIN;
	else if ((h >> 24) % 16 == 1)
		*action = FRAMING_PAUSE;
	else if ((h >> 24) % 16 < 4)
		*action = FRAMING_WAIT;
	else
		*action = FRAMING_PUMP;
	*max_reads = 1 + (int)(h >> 28) % 3;
	return len < size - pos ? len : size - pos;
}

/*
 * Where a valid UTF-8 line of len bytes must be cut to fit max: before the
 * character that covers offset max.  Returns -1 if the text up to there
 * is not valid, so no one place is right.
 */
static FUZZ_ORACLE long
framing_valid_cut(const char *s, size_t len, size_t max)
{
	size_t		i, n;
	uint32_t	cp;

	for (i = 0; i < len; i += n) {
		n = fuzz_utf8_decode((const unsigned char *)s + i, len - i,
		    &cp);
		if (cp == FUZZ_INVALID)
			return -1;
		if (i + n > max)
			return (long)i;
	}
	return (long)len;
}

/*
 * Line l is what the segment of the input at seg should have become;
 * flags is what a short one is flagged with.
 */
static FUZZ_ORACLE void
framing_check_line(const struct framing_line *l, const char *seg, size_t len,
    int flags)
{
	long	cut;

	if (len <= PC_TEXT_MAX) {
		FUZZ_CHECK(l->flags == flags);
		FUZZ_CHECK(l->len == len);
		FUZZ_CHECK(memcmp(l->text, seg, len) == 0);
		return;
	}
	FUZZ_CHECK(l->flags == INGEST_TRUNCATED);
	FUZZ_CHECK(l->len <= PC_TEXT_MAX && l->len + 3 >= PC_TEXT_MAX);
	FUZZ_CHECK(memcmp(l->text, seg, l->len) == 0);
	FUZZ_CHECK(!fuzz_utf8_splits(seg, len, l->len));
	if ((cut = framing_valid_cut(seg, len, PC_TEXT_MAX)) != -1)
		FUZZ_CHECK(l->len == (size_t)cut);
}

/*
 * The lines delivered are the input's, in order: split at each '\n' and
 * where a drain ended a partial line, a segment with no '\n' at its end
 * only if it is not empty, long ones cut.  On a shared FIFO, also before
 * each PROTO_CTL that is not a segment's first byte (what is in front of
 * it is flagged incomplete), and no empty line at all.
 */
static FUZZ_ORACLE void
framing_check_lines(struct framing *f, const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	size_t		 i, start = 0, b = 0, k = 0;

	for (i = 0; i <= size; i++) {
		for (; b < f->nbreaks && f->breaks[b] == i; b++) {
			if (i > start) {
				FUZZ_CHECK(k < f->nlines);
				framing_check_line(&f->lines[k++], s + start,
				    i - start, 0);
			}
			start = i;
		}
		if (i == size) {
			if (i > start) {
				FUZZ_CHECK(k < f->nlines);
				framing_check_line(&f->lines[k++], s + start,
				    i - start, 0);
			}
		} else if (s[i] == '\n') {
			/* a shared FIFO does not deliver empty lines */
			if (!f->shared || i > start) {
				FUZZ_CHECK(k < f->nlines);
				framing_check_line(&f->lines[k++], s + start,
				    i - start, 0);
			}
			start = i + 1;
		} else if (f->shared && s[i] == PROTO_CTL && i > start) {
			FUZZ_CHECK(k < f->nlines);
			framing_check_line(&f->lines[k++], s + start,
			    i - start, INGEST_INCOMPLETE);
			start = i;
		}
	}
	FUZZ_CHECK(b == f->nbreaks);
	FUZZ_CHECK(k == f->nlines);
}

/* A private line as one end sees it: prefix, the clean text, a mark. */
static void
framing_private(const struct message *m, int to, const char *prefix,
    const char *clean, size_t cleanlen)
{
	static char	out[MESSAGE_FORMAT_MAX];
	size_t		n, plen = strlen(prefix);

	n = message_format_private(m, to, out);
	FUZZ_CHECK(n <= MESSAGE_FORMAT_MAX);
	FUZZ_CHECK(n >= plen + cleanlen && memcmp(out, prefix, plen) == 0);
	FUZZ_CHECK(memcmp(out + plen, clean, cleanlen) == 0);
	FUZZ_CHECK(fuzz_printable(out, n));
}

/*
 * message_format of l as kind, from from: a line that fits its room, made
 * of a safe head and the sanitised text (clean, checked by the caller) as
 * the tail; the head from "alice" reads exactly as it should.
 */
static void
framing_format(const struct framing_line *l, enum message_kind kind,
    const char *from, char *out, const char *clean, size_t cleanlen)
{
	struct message	 m;
	const char	*mark, *want = NULL;
	size_t		 n, head = 0, marklen;

	memset(&m, 0, sizeof m);
	m.kind = kind;
	m.from = from;
	m.to = "bob";
	m.uid = 1000;
	m.text = l->text;
	m.len = l->len;
	m.flags = ((l->flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0) |
	    ((l->flags & INGEST_INCOMPLETE) ? MESSAGE_INCOMPLETE : 0);
	n = message_format(&m, out);
	FUZZ_CHECK(n <= MESSAGE_FORMAT_MAX);
	FUZZ_CHECK(strcmp(message_kind_name(kind), "unknown") != 0);

	mark = m.flags & MESSAGE_TRUNCATED ? " [truncated]" :
	    m.flags & MESSAGE_INCOMPLETE ? " [incomplete]" : "";
	marklen = strlen(mark);
	switch (kind) {
	case MESSAGE_CHAT:
	case MESSAGE_ACTION:
		FUZZ_CHECK(n >= cleanlen + marklen);
		head = n - cleanlen - marklen;
		FUZZ_CHECK(memcmp(out + head, clean, cleanlen) == 0);
		FUZZ_CHECK(memcmp(out + head + cleanlen, mark, marklen) == 0);
		want = kind == MESSAGE_CHAT ? "alice: " : "* alice ";
		break;
	case MESSAGE_JOIN:
		head = n;
		want = "--> alice joined";
		break;
	case MESSAGE_LEAVE:
		head = n;
		want = "<-- alice left";
		if (l->len == 0)
			break;
		FUZZ_CHECK(n >= cleanlen + 1 && out[n - 1] == ')');
		head = n - cleanlen - 1;
		FUZZ_CHECK(memcmp(out + head, clean, cleanlen) == 0);
		want = "<-- alice left (";
		break;
	case MESSAGE_PRIVATE:
		/* Printed without its text; the two ends see it. */
		head = n;
		FUZZ_CHECK(memchr(out, '\0', n) == NULL);
		if (from != NULL && strcmp(from, "alice") == 0)
			FUZZ_CHECK(strncmp(out, "alice -> bob: private message (",
			    31) == 0);
		framing_private(&m, MESSAGE_TO_SENDER, "-> bob: ", clean,
		    cleanlen);
		if (from != NULL && strcmp(from, "alice") == 0)
			framing_private(&m, MESSAGE_TO_ADDRESSEE,
			    "alice -> you: ", clean, cleanlen);
		FUZZ_CHECK(fuzz_printable(out, n));
		return;
	}
	FUZZ_CHECK(fuzz_printable(out, head));
	if (from != NULL && strcmp(from, "alice") == 0)
		FUZZ_CHECK(head == strlen(want) &&
		    memcmp(out, want, head) == 0);
}

/*
 * Lines in every kind from "alice", and in one kind each from nobody and
 * from a name as long and as odd as the start of the input.
 */
static void
framing_check_format(struct framing *f, const uint8_t *data, size_t size)
{
	static const enum message_kind	 kinds[] = {
		MESSAGE_CHAT, MESSAGE_ACTION, MESSAGE_JOIN, MESSAGE_LEAVE,
		MESSAGE_PRIVATE,
	};
	const size_t			 nkinds = sizeof kinds / sizeof *kinds;
	char				 name[FRAMING_NAME_MAX + 1];
	char				*out, *clean;
	size_t				 i, k, cleanlen;

	for (i = 0; i < size && i < FRAMING_NAME_MAX; i++) {
		if (data[i] == '\0' || data[i] == '\n')
			break;
		name[i] = (char)data[i];
	}
	name[i] = '\0';

	/* exactly the promised room, so that ASan sees one byte more */
	out = malloc(MESSAGE_FORMAT_MAX);
	clean = malloc(PC_SANITIZED_MAX((size_t)PC_TEXT_MAX));
	FUZZ_CHECK(out != NULL && clean != NULL);
	for (i = 0; i < f->nlines; i++) {
		if (i >= FRAMING_FORMAT_LINES && f->lines[i].flags == 0)
			continue;
		cleanlen = sanitize(clean, f->lines[i].text, f->lines[i].len);
		FUZZ_CHECK(fuzz_printable(clean, cleanlen));
		for (k = 0; k < nkinds; k++)
			framing_format(&f->lines[i], kinds[k], "alice", out,
			    clean, cleanlen);
		framing_format(&f->lines[i], kinds[i % nkinds], NULL, out,
		    clean, cleanlen);
		framing_format(&f->lines[i], kinds[(i + 1) % nkinds], name, out,
		    clean, cleanlen);
	}
	free(clean);
	free(out);
}

/* Free what one run kept. */
static void
framing_free(struct framing *f)
{
	size_t	i;

	ingest_free(f->in);
	pipefix_deinit(&f->p);
	for (i = 0; i < f->nlines; i++)
		free(f->lines[i].text);
	free(f->lines);
	free(f->breaks);
}

/*
 * One input: the bytes a client writes to its FIFO, in pieces whose sizes
 * and gaps come from the input; then the writer closes.  The first byte
 * also picks a small pipe, how the end is read (by the loop, which calls
 * eof_cb, or by ingest_drain, which returns -1), and whether the FIFO is
 * shared, as the well-known FIFO (ingest_set_shared).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framing		f;
	enum framing_action	action;
	size_t			pos, len;
	int			max_reads, i;

	if (size == 0 || size > FRAMING_INPUT_MAX)
		return 0;
	if (framing_base == NULL)
		FUZZ_CHECK((framing_base = event_base_new()) != NULL);
	memset(&f, 0, sizeof f);
	FUZZ_CHECK(pipefix_init(&f.p, framing_base,
	    data[0] & 1 ? FRAMING_SMALL_PIPE : 0, PIPEFIX_WNONBLOCK) == 0);
	f.in = ingest_new(framing_base, f.p.rfd, framing_line_cb,
	    framing_eof_cb, &f);
	FUZZ_CHECK(f.in != NULL);
	if (data[0] & 4) {
		f.shared = 1;
		FUZZ_CHECK(ingest_set_shared(f.in, FRAMING_PARTIAL_MS) == 0);
	}

	for (pos = 0; pos < size; pos += len) {
		len = framing_piece(data, size, pos, &action, &max_reads);
		pipefix_write(&f.p, data + pos, len);
		f.written += len;
		switch (action) {
		case FRAMING_PUMP:
			framing_pump(&f);
			break;
		case FRAMING_WAIT:
			break;
		case FRAMING_DRAIN:
			FUZZ_CHECK(framing_drain(&f, max_reads) == 0);
			break;
		case FRAMING_PAUSE:
			framing_pause(&f);
			break;
		}
	}
	pipefix_close_writer(&f.p);
	if (data[0] & 2) {
		for (i = 0; framing_drain(&f, 1 + data[0] % 3) == 0; i++)
			FUZZ_CHECK(i < FRAMING_LOOPS_MAX);
		FUZZ_CHECK(f.neof == 0);
	} else {
		for (i = 0; f.neof == 0; i++) {
			FUZZ_CHECK(i < FRAMING_LOOPS_MAX);
			FUZZ_CHECK(event_base_loop(framing_base,
			    EVLOOP_NONBLOCK) != -1);
		}
		/* eof_cb paused it: no more calls, though the fd is readable */
		FUZZ_CHECK(event_base_loop(framing_base,
		    EVLOOP_NONBLOCK) != -1);
		FUZZ_CHECK(f.neof == 1 && f.eof_error == 0);
	}
	FUZZ_CHECK(pipefix_pending(&f.p) == 0);

	framing_check_lines(&f, data, size);
	framing_check_format(&f, data, size);
	framing_free(&f);
	return 0;
}
