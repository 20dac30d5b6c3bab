/* SPDX-License-Identifier: ISC */
/* Where messages are printed: one line each on an fd, in batches. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "pclimits.h"
#include "log.h"
#include "message.h"
#include "output.h"
#include "xmalloc.h"

/*
 * Lines are gathered and written together, at the latest when the loop
 * has run the callbacks that are ready; past this much they are written
 * at once so that memory stays bounded under a flood.
 */
#define OUTPUT_BATCH_MAX	65536

/* "2026-12-02T04:01:29+01:00 ": RFC 3339, local time, and a space. */
#define OUTPUT_STAMP_MAX	32

struct output {
	int		 fd;		/* borrowed */
	int		 journal;	/* fd is the journal: send fields */
	int		 stamp;		/* put the time in front of lines */
	long long	 stamp_time;	/* ... stamp_buf is for this second */
	char		 stamp_buf[OUTPUT_STAMP_MAX];
	size_t		 stamp_len;
	struct evbuffer	*buf;
	struct event	*flush_ev;	/* deferred flush of buf */
	int		 failed;
	output_fail_cb	 fail_cb;
	void		*arg;
};

static void	output_flush_cb(int, short, void *);

/*
 * Print to fd, without timestamps until output_timestamps; fail_cb is
 * called once if writing it fails.
 */
struct output *
output_new(struct event_base *base, int fd, output_fail_cb fail_cb,
    void *arg)
{
	struct output	*out;

	out = xcalloc(1, sizeof *out);
	out->fd = fd;
#ifdef HAVE_LIBSYSTEMD
	out->journal = log_fd_is_journal(fd);
#endif
	out->fail_cb = fail_cb;
	out->arg = arg;
	out->stamp_time = -1;
	out->buf = evbuffer_new();
	out->flush_ev = event_new(base, -1, 0, output_flush_cb, out);
	if (out->buf == NULL || out->flush_ev == NULL)
		fatalx("output: out of memory");
	return out;
}

/*
 * [log] timestamps: the journal stamps every line itself (and keeps
 * each message's PIPECHAT_TIME), so "auto" adds a time only when the
 * fd is not the journal; anything else (a file, a pipe to a logger, a
 * terminal) gets one in front of each line.
 */
void
output_timestamps(struct output *out, int mode)
{
	switch (mode) {
	case CONFIG_TIMESTAMPS_YES:
		out->stamp = 1;
		break;
	case CONFIG_TIMESTAMPS_NO:
		out->stamp = 0;
		break;
	default:
		out->stamp = !out->journal;
		break;
	}
}

/* Whether lines get a time in front. */
int
output_stamps(const struct output *out)
{
	return out->stamp;
}

/* The time in front of a line: made once a second at most. */
static void
output_stamp(struct output *out, long long t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	long		off;
	size_t		n;

	if (t == out->stamp_time)
		return;
	out->stamp_time = t;
	if (localtime_r(&tt, &tm) == NULL ||
	    (n = strftime(out->stamp_buf, sizeof out->stamp_buf,
	    "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		out->stamp_len = 0;
		return;
	}
	off = tm.tm_gmtoff / 60;
	n += (size_t)snprintf(out->stamp_buf + n, sizeof out->stamp_buf - n,
	    "%c%02ld:%02ld ", off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
	out->stamp_len = n;
}

/* Free, dropping what is not yet written; NULL is fine. */
void
output_free(struct output *out)
{
	if (out == NULL)
		return;
	if (out->flush_ev != NULL)
		event_free(out->flush_ev);
	if (out->buf != NULL)
		evbuffer_free(out->buf);
	free(out);
}

/* Wait until a non-blocking fd takes more; errors show in the write. */
static void
output_wait(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };

	while (poll(&pfd, 1, -1) == -1 && errno == EINTR)
		;
}

/*
 * Write everything buffered.  This blocks while the reader is slow: the
 * daemon then stops reading the FIFO and writers block in turn, so that a
 * slow reader costs speed, never messages.  Returns -1 once the fd fails.
 */
int
output_flush(struct output *out)
{
	int	n;

	while (!out->failed && evbuffer_get_length(out->buf) > 0) {
		n = evbuffer_write(out->buf, out->fd);
		if (n >= 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			output_wait(out->fd);
			continue;
		}
		log_warn("cannot write messages to output");
		out->failed = 1;
		evbuffer_drain(out->buf, evbuffer_get_length(out->buf));
		out->fail_cb(out->arg);
	}
	return out->failed ? -1 : 0;
}

static void
output_flush_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	output_flush(arg);
}

#ifdef HAVE_LIBSYSTEMD
/*
 * Under systemd, send each message to the journal with fields of its
 * own, so that "journalctl -u pipechatd PIPECHAT_USER=alice" works.  If
 * that fails, the line goes to the fd (the journal's stream) after all.
 */
static int
output_journal(const struct message *m, const char *line, size_t len)
{
	int	rc;

	if (m->from != NULL)
		rc = sd_journal_send("MESSAGE=%.*s", (int)len, line,
		    "PRIORITY=%d", LOG_INFO,
		    "SYSLOG_IDENTIFIER=pipechatd",
		    "PIPECHAT_KIND=%s", message_kind_name(m->kind),
		    "PIPECHAT_USER=%s", m->from,
		    "PIPECHAT_UID=%u", (unsigned int)m->uid,
		    "PIPECHAT_TIME=%lld", m->time,
		    m->to != NULL ? "PIPECHAT_TO=%s" : NULL, m->to,
		    NULL);
	else
		rc = sd_journal_send("MESSAGE=%.*s", (int)len, line,
		    "PRIORITY=%d", LOG_INFO,
		    "SYSLOG_IDENTIFIER=pipechatd",
		    "PIPECHAT_KIND=%s", message_kind_name(m->kind),
		    "PIPECHAT_ANONYMOUS=1",
		    "PIPECHAT_TIME=%lld", m->time,
		    NULL);
	return rc < 0 ? -1 : 0;
}
#endif

/*
 * Queue one message, m formatted as text (by message_format), as a line,
 * after the time the daemon took it if timestamps are on.
 */
void
output_message(struct output *out, const struct message *m, const char *text,
    size_t len)
{
	if (out->failed)
		return;
#ifdef HAVE_LIBSYSTEMD
	if (out->journal && output_journal(m, text, len) == 0)
		return;
#else
	(void)m;
#endif
	if (out->stamp) {
		output_stamp(out, m->time);
		if (evbuffer_add(out->buf, out->stamp_buf, out->stamp_len) ==
		    -1)
			fatalx("output: out of memory");
	}
	if (evbuffer_add(out->buf, text, len) == -1 ||
	    evbuffer_add(out->buf, "\n", 1) == -1)
		fatalx("output: out of memory");

	if (evbuffer_get_length(out->buf) >= OUTPUT_BATCH_MAX)
		output_flush(out);
	else
		event_active(out->flush_ev, 0, 0);
}
