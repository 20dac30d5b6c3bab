/* SPDX-License-Identifier: ISC */
/* Tests for daemon/output.c: messages printed as safe lines on a pipe. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "message.h"
#include "output.h"
#include "pclimits.h"

#include "evmem.h"
#include "pipefix.h"
#include "tap.h"

/* Format m as the room does, and hand it to output_message. */
static void
emit(struct output *out, const struct message *m)
{
	static char	text[MESSAGE_FORMAT_MAX];

	output_message(out, m, text, message_format(m, text));
}

#define BIG_PIPE	(1024 * 1024)
#define BATCH_MAX	65536	/* OUTPUT_BATCH_MAX in output.c */

/* An output writing to a pipe whose other end the test reads. */
struct fixture {
	struct pipefix		 p;
	struct output		*out;
	int			 nfail;
};

/* Count the failures output reports. */
static void
fixture_fail_cb(void *arg)
{
	struct fixture	*f = arg;

	f->nfail++;
}

/* A pipe of at least pipe_size bytes (0: the default) and an output. */
static int
fixture_init(struct fixture *f, int pipe_size)
{
	memset(f, 0, sizeof *f);
	if (pipefix_init(&f->p, NULL, pipe_size, 0) == -1)
		return -1;
	f->out = output_new(f->p.base, f->p.wfd, fixture_fail_cb, f);
	if (f->out == NULL)
		abort();
	return 0;
}

/* Free all of it. */
static void
fixture_deinit(struct fixture *f)
{
	output_free(f->out);
	pipefix_deinit(&f->p);
}

/* Everything in the pipe now; *len is its length. */
static char *
fixture_read(struct fixture *f, size_t *len)
{
	char	*buf = NULL;
	size_t	 size = 0;
	ssize_t	 n;

	*len = 0;
	for (;;) {
		if (*len + 65536 > size) {
			size = size * 2 + 65536;
			if ((buf = realloc(buf, size)) == NULL)
				abort();
		}
		n = read(f->p.rfd, buf + *len, size - *len);
		if (n > 0)
			*len += (size_t)n;
		else if (n == -1 && errno == EAGAIN)
			break;
		else
			abort();
	}
	return buf;
}

/* The pipe holds exactly want. */
static void
is_output(struct fixture *f, const void *want, size_t wlen, const char *name)
{
	char	*got;
	size_t	 len;

	got = fixture_read(f, &len);
	is_mem(got, len, want, wlen, "%s", name);
	free(got);
}

#define IS_OUTPUT(f, lit, name)	is_output(f, lit, sizeof lit - 1, name)

/* A chat message from, with text (a literal: embedded NULs count). */
#define CHAT(from_, lit, flags_)					\
	(&(struct message){ .kind = MESSAGE_CHAT, .from = (from_),	\
	    .text = (lit), .len = sizeof lit - 1, .flags = (flags_) })

/* The format of a line, and that it waits for the loop. */
static void
test_format(void)
{
	struct fixture	f;

	fixture_init(&f, 0);
	emit(f.out, CHAT(NULL, "hello", 0));
	is_uint(pipefix_pending(&f.p), 0,
	    "nothing written before the loop runs");
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "(anonymous): hello\n", "anonymous writer");

	emit(f.out, CHAT("alice", "hi there", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "alice: hi there\n", "named sender");

	emit(f.out, CHAT("bob", "cut here", MESSAGE_TRUNCATED));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "bob: cut here [truncated]\n", "truncated marker");

	emit(f.out, CHAT(NULL, "hel", MESSAGE_INCOMPLETE));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "(anonymous): hel [incomplete]\n", "incomplete marker");

	emit(f.out, CHAT("carol", "", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "carol: \n", "empty text");

	emit(f.out, &(struct message){ .kind = MESSAGE_ACTION,
	    .from = "dave", .text = "waves", .len = 5 });
	emit(f.out, &(struct message){ .kind = MESSAGE_JOIN,
	    .from = "erin" });
	emit(f.out, &(struct message){ .kind = MESSAGE_LEAVE,
	    .from = "erin" });
	emit(f.out, &(struct message){ .kind = MESSAGE_LEAVE,
	    .from = "frank", .text = "timeout\x1b", .len = 8 });
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "* dave waves\n--> erin joined\n<-- erin left\n"
	    "<-- frank left (timeout^[)\n", "action, join and leave lines");
	fixture_deinit(&f);
}

/* What the sender wrote cannot reach the terminal raw. */
static void
test_escaping(void)
{
	struct fixture	f;

	fixture_init(&f, 0);
	emit(f.out, CHAT("mallory",
	    "\x1b[2Jboom\r\n\a\xc2\x9b" "1m\xe2\x80\xae" "txt\xff", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "mallory: ^[[2Jboom^M^J^G\\u009b1m\\u202etxt"
	    "\xef\xbf\xbd\n", "controls, C1, bidi and bad bytes escaped");

	emit(f.out, CHAT(NULL, "a\0b\x7f", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "(anonymous): a^@b^?\n", "NUL and DEL inside text");

	emit(f.out, CHAT("ev\x1bil\n", "x", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "ev^[il^J: x\n", "the name is escaped too");

	emit(f.out, CHAT("h\xc3\xa9l\xc3\xa8ne",
	    "caf\xc3\xa9 \xf0\x9f\x98\x80", 0));
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "h\xc3\xa9l\xc3\xa8ne: caf\xc3\xa9 \xf0\x9f\x98\x80\n",
	    "valid UTF-8 is left alone");
	fixture_deinit(&f);
}

/* The longest name is cut; the largest message comes out whole. */
static void
test_sizes(void)
{
	struct fixture	 f;
	struct message	 m = { .kind = MESSAGE_CHAT };
	char		 name[MESSAGE_NAME_MAX + 11];
	char		*text, *want, *p;
	size_t		 i;

	fixture_init(&f, 0);
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	m.from = name;
	m.text = "x";
	m.len = 1;
	emit(f.out, &m);
	pipefix_run(&f.p);
	name[MESSAGE_NAME_MAX] = '\0';
	if ((want = malloc(MESSAGE_NAME_MAX + 4)) == NULL)
		abort();
	memcpy(want, name, MESSAGE_NAME_MAX);
	memcpy(want + MESSAGE_NAME_MAX, ": x\n", 4);
	is_output(&f, want, MESSAGE_NAME_MAX + 4,
	    "a long name is cut to MESSAGE_NAME_MAX");
	free(want);

	/* every byte of name and text triples, and the marker on top */
	memset(name, 0x80, MESSAGE_NAME_MAX);
	if ((text = malloc(PC_TEXT_MAX)) == NULL ||
	    (want = malloc(PC_SANITIZED_MAX(PC_TEXT_MAX + MESSAGE_NAME_MAX) +
	    64)) == NULL)
		abort();
	memset(text, 0xff, PC_TEXT_MAX);
	m.text = text;
	m.len = PC_TEXT_MAX;
	m.flags = MESSAGE_TRUNCATED;
	emit(f.out, &m);
	pipefix_run(&f.p);
	p = want;
	for (i = 0; i < MESSAGE_NAME_MAX + PC_TEXT_MAX; i++) {
		if (i == MESSAGE_NAME_MAX) {
			memcpy(p, ": ", 2);
			p += 2;
		}
		memcpy(p, "\xef\xbf\xbd", 3);
		p += 3;
	}
	memcpy(p, " [truncated]\n", 13);
	p += 13;
	is_output(&f, want, (size_t)(p - want),
	    "worst-case message: every byte tripled, all of it out");
	free(text);
	free(want);
	fixture_deinit(&f);
}

/* Lines queued together go out together, in order, once. */
static void
test_batch(void)
{
	struct fixture	 f;
	struct message	 m = { .kind = MESSAGE_CHAT, .from = "big" };
	char		*text, *got;
	size_t		 i, n, len, lines;

	fixture_init(&f, 0);
	emit(f.out, CHAT("a", "1", 0));
	emit(f.out, CHAT("b", "2", 0));
	emit(f.out, CHAT("c", "3", 0));
	is_uint(pipefix_pending(&f.p), 0, "batch: nothing before the loop");
	pipefix_run(&f.p);
	IS_OUTPUT(&f, "a: 1\nb: 2\nc: 3\n", "batch: three lines in order");
	pipefix_run(&f.p);
	is_uint(pipefix_pending(&f.p), 0, "batch: nothing written twice");

	emit(f.out, CHAT("d", "4", 0));
	is_int(output_flush(f.out), 0, "output_flush: 0");
	IS_OUTPUT(&f, "d: 4\n", "output_flush writes without the loop");
	fixture_deinit(&f);

	if (fixture_init(&f, BIG_PIPE) == -1) {
		skip("cannot make a %d-byte pipe", BIG_PIPE);
		skip("cannot make a %d-byte pipe", BIG_PIPE);
		fixture_deinit(&f);
		return;
	}
	/* past BATCH_MAX bytes, lines are written at once, loop or not */
	n = 2 * BATCH_MAX / PC_TEXT_MAX;
	if ((text = malloc(PC_TEXT_MAX)) == NULL)
		abort();
	memset(text, 't', PC_TEXT_MAX);
	m.text = text;
	m.len = PC_TEXT_MAX;
	for (i = 0; i < n; i++)
		emit(f.out, &m);
	ok(pipefix_pending(&f.p) >= BATCH_MAX,
	    "%zu lines: %d bytes written without the loop", n, BATCH_MAX);
	pipefix_run(&f.p);
	got = fixture_read(&f, &len);
	for (i = 0, lines = 0; i < len; i++)
		lines += got[i] == '\n';
	ok(len == n * (5 + PC_TEXT_MAX + 1) && lines == n,
	    "%zu lines: all written after the loop (%zu bytes)", n, len);
	free(got);
	free(text);
	fixture_deinit(&f);
}

/* A reader gone: fail_cb once, from the loop; then nothing more. */
static void
test_failure(void)
{
	struct fixture	 f;
	struct message	 m = { .kind = MESSAGE_CHAT, .from = "big" };
	char		*text;
	size_t		 i, live;

	fixture_init(&f, 0);
	close(f.p.rfd);
	f.p.rfd = -1;
	emit(f.out, CHAT("alice", "into the void", 0));
	is_int(f.nfail, 0, "closed reader: fail_cb not called at once");
	pipefix_run(&f.p);
	is_int(f.nfail, 1, "closed reader: fail_cb called from the loop");
	is_int(output_flush(f.out), -1, "closed reader: output_flush -1");
	is_int(f.nfail, 1, "closed reader: no second fail_cb from flush");
	emit(f.out, CHAT("alice", "again", 0));
	pipefix_run(&f.p);
	is_int(output_flush(f.out), -1, "closed reader: still -1");
	is_int(f.nfail, 1, "closed reader: fail_cb still called once");
	fixture_deinit(&f);

	/* the same when the batch is large enough to be written at once */
	fixture_init(&f, 0);
	close(f.p.rfd);
	f.p.rfd = -1;
	if ((text = malloc(PC_TEXT_MAX)) == NULL)
		abort();
	memset(text, 't', PC_TEXT_MAX);
	m.text = text;
	m.len = PC_TEXT_MAX;
	for (i = 0; i < 3 * BATCH_MAX / PC_TEXT_MAX; i++)
		emit(f.out, &m);
	pipefix_run(&f.p);
	is_int(output_flush(f.out), -1, "closed reader, big batch: -1");
	is_int(f.nfail, 1, "closed reader, big batch: fail_cb once");

	/* once failed, messages are dropped, not kept for ever */
	live = evmem_live;
	for (i = 0; i < 1000; i++)
		emit(f.out, &m);
	pipefix_run(&f.p);
	ok(evmem_live <= live + BATCH_MAX,
	    "failed output: 4 MB of messages later, %zu bytes more held",
	    evmem_live > live ? evmem_live - live : 0);
	free(text);
	fixture_deinit(&f);
}

/* Run every test; TAP on stdout, the daemon's log on stderr. */
int
main(void)
{
	evmem_init();
	/* a closed reader must show as EPIPE, not kill the test */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		abort();
	output_free(NULL);
	test_format();
	test_escaping();
	test_sizes();
	test_batch();
	test_failure();
	return done_testing();
}
