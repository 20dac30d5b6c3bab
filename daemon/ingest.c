/* One client byte stream (a FIFO's read end) framed into messages. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "ingest.h"
#include "pclimits.h"
#include "log.h"
#include "utf8.h"

/*
 * One read takes what a default-sized pipe holds, so a burst from many
 * writers costs one system call rather than one per message.
 */
#define INGEST_READ_MAX	65536

struct ingest {
	struct event	*ev;
	int		 fd;		/* borrowed: the owner closes it */
	struct evbuffer	*buf;		/* bytes not yet framed */
	int		 discarding;	/* skipping the tail of a long line */
	size_t		 discarded;	/* ... bytes skipped so far */
	ingest_line_cb	 line_cb;
	ingest_eof_cb	 eof_cb;
	void		*arg;
};

static void	ingest_read_cb(int, short, void *);

/*
 * Watch fd, which must be non-blocking, and call line_cb for each line and
 * eof_cb at end of stream.  The caller keeps ownership of fd.
 */
struct ingest *
ingest_new(struct event_base *base, int fd, ingest_line_cb line_cb,
    ingest_eof_cb eof_cb, void *arg)
{
	struct ingest	*in;

	if ((in = calloc(1, sizeof *in)) == NULL)
		return NULL;
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

/* Stop watching and free; NULL is fine.  Unframed bytes are dropped. */
void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	if (in->ev != NULL)
		event_free(in->ev);
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
 * Hand every complete line in the buffer to line_cb.  A line longer than
 * PC_TEXT_MAX cannot have come from a well-behaved client (it would not
 * have been written atomically), so it is delivered cut, flagged, and the
 * rest of it up to the next '\n' is skipped: the next line stays intact.
 */
static void
ingest_frame(struct ingest *in)
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

/* At end of stream, a last line without '\n' is still a message. */
static void
ingest_flush_partial(struct ingest *in)
{
	size_t	len = evbuffer_get_length(in->buf);

	if (in->discarding) {
		in->discarded += len;
		ingest_end_discard(in);
	} else if (len > 0)
		in->line_cb(in->arg, (char *)evbuffer_pullup(in->buf, -1), len,
		    0);
	evbuffer_drain(in->buf, len);
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
