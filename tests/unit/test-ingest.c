/* SPDX-License-Identifier: ISC */
/* Tests for daemon/ingest.c: a byte stream from a pipe framed into lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ingest.h"
#include "pclimits.h"
#include "proto.h"

#include "evmem.h"
#include "pipefix.h"
#include "tap.h"
#include "utf8-ref.h"

#define MIB			(1024 * 1024)
#define BIG_LINE		(8 * MIB)
#define BIG_PIPE		MIB	/* so one read could take far more */

/*
 * What the evbuffer may hold at worst is a read on top of a line not yet
 * framed.  libevent rounds chains up to a power of two, so allow a factor
 * of 4 for that: still a thirtieth of the 8 MiB line.
 */
#define MEM_BOUND		(4 * (INGEST_READ_MAX + PC_TEXT_MAX))

/* One line as line_cb saw it. */
struct line {
	char	*text;
	size_t	 len;
	int	 flags;
};

/* A pipe, the ingest reading it, and what came out. */
struct fixture {
	struct pipefix		 p;
	struct ingest		*in;
	struct line		*lines;
	size_t			 nlines;
	size_t			 size;		/* of lines[] */
	int			 neof;
	int			 eof_error;
	size_t			 lines_at_eof;
};

/* Keep a copy of each line, in order. */
static void
fixture_line_cb(void *arg, const char *text, size_t len, int flags)
{
	struct fixture	*f = arg;
	struct line	*l;

	if (f->nlines == f->size) {
		f->size = f->size * 2 + 64;
		f->lines = realloc(f->lines, f->size * sizeof *f->lines);
	}
	if (f->lines == NULL || (text == NULL && len > 0))
		abort();
	l = &f->lines[f->nlines++];
	if ((l->text = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->len = len;
	l->flags = flags;
}

/* End of stream: record it and stop watching, as an owner would. */
static void
fixture_eof_cb(void *arg, int error)
{
	struct fixture	*f = arg;

	f->neof++;
	f->eof_error = error;
	f->lines_at_eof = f->nlines;
	ingest_pause(f->in);
}

/* A pipe of at least pipe_size bytes (0: the default) and an ingest on it. */
static int
fixture_init(struct fixture *f, int pipe_size)
{
	memset(f, 0, sizeof *f);
	if (pipefix_init(&f->p, NULL, pipe_size, PIPEFIX_WNONBLOCK) == -1)
		return -1;
	f->in = ingest_new(f->p.base, f->p.rfd, fixture_line_cb, fixture_eof_cb,
	    f);
	if (f->in == NULL)
		abort();
	return 0;
}

/* The same, reading a shared FIFO: PROTO_CTL splits, partial_ms waits. */
static void
fixture_init_shared(struct fixture *f, int partial_ms)
{
	fixture_init(f, 0);
	if (ingest_set_shared(f->in, partial_ms) == -1)
		abort();
}

/* Free all of it; lines are forgotten. */
static void
fixture_deinit(struct fixture *f)
{
	size_t	i;

	ingest_free(f->in);
	pipefix_deinit(&f->p);
	for (i = 0; i < f->nlines; i++)
		free(f->lines[i].text);
	free(f->lines);
}

/* Run the loop until the ingest has read all there is, and once more. */
static void
fixture_pump(struct fixture *f)
{
	int	i;

	for (i = 0; i < 100000; i++) {
		if (event_base_loop(f->p.base, EVLOOP_NONBLOCK) == -1)
			abort();
		if (pipefix_pending(&f->p) == 0)
			break;
	}
	if (event_base_loop(f->p.base, EVLOOP_NONBLOCK) == -1)
		abort();
}

#define WRITE(f, lit)	pipefix_write(&(f)->p, lit, sizeof lit - 1)

static void
fixture_guard_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop, blocking, until n lines have come or max_ms have passed. */
static void
fixture_wait_lines(struct fixture *f, size_t n, int max_ms)
{
	struct timeval	 tv = { max_ms / 1000, (max_ms % 1000) * 1000 };
	struct event	*guard;
	int		 expired = 0;

	guard = evtimer_new(f->p.base, fixture_guard_cb, &expired);
	if (guard == NULL || evtimer_add(guard, &tv) == -1)
		abort();
	while (f->nlines < n && !expired)
		if (event_base_loop(f->p.base, EVLOOP_ONCE) == -1)
			abort();
	event_free(guard);
}

/* Line i is text, with flags; says what differs. */
static void
is_line(struct fixture *f, size_t i, const void *text, size_t len, int flags,
    const char *name)
{
	if (i >= f->nlines) {
		ok(0, "%s: line %zu arrived (only %zu did)", name, i,
		    f->nlines);
		return;
	}
	is_mem(f->lines[i].text, f->lines[i].len, text, len, "%s: text",
	    name);
	is_int(f->lines[i].flags, flags, "%s: flags", name);
}

#define IS_LINE(f, i, lit, flags, name)					\
	is_line(f, i, lit, sizeof lit - 1, flags, name)

/* A buffer of n copies of c, then tail (NUL-terminated), not terminated. */
static char *
repeat(int c, size_t n, const char *tail, size_t *len)
{
	size_t	 tl = strlen(tail);
	char	*p;

	if ((p = malloc(n + tl + 1)) == NULL)
		abort();
	memset(p, c, n);
	memcpy(p + n, tail, tl + 1);
	*len = n + tl;
	return p;
}

/* Send stderr to a file, so that the daemon's diagnostics can be read. */
static void
capture_stderr_begin(int *saved)
{
	FILE	*tmp;

	fflush(stderr);
	if ((tmp = tmpfile()) == NULL || (*saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(tmp), STDERR_FILENO) == -1)
		abort();
	fclose(tmp);
}

/* Put stderr back and return what was written to it meanwhile. */
static char *
capture_stderr_end(int saved)
{
	char	*text;
	off_t	 size;

	fflush(stderr);
	if ((size = lseek(STDERR_FILENO, 0, SEEK_END)) == -1 ||
	    (text = calloc(1, (size_t)size + 1)) == NULL ||
	    pread(STDERR_FILENO, text, (size_t)size, 0) != size ||
	    dup2(saved, STDERR_FILENO) == -1)
		abort();
	close(saved);
	return text;
}

/* A line written in pieces is delivered once, whole. */
static void
test_split_writes(void)
{
	struct fixture	f;

	fixture_init(&f, 0);
	WRITE(&f, "hel");
	fixture_pump(&f);
	is_uint(f.nlines, 0, "split: nothing before the newline");
	WRITE(&f, "lo\nwor");
	fixture_pump(&f);
	is_uint(f.nlines, 1, "split: one line after the first newline");
	WRITE(&f, "l");
	fixture_pump(&f);
	WRITE(&f, "d\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "split: two lines in all");
	IS_LINE(&f, 0, "hello", 0, "split: first");
	IS_LINE(&f, 1, "world", 0, "split: second");
	is_int(f.neof, 0, "split: no end of stream while a writer is open");
	fixture_deinit(&f);
}

/* Many lines in one write, then many more than one read takes. */
static void
test_many_lines(void)
{
	struct fixture	 f;
	char		*buf, want[32];
	size_t		 i, len = 0, n, bad = 0;

	fixture_init(&f, 0);
	WRITE(&f, "one\ntwo\n\nfour\n");
	fixture_pump(&f);
	is_uint(f.nlines, 4, "one write: four lines");
	IS_LINE(&f, 0, "one", 0, "one write: 1st");
	IS_LINE(&f, 1, "two", 0, "one write: 2nd");
	IS_LINE(&f, 2, "", 0, "one write: 3rd, empty");
	IS_LINE(&f, 3, "four", 0, "one write: 4th");
	fixture_deinit(&f);

	/* 20000 lines, 220000 bytes: lines straddle the reads */
	n = 20000;
	if ((buf = malloc(n * 11 + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "line %05zu\n", i);
	fixture_init(&f, 0);
	pipefix_write(&f.p, buf, len);
	fixture_pump(&f);
	is_uint(f.nlines, n, "%zu lines in %zu bytes: all delivered", n, len);
	for (i = 0; i < f.nlines && i < n; i++) {
		snprintf(want, sizeof want, "line %05zu", i);
		if ((strcmp(f.lines[i].text, want) != 0 ||
		    f.lines[i].flags != 0) && bad++ == 0)
			diag("line %zu is \"%s\"", i, f.lines[i].text);
	}
	is_uint(bad, 0, "%zu lines: each intact and in order", n);
	fixture_deinit(&f);
	free(buf);
}

/* The longest line that fits passes intact; one more byte is cut. */
static void
test_limit(void)
{
	struct fixture	 f;
	char		*line;
	size_t		 len;

	fixture_init(&f, 0);
	line = repeat('x', PC_TEXT_MAX, "\n", &len);
	pipefix_write(&f.p, line, len);
	WRITE(&f, "next\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "%d bytes: two lines", PC_TEXT_MAX);
	is_line(&f, 0, line, PC_TEXT_MAX, 0, "4095 bytes: intact");
	IS_LINE(&f, 1, "next", 0, "4095 bytes: next line");
	free(line);
	fixture_deinit(&f);

	fixture_init(&f, 0);
	line = repeat('y', PC_TEXT_MAX + 1, "\n", &len);
	pipefix_write(&f.p, line, len);
	WRITE(&f, "next\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "%d bytes: two lines", PC_TEXT_MAX + 1);
	is_line(&f, 0, line, PC_TEXT_MAX, INGEST_TRUNCATED,
	    "4096 bytes: cut to 4095 and flagged");
	IS_LINE(&f, 1, "next", 0, "4096 bytes: next line intact");
	free(line);
	fixture_deinit(&f);
}

/*
 * A long line is cut before the character that would cross the limit,
 * whether its '\n' comes in the read that fills the limit (written at
 * once) or in a later one with the line's end (written in two parts).
 */
static void
test_cut_utf8(void)
{
	static const struct {
		size_t		 before;	/* ASCII bytes first */
		const char	*tail;		/* then this, and '\n' */
		size_t		 want;		/* bytes delivered */
		size_t		 dropped;
	} cases[] = {
		{ 4094, "\xc3\xa9" "bbb\n", 4094, 5 },
		{ 4093, "\xe2\x82\xac" "bbb\n", 4093, 6 },
		{ 4094, "\xe2\x82\xac" "bbb\n", 4094, 6 },
		{ 4092, "\xf0\x9f\x98\x80" "bbb\n", 4092, 7 },
		{ 4093, "\xf0\x9f\x98\x80" "bbb\n", 4093, 7 },
		{ 4094, "\xf0\x9f\x98\x80" "bbb\n", 4094, 7 },
		{ 4092, "\xe2\x82\xac" "b\n", 4095, 1 },
		{ 4095, "\xc3\xa9\n", 4095, 2 },
		{ 4095, "b\n", 4095, 1 },
	};
	struct fixture	 f;
	char		*line, want_log[128], name[64], *log;
	size_t		 i, len;
	int		 saved, split;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (split = 0; split <= 1; split++) {
			fixture_init(&f, 0);
			line = repeat('a', cases[i].before, cases[i].tail,
			    &len);
			line = realloc(line, len + sizeof "after\n");
			if (line == NULL)
				abort();
			memcpy(line + len, "after\n", sizeof "after\n");
			capture_stderr_begin(&saved);
			if (split) {
				pipefix_write(&f.p, line, 2000);
				fixture_pump(&f);
			}
			pipefix_write(&f.p, line + 2000 * split,
			    len + 6 - 2000 * split);
			fixture_pump(&f);
			log = capture_stderr_end(saved);
			snprintf(name, sizeof name, "utf-8 cut %zu%s", i,
			    split ? ", in two writes" : "");
			is_uint(f.nlines, 2, "%s: two lines", name);
			is_line(&f, 0, line, cases[i].want, INGEST_TRUNCATED,
			    name);
			if (f.nlines > 0)
				ok(utf8_ref_valid(f.lines[0].text,
				    f.lines[0].len), "%s: valid UTF-8", name);
			is_line(&f, 1, "after", 5, 0, name);
			snprintf(want_log, sizeof want_log, "line longer than "
			    "%d bytes: %zu bytes dropped\n", PC_TEXT_MAX,
			    cases[i].dropped);
			if (!ok(strstr(log, want_log) != NULL,
			    "%s: logs %zu bytes dropped", name,
			    cases[i].dropped))
				diag("log: %s", log);
			free(log);
			free(line);
			fixture_deinit(&f);
		}
	}
}

/* A long line whose end comes in a later write still ends where it ends. */
static void
test_long_line_in_pieces(void)
{
	struct fixture	 f;
	char		*p1, *p2, want[PC_TEXT_MAX];
	size_t		 len1, len2;

	fixture_init(&f, 0);
	p1 = repeat('p', 3000, "", &len1);
	p2 = repeat('P', 3000, "", &len2);
	memcpy(want, p1, len1);
	memcpy(want + len1, p2, sizeof want - len1);
	pipefix_write(&f.p, p1, len1);
	fixture_pump(&f);
	pipefix_write(&f.p, p2, len2);
	fixture_pump(&f);
	WRITE(&f, "still the long line\nnext\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "long line in pieces: two lines");
	is_line(&f, 0, want, sizeof want, INGEST_TRUNCATED,
	    "long line in pieces: its first 4095 bytes");
	IS_LINE(&f, 1, "next", 0, "long line in pieces: next line intact");
	free(p1);
	free(p2);
	fixture_deinit(&f);
}

/*
 * Megabytes without a newline: memory stays bounded by a read plus a
 * line, not by the line, and the next line is intact.
 */
static void
test_huge_line(void)
{
	struct fixture	 f;
	char		*chunk, *log, want_log[128];
	size_t		 len, sent, base_live;
	int		 saved;

	if (fixture_init(&f, BIG_PIPE) == -1) {
		skip("cannot make a %d-byte pipe", BIG_PIPE);
		fixture_deinit(&f);
		return;
	}
	chunk = repeat('z', MIB, "", &len);
	base_live = evmem_live;
	evmem_peak = evmem_live;
	capture_stderr_begin(&saved);
	for (sent = 0; sent < BIG_LINE; sent += len)
		pipefix_write(&f.p, chunk, len);
	WRITE(&f, "\nafter\n");
	fixture_pump(&f);
	log = capture_stderr_end(saved);
	is_uint(f.nlines, 2, "%d-byte line: two lines", BIG_LINE);
	is_line(&f, 0, chunk, PC_TEXT_MAX, INGEST_TRUNCATED,
	    "8 MiB line: cut to 4095 bytes and flagged");
	IS_LINE(&f, 1, "after", 0, "8 MiB line: next line intact");
	ok(evmem_peak > base_live + PC_TEXT_MAX,
	    "libevent's allocations are seen (peak %zu)",
	    evmem_peak - base_live);
	if (!ok(evmem_peak - base_live < MEM_BOUND,
	    "8 MiB line: buffer stays under %d bytes", MEM_BOUND))
		diag("peak %zu bytes", evmem_peak - base_live);
	snprintf(want_log, sizeof want_log, "line longer than %d bytes: %d "
	    "bytes dropped\n", PC_TEXT_MAX, BIG_LINE - PC_TEXT_MAX);
	if (!ok(strstr(log, want_log) != NULL,
	    "8 MiB line: logs how much was dropped"))
		diag("log: %s", log);
	free(log);
	free(chunk);
	fixture_deinit(&f);
}

/* A last line without '\n' is delivered at end of stream, then eof_cb. */
static void
test_eof(void)
{
	struct fixture	 f;
	char		*line;
	size_t		 len;

	fixture_init(&f, 0);
	WRITE(&f, "one\ntwo");
	fixture_pump(&f);
	is_uint(f.nlines, 1, "eof: unterminated line waits for more");
	pipefix_close_writer(&f.p);
	fixture_pump(&f);
	fixture_pump(&f);
	is_uint(f.nlines, 2, "eof: then two lines");
	IS_LINE(&f, 0, "one", 0, "eof: first line");
	IS_LINE(&f, 1, "two", 0, "eof: last line without newline");
	is_int(f.neof, 1, "eof: eof_cb called once");
	is_int(f.eof_error, 0, "eof: eof_cb with 0 when the writer closes");
	is_uint(f.lines_at_eof, 2, "eof: after the last line");
	fixture_deinit(&f);

	fixture_init(&f, 0);
	pipefix_close_writer(&f.p);
	fixture_pump(&f);
	is_uint(f.nlines, 0, "eof, nothing written: no line");
	is_int(f.neof, 1, "eof, nothing written: eof_cb once");
	is_int(f.eof_error, 0, "eof, nothing written: with 0");
	fixture_deinit(&f);

	fixture_init(&f, 0);
	line = repeat('q', 5000, "", &len);
	pipefix_write(&f.p, line, len);
	pipefix_close_writer(&f.p);
	fixture_pump(&f);
	is_uint(f.nlines, 1, "eof after a long unterminated line: one line");
	is_line(&f, 0, line, PC_TEXT_MAX, INGEST_TRUNCATED,
	    "eof after a long unterminated line: cut and flagged");
	is_int(f.neof, 1, "eof after a long unterminated line: eof_cb once");
	free(line);
	fixture_deinit(&f);
}

/* n lines of 16 bytes, "drained 0000042\n"; *len is their length. */
static char *
drain_lines(size_t n, size_t *len)
{
	char	*buf;
	size_t	 i;

	if ((buf = malloc(n * 16 + 1)) == NULL)
		abort();
	for (*len = 0, i = 0; i < n; i++)
		*len += (size_t)sprintf(buf + *len, "drained %07zu\n", i);
	return buf;
}

/* Lines 0 to n - 1 arrived as drain_lines wrote them. */
static void
is_drained(struct fixture *f, size_t n, const char *name)
{
	char	want[32];
	size_t	i, bad = 0;

	is_uint(f->nlines, n, "%s: %zu lines", name, n);
	for (i = 0; i < f->nlines && i < n; i++) {
		snprintf(want, sizeof want, "drained %07zu", i);
		if ((strcmp(f->lines[i].text, want) != 0 ||
		    f->lines[i].flags != 0) && bad++ == 0)
			diag("line %zu is \"%s\"", i, f->lines[i].text);
	}
	is_uint(bad, 0, "%s: each line intact and in order", name);
}

/* ingest_drain delivers what is in the pipe now, without the loop. */
static void
test_drain(void)
{
	struct fixture	 f;
	char		*buf;
	size_t		 n, len;

	fixture_init(&f, 0);
	WRITE(&f, "a\nb\nc");
	is_int(ingest_drain(f.in, 16), 0, "drain, writer open: returns 0");
	is_uint(f.nlines, 3, "drain: three lines without the loop");
	IS_LINE(&f, 0, "a", 0, "drain: a");
	IS_LINE(&f, 1, "b", 0, "drain: b");
	IS_LINE(&f, 2, "c", 0, "drain: unterminated c too");
	is_int(f.neof, 0, "drain: no eof_cb");
	is_uint(pipefix_pending(&f.p), 0, "drain: the pipe is empty");
	WRITE(&f, "d\n");
	pipefix_close_writer(&f.p);
	is_int(ingest_drain(f.in, 16), -1, "drain, writer gone: returns -1");
	IS_LINE(&f, 3, "d", 0, "drain, writer gone: the last line");
	is_int(f.neof, 0, "drain, writer gone: no eof_cb");
	fixture_deinit(&f);

	/*
	 * A default-sized pipe, full: one read takes it all (INGEST_READ_MAX
	 * in ingest.c), which is what callers' max_reads are counted in.
	 */
	fixture_init(&f, 0);
	n = (size_t)fcntl(f.p.wfd, F_GETPIPE_SZ) / 16;
	buf = drain_lines(n, &len);
	pipefix_write(&f.p, buf, len);
	is_uint(pipefix_pending(&f.p), len, "full pipe: %zu bytes", len);
	ingest_drain(f.in, 1);
	is_drained(&f, n, "drain of 1 read, full default pipe");
	is_uint(pipefix_pending(&f.p), 0, "drain of 1 read: pipe emptied");
	free(buf);
	fixture_deinit(&f);

	/* a pipe holding more than max_reads reads: the rest stays there */
	if (fixture_init(&f, BIG_PIPE) == -1) {
		skip("cannot make a %d-byte pipe", BIG_PIPE);
		fixture_deinit(&f);
		return;
	}
	n = 3 * BIG_PIPE / 4 / 16;
	buf = drain_lines(n, &len);
	pipefix_write(&f.p, buf, len);
	ingest_drain(f.in, 1);
	ok(f.nlines > 0 && f.nlines < n && pipefix_pending(&f.p) > 0,
	    "drain of 1 read: %zu of %zu lines, the rest left", f.nlines, n);
	ingest_drain(f.in, 1000);
	is_drained(&f, n, "drain again");
	free(buf);
	fixture_deinit(&f);
}

/* Paused, nothing is read; resumed on another fd, buffered bytes stay. */
static void
test_pause_resume(void)
{
	struct fixture	f;
	int		fds[2];

	fixture_init(&f, 0);
	WRITE(&f, "par");
	fixture_pump(&f);
	ingest_pause(f.in);
	WRITE(&f, "ked\n");
	event_base_loop(f.p.base, EVLOOP_NONBLOCK);
	is_uint(f.nlines, 0, "paused: nothing read");
	is_uint(pipefix_pending(&f.p), 4, "paused: the bytes wait in the pipe");

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		abort();
	close(f.p.rfd);
	close(f.p.wfd);
	f.p.rfd = fds[0];
	f.p.wfd = fds[1];
	is_int(ingest_resume(f.in, f.p.rfd), 0, "resume on a new fd");
	WRITE(&f, "tial\nnew\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "resumed: two lines");
	IS_LINE(&f, 0, "partial", 0, "resumed: the buffered start is kept");
	IS_LINE(&f, 1, "new", 0, "resumed: then the new fd's lines");
	fixture_deinit(&f);
}

/* A partial line in front of PROTO_CTL is another writer's: cut there. */
static void
test_shared_ctl(void)
{
	struct fixture	f;

	fixture_init_shared(&f, 60000);
	WRITE(&f, "partial");
	fixture_pump(&f);
	WRITE(&f, "\001JOIN a\n");
	fixture_pump(&f);
	is_uint(f.nlines, 2, "ctl after a partial line: two lines");
	IS_LINE(&f, 0, "partial", INGEST_INCOMPLETE,
	    "ctl after a partial line: it, flagged incomplete");
	IS_LINE(&f, 1, "\001JOIN a", 0, "ctl after a partial line: the JOIN");
	fixture_deinit(&f);

	fixture_init_shared(&f, 60000);
	WRITE(&f, "abc\001JOIN b\nx\001y\n\001JOIN c\n\001\001\n\n");
	fixture_pump(&f);
	is_uint(f.nlines, 7, "ctl in one write: seven lines, no empty one");
	IS_LINE(&f, 0, "abc", INGEST_INCOMPLETE, "ctl in one write: 1st");
	IS_LINE(&f, 1, "\001JOIN b", 0, "ctl in one write: 2nd");
	IS_LINE(&f, 2, "x", INGEST_INCOMPLETE, "ctl in one write: 3rd");
	IS_LINE(&f, 3, "\001y", 0, "ctl in one write: 4th");
	IS_LINE(&f, 4, "\001JOIN c", 0, "ctl in one write: a ctl line first");
	IS_LINE(&f, 5, "\001", INGEST_INCOMPLETE, "ctl in one write: lone ctl");
	IS_LINE(&f, 6, "\001", 0, "ctl in one write: ctl, newline");
	fixture_deinit(&f);

	/* as clients write: a '\n' in front of each line, in one write */
	fixture_init_shared(&f, 60000);
	WRITE(&f, "\nhello\n\n\001JOIN f\n\nworld\n\n\n");
	fixture_pump(&f);
	is_uint(f.nlines, 3, "lines with a newline in front: three");
	IS_LINE(&f, 0, "hello", 0, "lines with a newline in front: 1st");
	IS_LINE(&f, 1, "\001JOIN f", 0, "lines with a newline in front: 2nd");
	IS_LINE(&f, 2, "world", 0, "lines with a newline in front: 3rd");
	fixture_deinit(&f);

	/* a session's FIFO has one writer: PROTO_CTL is just a byte there */
	fixture_init(&f, 0);
	WRITE(&f, "a\001b\n");
	fixture_pump(&f);
	is_uint(f.nlines, 1, "ctl, not shared: one line");
	IS_LINE(&f, 0, "a\001b", 0, "ctl, not shared: intact");
	fixture_deinit(&f);
}

/* The skip of an overlong line ends at PROTO_CTL: the JOIN is intact. */
static void
test_shared_discard(void)
{
	struct fixture	 f;
	char		*line, *log;
	size_t		 len;
	int		 saved, split;

	for (split = 0; split <= 1; split++) {
		fixture_init_shared(&f, 60000);
		line = repeat('x', 5000, "\001JOIN d\nnext\n", &len);
		capture_stderr_begin(&saved);
		if (split) {
			pipefix_write(&f.p, line, 5000);
			fixture_pump(&f);
		}
		pipefix_write(&f.p, line + 5000 * split, len - 5000 * split);
		fixture_pump(&f);
		log = capture_stderr_end(saved);
		is_uint(f.nlines, 3, "discard%s: three lines",
		    split ? ", two writes" : "");
		is_line(&f, 0, line, PC_TEXT_MAX, INGEST_TRUNCATED,
		    "discard: the long line, cut");
		IS_LINE(&f, 1, "\001JOIN d", 0, "discard: ends at the ctl");
		IS_LINE(&f, 2, "next", 0, "discard: then the next line");
		ok(strstr(log, "905 bytes dropped") != NULL,
		    "discard: logs what it dropped");
		free(log);
		free(line);
		fixture_deinit(&f);
	}
}

/* A partial line that waits too long is delivered as it is. */
static void
test_shared_timeout(void)
{
	struct timespec	 t0, t1;
	struct fixture	 f;
	char		*line, *log;
	size_t		 len;
	long		 ms;
	int		 saved, i;

	fixture_init_shared(&f, 30);
	/*
	 * Timed from before the write: the deadline counts from the loop's
	 * cached time when the bytes were read, which a loaded machine can
	 * put well before the pump returns; libevent's coarse monotonic clock
	 * may fire it a tick (up to 10 ms) early.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	WRITE(&f, "held");
	fixture_pump(&f);
	is_uint(f.nlines, 0, "timeout: not at once");
	fixture_wait_lines(&f, 1, 5000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	is_uint(f.nlines, 1, "timeout: delivered after %ld ms", ms);
	ok(ms >= 20, "timeout: not before its time (%ld ms)", ms);
	IS_LINE(&f, 0, "held", INGEST_INCOMPLETE,
	    "timeout: flagged incomplete");
	WRITE(&f, "then\n");
	fixture_pump(&f);
	IS_LINE(&f, 1, "then", 0, "timeout: the next line intact");
	is_uint(f.nlines, 2, "timeout: two lines");
	fixture_wait_lines(&f, 3, 100);
	is_uint(f.nlines, 2, "timeout: a complete line has no deadline");
	fixture_deinit(&f);

	/* a drip: the deadline counts from the line's first byte */
	fixture_init_shared(&f, 30);
	for (i = 0; i < 400 && f.nlines == 0; i++) {
		WRITE(&f, "d");
		fixture_wait_lines(&f, 1, 5);
	}
	ok(f.nlines == 1 && i < 400, "drip: delivered while it drips (%d "
	    "bytes)", i);
	if (f.nlines > 0)
		is_int(f.lines[0].flags, INGEST_INCOMPLETE,
		    "drip: flagged incomplete");
	fixture_deinit(&f);

	/* a skip ends at the deadline too: the next line is not eaten */
	fixture_init_shared(&f, 30);
	line = repeat('x', 5000, "", &len);
	capture_stderr_begin(&saved);
	pipefix_write(&f.p, line, len);
	fixture_pump(&f);
	fixture_wait_lines(&f, 2, 100);
	WRITE(&f, "after\n");
	fixture_pump(&f);
	log = capture_stderr_end(saved);
	is_uint(f.nlines, 2, "skip with deadline: two lines");
	is_line(&f, 0, line, PC_TEXT_MAX, INGEST_TRUNCATED,
	    "skip with deadline: the long line, cut");
	IS_LINE(&f, 1, "after", 0, "skip with deadline: the next line intact");
	ok(strstr(log, "905 bytes dropped") != NULL,
	    "skip with deadline: logs what it dropped");
	free(log);
	free(line);
	fixture_deinit(&f);

	/* at end of stream the partial line goes as before, and no timer */
	fixture_init_shared(&f, 30);
	WRITE(&f, "tail");
	fixture_pump(&f);
	pipefix_close_writer(&f.p);
	fixture_pump(&f);
	fixture_pump(&f);
	is_uint(f.nlines, 1, "shared eof: one line");
	IS_LINE(&f, 0, "tail", 0, "shared eof: as it is");
	is_int(f.neof, 1, "shared eof: eof_cb");
	fixture_wait_lines(&f, 2, 100);
	is_uint(f.nlines, 1, "shared eof: nothing more");
	fixture_deinit(&f);
}

/*
 * The reference framing of a shared FIFO's stream (short lines only):
 * lines end at '\n' and before a PROTO_CTL that is not their first byte;
 * empty ones are dropped.
 */
static size_t
shared_reference(const char *s, size_t len, struct line *out)
{
	size_t	i, start = 0, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && i == start) {
			start = i + 1;	/* an empty line is not delivered */
			continue;
		}
		if (s[i] == '\n' || (s[i] == PROTO_CTL && i > start)) {
			out[n].text = (char *)s + start;
			out[n].len = i - start;
			out[n++].flags = s[i] == '\n' ? 0 : INGEST_INCOMPLETE;
			start = s[i] == '\n' ? i + 1 : i;
		}
	}
	return n;
}

/* Random bytes of a, PROTO_CTL and '\n', in random pieces: as expected. */
static void
test_shared_random(void)
{
	struct fixture	 f;
	struct line	*want;
	char		*buf;
	size_t		 len = 200000, n, i, off, piece, bad = 0;
	uint64_t	 x = 88172645463325252ULL;

	if ((buf = malloc(len)) == NULL ||
	    (want = calloc(len, sizeof *want)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x % 11 == 0 ? PROTO_CTL : x % 11 == 1 ? '\n' : 'a';
	}
	buf[len - 1] = '\n';
	n = shared_reference(buf, len, want);
	fixture_init_shared(&f, 60000);
	for (off = 0; off < len; off += piece) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		piece = 1 + x % (x % 3 == 0 ? 20000 : 40);
		if (piece > len - off)
			piece = len - off;
		pipefix_write(&f.p, buf + off, piece);
		if (x % 2 == 0)
			fixture_pump(&f);
	}
	fixture_pump(&f);
	is_uint(f.nlines, n, "random shared stream: %zu lines", n);
	for (i = 0; i < n && i < f.nlines; i++) {
		if ((f.lines[i].len != want[i].len ||
		    memcmp(f.lines[i].text, want[i].text, want[i].len) != 0 ||
		    f.lines[i].flags != want[i].flags) && bad++ == 0)
			diag("line %zu differs", i);
	}
	is_uint(bad, 0, "random shared stream: each line as expected");
	fixture_deinit(&f);
	free(want);
	free(buf);
}

/* Run every test; TAP on stdout, the daemon's log on stderr. */
int
main(void)
{
	evmem_init();

	ingest_free(NULL);
	test_split_writes();
	test_many_lines();
	test_limit();
	test_cut_utf8();
	test_long_line_in_pieces();
	test_huge_line();
	test_eof();
	test_drain();
	test_pause_resume();
	test_shared_ctl();
	test_shared_discard();
	test_shared_timeout();
	test_shared_random();
	return done_testing();
}
