/* SPDX-License-Identifier: ISC */
/* The well-known FIFO: where raw writers' lines come in. */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "fifo.h"
#include "ingest.h"
#include "listener.h"
#include "log.h"
#include "lograte.h"
#include "message.h"
#include "proto.h"
#include "room.h"
#include "xmalloc.h"

/* How long to wait before trying again when the FIFO cannot be reopened. */
#define LISTENER_RETRY_SEC	1
/* At shutdown, read at most this many times 64 KiB of what is queued. */
#define LISTENER_DRAIN_READS	1024
/*
 * Ignored control lines are logged one a second at most, then counted: a
 * writer of junk (a lone 0x01 every 2 ms) must not flood the log.
 */
#define LISTENER_IGNORED_BURST	1
#define LISTENER_IGNORED_MS	1000

struct listener {
	struct fifo	*fifo;
	struct ingest	*ingest;
	struct room	*room;		/* borrowed */
	struct event	*retry_ev;
	struct lograte	*ignored;	/* control lines ignored */
	char		*path;		/* the path in use, fixed until restart */
};

static void	listener_line_cb(void *, const char *, size_t, int);
static void	listener_eof_cb(void *, int);
static void	listener_retry_cb(int, short, void *);

/*
 * Open the configured FIFO, or adopt listen_fd (>= 0) from systemd, and
 * hand what arrives on it to the room.  On failure *busy says whether it
 * was because another pipechatd reads the FIFO.
 */
struct listener *
listener_new(struct event_base *base, const struct config *conf,
    int listen_fd, struct room *room, int *busy, char **cause)
{
	struct listener	*l;
	int		 rc;

	*cause = NULL;
	*busy = 0;
	l = xcalloc(1, sizeof *l);
	l->room = room;
	l->path = xstrdup(conf->fifo_path);
	if (listen_fd >= 0)
		rc = fifo_adopt(listen_fd, conf->fifo_path, conf->fifo_mode,
		    conf->fifo_gid, &l->fifo, cause);
	else
		rc = fifo_open(conf->fifo_path, conf->fifo_mode, conf->fifo_gid,
		    &l->fifo, cause);
	if (rc != 0) {
		*busy = rc == -2;
		goto fail;
	}
	if (listen_fd >= 0)
		log_info("%s: using the FIFO passed by systemd", l->path);
	fifo_set_pipe_size(l->fifo, conf->fifo_pipe_size);
	l->ingest = ingest_new(base, fifo_fd(l->fifo), listener_line_cb,
	    listener_eof_cb, l);
	l->retry_ev = evtimer_new(base, listener_retry_cb, l);
	l->ignored = lograte_new(base, "ignored control lines",
	    LISTENER_IGNORED_BURST, LISTENER_IGNORED_MS);
	if (l->ingest == NULL || l->retry_ev == NULL || l->ignored == NULL ||
	    ingest_set_shared(l->ingest, INGEST_PARTIAL_MS) == -1)
		fatalx("%s: cannot watch the FIFO", l->path);
	return l;

fail:
	listener_free(l);
	return NULL;
}

/* Free, removing the FIFO if we created it; NULL is fine. */
void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->retry_ev != NULL)
		event_free(l->retry_ev);
	lograte_free(l->ignored);
	ingest_free(l->ingest);
	fifo_free(l->fifo);
	free(l->path);
	free(l);
}

/* Apply a new config's mode and group; the path needs a restart. */
int
listener_reconfigure(struct listener *l, const struct config *conf,
    char **cause)
{
	*cause = NULL;
	if (strcmp(l->path, conf->fifo_path) != 0)
		log_warnx("%s: new path %s takes effect at restart", l->path,
		    conf->fifo_path);
	if (fifo_apply(l->fifo, conf->fifo_mode, conf->fifo_gid, cause) == -1)
		return -1;
	fifo_set_pipe_size(l->fifo, conf->fifo_pipe_size);
	return 0;
}

/*
 * Stop taking new writers (remove the FIFO if it is ours), then print
 * what is already in the pipe.
 */
void
listener_shutdown(struct listener *l)
{
	fifo_unlink(l->fifo);
	ingest_drain(l->ingest, LISTENER_DRAIN_READS);
}

/*
 * A line from a raw writer is an anonymous message; a control line asks
 * for a session.
 */
static void
listener_line_cb(void *arg, const char *line, size_t len, int flags)
{
	struct listener		*l = arg;
	struct proto_join	 j;
	struct message		 m = {
		.kind = MESSAGE_CHAT,
		.text = line,
		.len = len,
		.flags = ((flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0) |
		    ((flags & INGEST_INCOMPLETE) ? MESSAGE_INCOMPLETE : 0),
	};

	if (len == 0)
		return;
	if (line[0] != PROTO_CTL) {
		room_broadcast(l->room, NULL, &m);
		return;
	}
	/* Its id could be cut short: it might name someone else's session. */
	if (flags & INGEST_INCOMPLETE) {
		lograte_warnx(l->ignored, "%s: incomplete control line ignored",
		    l->path);
		return;
	}
	if (proto_parse_join(line, len, &j) == -1) {
		lograte_warnx(l->ignored, "%s: malformed control line ignored",
		    l->path);
		return;
	}
	room_join(l->room, &j);
}

/* Every writer has gone: wait for the next one on a fresh open file. */
static void
listener_eof_cb(void *arg, int error)
{
	struct listener		*l = arg;
	struct timeval		 tv = { LISTENER_RETRY_SEC, 0 };

	if (error != 0)
		log_warnx("%s: read: %s", l->path, strerror(error));
	ingest_pause(l->ingest);
	if (fifo_reopen(l->fifo) == -1) {
		log_warn("%s: cannot reopen; retrying in %d s", l->path,
		    LISTENER_RETRY_SEC);
		if (evtimer_add(l->retry_ev, &tv) == -1)
			fatalx("%s: cannot schedule reopening", l->path);
		return;
	}
	if (ingest_resume(l->ingest, fifo_fd(l->fifo)) == -1)
		fatalx("cannot watch %s", l->path);
}

static void
listener_retry_cb(int fd, short what, void *arg)
{
	struct listener	*l = arg;

	(void)fd;
	(void)what;
	listener_eof_cb(l, 0);
}
