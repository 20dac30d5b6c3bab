/* SPDX-License-Identifier: ISC */
/* One client byte stream (a FIFO's read end) framed into messages. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "ingest.h"
#include "pclimits.h"
#include "proto.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

struct ingest {
	struct event	*ev;
	int		 fd;		/* borrowed: the owner closes it */
	struct evbuffer	*buf;		/* bytes not yet framed */
	int		 discarding;	/* skipping the tail of a long line */
	size_t		 discarded;	/* ... bytes skipped so far */
	/*
	 * Only on a shared FIFO (ingest_set_shared), else NULL and unused:
	 * the partial line's deadline, how long it may wait, whether the
	 * timer runs for the partial line now buffered, and whether it has
	 * passed with no line ended since; buf[1 .. ctl_clean) has no
	 * PROTO_CTL, and when ctl_found, buf[ctl_clean] is one.
	 */
	struct event	*partial_ev;
	struct timeval	 partial_tv;
	int		 partial_armed;
	int		 partial_expired;
	size_t		 ctl_clean;
	int		 ctl_found;
	ingest_line_cb	 line_cb;
	ingest_eof_cb	 eof_cb;
	void		*arg;
};

static void	ingest_read_cb(int, short, void *);
static void	ingest_partial_cb(int, short, void *);

/*
 * Watch fd, which must be non-blocking, and call line_cb for each line and
 * eof_cb at end of stream.  The caller keeps ownership of fd.
 */
struct ingest *
ingest_new(struct event_base *base, int fd, ingest_line_cb line_cb,
    ingest_eof_cb eof_cb, void *arg)
{
	struct ingest	*in;

	in = xcalloc(1, sizeof *in);
	in->fd = fd;
	in->line_cb = line_cb;
	in->eof_cb = eof_cb;
	in->arg = arg;
	in->buf = evbuffer_new();
	in->ev = event_new(base, fd, EV_READ | EV_PERSIST, ingest_read_cb, in);
	if (in->buf == NULL || in->ev == NULL || event_add(in->ev, NULL) == -1) {
		ingest_free(in);
		return NULL;
	}
	return in;
}

/*
 * The stream has many writers (the well-known FIFO): PROTO_CTL starts a
 * control line, so a partial line in front of one was cut off by another
 * writer's and is delivered as it is, flagged INGEST_INCOMPLETE; so is a
 * partial line that waits longer than partial_ms for its '\n'.  Lines from
 * a writer that sent no newline, or stopped mid-line, then cost nobody
 * else their line.  Empty lines are not delivered: every write of a
 * client starts with one.  Returns 0, or -1 if out of memory.
 */
int
ingest_set_shared(struct ingest *in, int partial_ms)
{
	in->partial_ev = evtimer_new(event_get_base(in->ev), ingest_partial_cb,
	    in);
	if (in->partial_ev == NULL)
		return -1;
	in->partial_tv.tv_sec = partial_ms / 1000;
	in->partial_tv.tv_usec = (partial_ms % 1000) * 1000;
	in->ctl_clean = 1;
	return 0;
}

/* Stop watching and free; NULL is fine.  Unframed bytes are dropped. */
void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	if (in->ev != NULL)
		event_free(in->ev);
	if (in->partial_ev != NULL)
		event_free(in->partial_ev);
	if (in->buf != NULL)
		evbuffer_free(in->buf);
	free(in);
}

/* Stop watching the fd, so that the owner may close or replace it. */
void
ingest_pause(struct ingest *in)
{
	event_del(in->ev);
}

/* Watch fd (the same or a new one) again; buffered bytes are kept. */
int
ingest_resume(struct ingest *in, int fd)
{
	struct event_base	*base = event_get_base(in->ev);

	event_del(in->ev);
	in->fd = fd;
	if (event_assign(in->ev, base, fd, EV_READ | EV_PERSIST,
	    ingest_read_cb, in) == -1)
		return -1;
	return event_add(in->ev, NULL);
}

/* Take n framed bytes off the buffer, keeping the PROTO_CTL scan valid. */
static void
ingest_consume(struct ingest *in, size_t n)
{
	evbuffer_drain(in->buf, n);
	if (in->ctl_found && in->ctl_clean > n) {
		in->ctl_clean -= n;
		return;
	}
	in->ctl_found = 0;
	in->ctl_clean = in->ctl_clean > n ? in->ctl_clean - n : 1;
}

/*
 * Where the first PROTO_CTL after the first byte is, if before end; else
 * -1.  What was scanned is remembered, so each byte is scanned once
 * (memchr, through evbuffer_search) however many lines it takes to frame.
 */
static ssize_t
ingest_find_ctl(struct ingest *in, size_t end)
{
	static const char	ctl = PROTO_CTL;
	struct evbuffer_ptr	p;
	size_t			len;

	/* Most lines: known to be clean already. */
	if (in->ctl_found || in->ctl_clean >= end)
		return in->ctl_found && in->ctl_clean < end ?
		    (ssize_t)in->ctl_clean : -1;
	len = evbuffer_get_length(in->buf);
	if (in->ctl_clean < len) {
		if (evbuffer_ptr_set(in->buf, &p, in->ctl_clean,
		    EVBUFFER_PTR_SET) == -1)
			fatalx("evbuffer_ptr_set failed");
		p = evbuffer_search(in->buf, &ctl, 1, &p);
		if (p.pos == -1)
			in->ctl_clean = len;
		else {
			in->ctl_clean = (size_t)p.pos;
			in->ctl_found = 1;
		}
	}
	return in->ctl_found && in->ctl_clean < end ? (ssize_t)in->ctl_clean :
	    -1;
}

/* Does the buffer start with PROTO_CTL? */
static int
ingest_starts_ctl(struct ingest *in)
{
	char	c;

	return evbuffer_copyout(in->buf, &c, 1) == 1 && c == PROTO_CTL;
}

/* Deliver the first len bytes as one (cut) line and note what is lost. */
static void
ingest_emit_truncated(struct ingest *in, size_t len)
{
	unsigned char	*p = evbuffer_pullup(in->buf, PC_TEXT_MAX + 1);
	size_t		 cut = utf8_cut((char *)p, len, PC_TEXT_MAX);

	in->line_cb(in->arg, (char *)p, cut, INGEST_TRUNCATED);
	in->discarded = len - cut;
}

static void
ingest_end_discard(struct ingest *in)
{
	log_warnx("line longer than %d bytes: %zu bytes dropped",
	    PC_TEXT_MAX, in->discarded);
	in->discarding = 0;
	in->discarded = 0;
}

/*
 * On a shared FIFO, after framing: a partial line left in the buffer gets
 * a deadline, counted from when it began (ended: a line ended, so what is
 * left began in this read); none left, none needed.
 */
static void
ingest_partial_arm(struct ingest *in, int ended)
{
	if (ended)
		in->partial_expired = 0;
	if (evbuffer_get_length(in->buf) == 0 && !in->discarding) {
		if (in->partial_armed)
			event_del(in->partial_ev);
		in->partial_armed = 0;
		return;
	}
	if (ended || (!in->partial_armed && !in->partial_expired)) {
		if (event_add(in->partial_ev, &in->partial_tv) == -1)
			fatalx("cannot add the partial line timer");
		in->partial_armed = 1;
	}
}

/*
 * Hand every complete line in the buffer to line_cb.  A line longer than
 * PC_TEXT_MAX cannot have come from a well-behaved client (it would not
 * have been written atomically), so it is delivered cut, flagged, and the
 * rest of it up to the next '\n' is skipped: the next line stays intact.
 * This is a session's FIFO, one writer: the hot path of every chat line,
 * kept apart from the shared FIFO's framing below.
 */
static void
ingest_frame_single(struct ingest *in)
{
	struct evbuffer_ptr	 eol;
	size_t			 len, eol_len;
	unsigned char		*line;

	for (;;) {
		eol = evbuffer_search_eol(in->buf, NULL, &eol_len,
		    EVBUFFER_EOL_LF);
		if (eol.pos == -1) {
			len = evbuffer_get_length(in->buf);
			if (in->discarding) {
				in->discarded += len;
				evbuffer_drain(in->buf, len);
			} else if (len > PC_TEXT_MAX) {
				ingest_emit_truncated(in, len);
				evbuffer_drain(in->buf, len);
				in->discarding = 1;
			}
			return;
		}
		len = (size_t)eol.pos;
		if (in->discarding) {
			in->discarded += len;
			ingest_end_discard(in);
		} else if (len > PC_TEXT_MAX) {
			ingest_emit_truncated(in, len);
			ingest_end_discard(in);
		} else {
			line = evbuffer_pullup(in->buf, (ssize_t)len + 1);
			in->line_cb(in->arg, (char *)line, len, 0);
		}
		evbuffer_drain(in->buf, len + 1);
	}
}

/*
 * The same on a shared FIFO: a PROTO_CTL after a line's first byte ends
 * that line (and a skip) too, as it starts another writer's control line;
 * empty lines are not delivered; and a partial line left gets a deadline.
 */
static void
ingest_frame_shared(struct ingest *in)
{
	struct evbuffer_ptr	 eol;
	size_t			 len, eol_len;
	ssize_t			 ctl;
	unsigned char		*line;
	int			 cut, ended = 0;

	for (;;) {
		eol = evbuffer_search_eol(in->buf, NULL, &eol_len,
		    EVBUFFER_EOL_LF);
		len = eol.pos == -1 ? evbuffer_get_length(in->buf) :
		    (size_t)eol.pos;
		cut = 0;
		/*
		 * An empty line, such as each client write's '\n' in front
		 * makes, is nothing to deliver.
		 */
		if (eol.pos == 0 && !in->discarding) {
			ingest_consume(in, 1);
			ended = 1;
			continue;
		}
		if (in->discarding && ingest_starts_ctl(in))
			ctl = 0;
		else
			ctl = ingest_find_ctl(in, len);
		if (ctl != -1) {
			len = (size_t)ctl;
			cut = 1;
		}
		if (eol.pos == -1 && !cut) {
			if (in->discarding) {
				in->discarded += len;
				ingest_consume(in, len);
			} else if (len > PC_TEXT_MAX) {
				ingest_emit_truncated(in, len);
				ingest_consume(in, len);
				in->discarding = 1;
			}
			break;
		}
		if (in->discarding) {
			in->discarded += len;
			ingest_end_discard(in);
		} else if (len > PC_TEXT_MAX) {
			ingest_emit_truncated(in, len);
			ingest_end_discard(in);
		} else if (!cut && evbuffer_get_length(in->buf) > len + 1) {
			/*
			 * The next client write's '\n' in front usually
			 * follows: an empty line, taken with this one.
			 */
			line = evbuffer_pullup(in->buf, (ssize_t)len + 2);
			eol_len = line[len + 1] == '\n' ? 2 : 1;
			in->line_cb(in->arg, (char *)line, len, 0);
			ingest_consume(in, len + eol_len);
			ended = 1;
			continue;
		} else {
			line = evbuffer_pullup(in->buf, (ssize_t)len + 1);
			in->line_cb(in->arg, (char *)line, len,
			    cut ? INGEST_INCOMPLETE : 0);
		}
		ingest_consume(in, cut ? len : len + 1);
		ended = 1;
	}
	ingest_partial_arm(in, ended);
}

/* Frame what the buffer holds, as the stream's writers need. */
static void
ingest_frame(struct ingest *in)
{
	if (in->partial_ev != NULL)
		ingest_frame_shared(in);
	else
		ingest_frame_single(in);
}

/* Deliver what is buffered as it is, flagged, ending a skip. */
static void
ingest_emit_partial(struct ingest *in, int flags)
{
	size_t	len = evbuffer_get_length(in->buf);

	if (in->discarding) {
		in->discarded += len;
		ingest_end_discard(in);
	} else if (len > 0)
		in->line_cb(in->arg, (char *)evbuffer_pullup(in->buf, -1), len,
		    flags);
	ingest_consume(in, len);
	if (in->partial_ev != NULL) {
		if (in->partial_armed)
			event_del(in->partial_ev);
		in->partial_armed = 0;
		in->partial_expired = 0;
	}
}

/* At end of stream, a last line without '\n' is still a message. */
static void
ingest_flush_partial(struct ingest *in)
{
	ingest_emit_partial(in, 0);
}

/*
 * Read once.  Returns 1 when bytes came, 0 when the pipe is empty for now,
 * -1 at end of stream (errno 0) or on a read error (errno set).
 */
static int
ingest_read(struct ingest *in)
{
	struct evbuffer_iovec	v;
	ssize_t			n;

	/*
	 * Not evbuffer_read(): libevent 2.1 reads at most 4096 bytes per
	 * call whatever it is asked for.
	 */
	if (evbuffer_reserve_space(in->buf, INGEST_READ_MAX, &v, 1) < 1)
		fatalx("out of memory");
	n = read(in->fd, v.iov_base, INGEST_READ_MAX < v.iov_len ?
	    INGEST_READ_MAX : v.iov_len);
	if (n > 0) {
		v.iov_len = (size_t)n;
		if (evbuffer_commit_space(in->buf, &v, 1) == -1)
			fatalx("evbuffer_commit_space failed");
		ingest_frame(in);
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == 0)
		errno = 0;
	return -1;
}

static void
ingest_read_cb(int fd, short what, void *arg)
{
	struct ingest	*in = arg;

	(void)fd;
	(void)what;
	if (ingest_read(in) == -1) {
		int error = errno;

		ingest_flush_partial(in);
		in->eof_cb(in->arg, error);
	}
}

/*
 * A partial line on a shared FIFO waited too long.  The rest of a line
 * written whole would be in the pipe already: read that first, and if it
 * ends no line, deliver the partial one as it is.
 */
static void
ingest_partial_cb(int fd, short what, void *arg)
{
	struct ingest	*in = arg;

	(void)fd;
	(void)what;
	in->partial_armed = 0;
	in->partial_expired = 1;
	if (event_pending(in->ev, EV_READ, NULL) && ingest_read(in) == -1) {
		int error = errno;

		ingest_flush_partial(in);
		in->eof_cb(in->arg, error);
		return;
	}
	if (in->partial_expired)
		ingest_emit_partial(in, INGEST_INCOMPLETE);
}

/*
 * Read and deliver what the pipe holds now, without waiting for more:
 * used when a stream ends for another reason (shutdown, a client gone)
 * so that nothing already written is lost.  At most max_reads reads, so a
 * writer that keeps writing cannot keep us here.  Returns -1 if the
 * stream ended (every writer gone, or an error), else 0.
 */
int
ingest_drain(struct ingest *in, int max_reads)
{
	int	rc = 0;

	while (max_reads-- > 0 && (rc = ingest_read(in)) == 1)
		;
	ingest_flush_partial(in);
	return rc == -1 ? -1 : 0;
}
