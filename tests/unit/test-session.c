/* SPDX-License-Identifier: ISC */
/*
 * Tests for daemon/session.c: the outbound queue (the pinned head, trimming,
 * "N messages dropped") and the callbacks to the owner, through the opaque
 * API on a real FIFO pair in a temporary session directory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proto.h"
#include "session.h"

#include "tap.h"

#define TEST_ID		"t0"
#define SMALL_PIPE	4096		/* F_SETPIPE_SZ's least: one page */
#define OUT_MAX		(1024 * 1024)	/* what the test reads, at most */

/* A session directory with one FIFO pair, its client ends, the session. */
struct fixture {
	char			 dir[64];
	int			 dirfd;
	int			 out_rfd;	/* the client reads .out */
	int			 in_wfd;	/* ... and writes .in */
	struct event_base	*base;
	struct session_set	*set;
	struct session		*s;
	char			 out[OUT_MAX];	/* what it read */
	size_t			 outlen;
	char			 line[256];	/* the last line cb had */
	int			 nlines;
	int			 echo;		/* line_cb says it back */
	int			 nend;
	int			 end_reason_null;
};

static void
fixture_line_cb(void *arg, const char *line, size_t len, int flags)
{
	struct fixture	*f = arg;

	(void)flags;
	snprintf(f->line, sizeof f->line, "%.*s", (int)len, line);
	f->nlines++;
	if (f->echo)
		session_send(f->s, PROTO_MSG, line, len);
}

static void
fixture_end_cb(void *arg, const char *reason)
{
	struct fixture	*f = arg;

	f->nend++;
	f->end_reason_null = reason == NULL;
	f->s = NULL;
}

static const struct session_cb fixture_cb = {
	.line = fixture_line_cb,
	.end = fixture_end_cb,
};

/* Make ID.in and ID.out with the protocol's modes, in a fresh directory. */
static void
fixture_fifos(struct fixture *f)
{
	char	path[128];

	snprintf(f->dir, sizeof f->dir, "/tmp/test-session.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		abort();
	if ((f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY)) == -1)
		abort();
	/* The group must be ours: a setgid /tmp would give its own. */
	if (fchown(f->dirfd, (uid_t)-1, getegid()) == -1 ||
	    fchmod(f->dirfd, 0700) == -1)
		abort();
	snprintf(path, sizeof path, "%s/%s%s", f->dir, TEST_ID,
	    PROTO_IN_SUFFIX);
	if (mkfifo(path, 0600) == -1 || chmod(path, 0640) == -1 ||
	    chown(path, (uid_t)-1, getegid()) == -1)
		abort();
	/* A writer from the start, or the session would read end of file. */
	if ((f->in_wfd = open(path, O_RDWR | O_NONBLOCK)) == -1)
		abort();
	snprintf(path, sizeof path, "%s/%s%s", f->dir, TEST_ID,
	    PROTO_OUT_SUFFIX);
	if (mkfifo(path, 0600) == -1 || chmod(path, 0620) == -1 ||
	    chown(path, (uid_t)-1, getegid()) == -1)
		abort();
	if ((f->out_rfd = open(path, O_RDONLY | O_NONBLOCK)) == -1)
		abort();
}

/*
 * The session on the fixture's FIFOs, queue_max bytes for the client.
 * Returns -1 if it cannot be had here (no user name for our uid).
 */
static int
fixture_init(struct fixture *f, size_t queue_max, int pipe_size)
{
	struct proto_join	 j = { .id = TEST_ID };
	struct session_limits	 limits = { .queue_max = queue_max };

	memset(f, 0, sizeof *f);
	fixture_fifos(f);
	if (pipe_size > 0 &&
	    fcntl(f->out_rfd, F_SETPIPE_SZ, pipe_size) == -1)
		abort();
	if ((f->base = event_base_new()) == NULL)
		abort();
	f->set = session_set_new(f->base);
	f->s = session_open(f->set, f->dirfd, &j, &limits, &fixture_cb, f);
	return f->s != NULL ? 0 : -1;
}

static void
fixture_deinit(struct fixture *f)
{
	session_free(f->s);
	session_set_free(f->set);
	event_base_free(f->base);
	close(f->in_wfd);
	close(f->out_rfd);
	close(f->dirfd);
	rmdir(f->dir);
}

/* Read what .out holds now; returns how many bytes. */
static size_t
fixture_read(struct fixture *f)
{
	size_t	total = 0;
	ssize_t	n;

	while (f->outlen < sizeof f->out &&
	    (n = read(f->out_rfd, f->out + f->outlen,
	    sizeof f->out - f->outlen)) > 0) {
		f->outlen += (size_t)n;
		total += (size_t)n;
	}
	return total;
}

/* Run the loop and read .out until neither has anything left to do. */
static void
fixture_settle(struct fixture *f)
{
	int	idle = 0;

	while (idle < 3) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		idle = fixture_read(f) > 0 ? 0 : idle + 1;
	}
}

/* Fill the client's pipe with lines of its own, so that nothing goes in. */
static size_t
fixture_fill(struct fixture *f)
{
	char	path[128], line[64];
	size_t	total = 0;
	int	fd;

	snprintf(path, sizeof path, "%s/%s%s", f->dir, TEST_ID,
	    PROTO_OUT_SUFFIX);
	if ((fd = open(path, O_WRONLY | O_NONBLOCK)) == -1)
		abort();
	memset(line, 'f', sizeof line - 1);
	line[sizeof line - 1] = '\n';
	while (write(fd, line, sizeof line) == (ssize_t)sizeof line)
		total += sizeof line;
	close(fd);
	return total;
}

/* Queue "msg N padding" lines first .. last, each len bytes with '\n'. */
static void
send_numbered(struct session *s, int first, int last, size_t len)
{
	char	text[512];
	int	i, n;

	for (i = first; i <= last; i++) {
		n = snprintf(text, sizeof text, "%06d ", i);
		memset(text + n, 'p', len - 5 - (size_t)n);
		session_send(s, PROTO_MSG, text, len - 5);
	}
}

/*
 * Check that out (from pos) holds whole msg lines of rising numbers up to
 * last, and "N messages dropped" notices whose Ns add up to what is
 * missing.  (Where a notice is already queued, pinned, later drops are
 * told in a second one, after the lines that follow them: only the sum
 * is checked.)  Returns how many arrived.
 */
static int
check_numbered(const char *name, const char *out, size_t outlen, size_t pos,
    int first, int last, size_t len)
{
	unsigned long	 dropped = 0, n;
	int		 got = 0, prev = first - 1, missing = 0, num;
	int		 whole = 1, ordered = 1, notices = 0;
	const char	*p, *nl;

	for (p = out + pos; p < out + outlen; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(out + outlen - p));
		if (nl == NULL) {
			whole = 0;
			break;
		}
		if (sscanf(p, "info " PROTO_NOTICE " %lu message", &n) == 1) {
			dropped += n;
			notices++;
			continue;
		}
		if ((size_t)(nl - p + 1) != len || strncmp(p, "msg ", 4) != 0) {
			whole = 0;
			diag("%s: odd line \"%.*s\"", name, (int)(nl - p), p);
			continue;
		}
		num = atoi(p + 4);
		if (num <= prev)
			ordered = 0;
		missing += num - prev - 1;
		prev = num;
		got++;
	}
	ok(whole, "%s: every line whole", name);
	ok(ordered, "%s: what arrived is in order", name);
	ok(notices >= 1, "%s: told of the drops (%d notices)", name, notices);
	ok(dropped > 0, "%s: lines were dropped (%lu)", name, dropped);
	is_int((int)dropped, missing, "%s: the notice counts what is missing",
	    name);
	is_int(prev, last, "%s: the last line sent arrived", name);
	return got;
}

/*
 * The welcome is pinned: a client that does not read loses the oldest
 * lines after it, never the welcome, and is told how many.
 */
static void
test_pinned_welcome(void)
{
	static struct fixture	f;
	size_t			filled, pos;
	char			want[128];

	if (fixture_init(&f, 4096, SMALL_PIPE) == -1) {
		skip("our uid has no user name: no session");
		fixture_deinit(&f);
		return;
	}
	filled = fixture_fill(&f);
	ok(filled > 0, "the client's pipe is full (%zu bytes)", filled);
	session_tell(f.s, PROTO_WELCOME, "%s", session_name(f.s));
	send_numbered(f.s, 1, 500, 100);
	fixture_settle(&f);
	ok(f.outlen > filled, "the session wrote once there was room");
	snprintf(want, sizeof want, "welcome %s\n", session_name(f.s));
	pos = filled;
	ok(f.outlen - pos >= strlen(want) &&
	    memcmp(f.out + pos, want, strlen(want)) == 0,
	    "the welcome comes first, whole");
	pos += strlen(want);
	check_numbered("pinned welcome", f.out, f.outlen, pos, 1, 500, 100);
	fixture_deinit(&f);
}

/*
 * The queue never holds more than queue_max: with the pipe full, the
 * oldest whole lines go, the client is told how many where they were,
 * and then gets the newest.
 */
static void
test_trim(void)
{
	static struct fixture	f;
	size_t			filled;
	unsigned long		n;
	int			got;

	if (fixture_init(&f, 8192, SMALL_PIPE) == -1) {
		skip("our uid has no user name: no session");
		fixture_deinit(&f);
		return;
	}
	filled = fixture_fill(&f);
	send_numbered(f.s, 1, 1000, 64);
	fixture_settle(&f);
	ok(sscanf(f.out + filled, "info " PROTO_NOTICE " %lu messages dropped: "
	    "you were not reading fast enough\n", &n) == 1,
	    "the notice comes first: \"%.40s\"", f.out + filled);
	got = check_numbered("trim", f.out, f.outlen, filled, 1, 1000, 64);
	/* What a queue of 8 KiB holds, less the notice's room: 100 lines. */
	ok(got * 64 <= 8192, "at most queue_max bytes kept (%d lines)", got);
	ok(got > 8192 / 64 / 2, "most of queue_max kept (%d lines)", got);
	fixture_deinit(&f);
}

/*
 * A write that takes part of a line pins the rest of it: the client gets
 * the line whole even though lines after it are dropped.
 */
static void
test_pinned_rest(void)
{
	static struct fixture	f;
	char			first[SMALL_PIPE];
	ssize_t			n;

	if (fixture_init(&f, 16384, SMALL_PIPE) == -1) {
		skip("our uid has no user name: no session");
		fixture_deinit(&f);
		return;
	}
	/*
	 * 16,384 bytes are queued before the first write: more than
	 * PIPE_BUF, so the pipe takes what it has room for, mid-line.
	 */
	send_numbered(f.s, 1, 2000, 100);
	n = read(f.out_rfd, first, sizeof first);
	ok(n > 0 && first[n - 1] != '\n',
	    "the first write ended mid-line (%zd bytes)", n);
	memcpy(f.out, first, n > 0 ? (size_t)n : 0);
	f.outlen = n > 0 ? (size_t)n : 0;
	fixture_settle(&f);
	check_numbered("pinned rest", f.out, f.outlen, 0, 1, 2000, 100);
	fixture_deinit(&f);
}

/*
 * The owner hears each line, then the end; a client that left is told
 * "bye you left" by a session that lingers in its set meanwhile.
 */
static void
test_callbacks(void)
{
	static struct fixture	f;
	int			mine;
	char			want[64];

	if (fixture_init(&f, 65536, 0) == -1) {
		skip("our uid has no user name: no session");
		fixture_deinit(&f);
		return;
	}
	if (write(f.in_wfd, "hello\n", 6) != 6)
		abort();
	fixture_settle(&f);
	is_int(f.nlines, 1, "one line reported");
	is_str(f.line, "hello", "... as it was said");
	is_int(session_set_lingering(f.set, getuid(), &mine), 0,
	    "nothing lingers");
	/*
	 * What a line makes the owner queue is written in the loop pass
	 * that read the line: no second pass waiting for EV_WRITE.
	 */
	f.echo = 1;
	if (write(f.in_wfd, "again\n", 6) != 6)
		abort();
	event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	fixture_read(&f);
	is_mem(f.out, f.outlen, "msg again\n", (size_t)10,
	    "the answer was written in the same loop pass");
	f.echo = 0;
	/* The client leaves; the pipe is full, so the bye must wait. */
	fixture_fill(&f);
	close(f.in_wfd);
	f.in_wfd = -1;
	event_base_loop(f.base, EVLOOP_NONBLOCK);
	event_base_loop(f.base, EVLOOP_NONBLOCK);
	is_int(f.nend, 1, "the end reported once");
	ok(f.end_reason_null, "... without a reason: the client left");
	is_int(session_set_lingering(f.set, getuid(), &mine), 1,
	    "the session lingers to say bye");
	is_int(mine, 1, "... and counts as ours");
	f.outlen = 0;
	fixture_settle(&f);
	snprintf(want, sizeof want, "bye %s\n", PROTO_BYE_LEFT);
	ok(f.outlen >= strlen(want) && memcmp(f.out + f.outlen -
	    strlen(want), want, strlen(want)) == 0, "bye is the last line");
	is_int(session_set_lingering(f.set, getuid(), &mine), 0,
	    "the lingering session is freed once it said it");
	is_int(f.nend, 1, "the end still reported once");
	fixture_deinit(&f);
}

int
main(void)
{
	test_pinned_welcome();
	test_trim();
	test_pinned_rest();
	test_callbacks();
	return done_testing();
}
