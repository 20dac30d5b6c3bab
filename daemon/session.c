/* SPDX-License-Identifier: ISC */
/* One client's session: its FIFO pair, identity, and outbound queue. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bucket.h"
#include "ingest.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "pclimits.h"
#include "sanitize.h"
#include "sessiondir.h"
#include "session.h"
#include "spare.h"
#include "xmalloc.h"

/*
 * The modes a client gives its FIFOs (see docs/PROTOCOL.md).  Group is
 * ours, through the setgid session directory; others get nothing.  Only
 * group and other bits are checked: the owner's are the owner's business.
 */
#define SESSION_IN_GROUP	S_IRGRP		/* we read what the client says */
#define SESSION_OUT_GROUP	S_IWGRP		/* we write what it hears */

/* When a session ends early, read at most a full pipe of what is left. */
#define SESSION_DRAIN_READS	2

/* How long an ended session may take to write its last "bye". */
#define SESSION_LINGER_SEC	2

/* Room for the "N messages dropped" line. */
#define SESSION_MARK_MAX	192

/* One write(2) to a client: what a default pipe holds. */
#define SESSION_WRITE_MAX	65536

/*
 * Refused and throttled sessions are logged one by one up to this many
 * per interval, then counted: anyone can write JOINs, the log must not
 * grow as fast.
 */
#define SESSION_LOG_BURST	20
#define SESSION_LOG_INTERVAL_MS	10000

/*
 * What session_tell formats, sanitised (up to 3 times as long), must fit
 * a line with its KIND word, space and '\n' (and the NUL of
 * session_send's snprintf), or session_send gives up with a fatal error.
 */
_Static_assert(PC_SANITIZED_MAX(SESSION_TELL_MAX) + PROTO_KIND_MAX +
    PROTO_FIELDS_MAX + 3 <= PROTO_OUT_LINE_MAX,
    "session_tell's line, with its FIELDS, fits");

struct session {
	TAILQ_ENTRY(session)	 entry;		/* in the set, lingering */
	struct session_set	*set;
	const struct session_cb	*cb;		/* the owner's */
	void			*cb_arg;
	struct event_base	*base;
	char			 id[PROTO_ID_MAX + 1];
	char			*name;		/* login name of uid */
	uid_t			 uid;		/* owner of both FIFOs */
	int			 flags;		/* PROTO_JOIN_* */
	int			 in_fd;		/* client -> daemon */
	int			 out_fd;	/* daemon -> client */
	struct stat		 in_st;
	struct stat		 out_st;
	struct ingest		*ingest;
	struct evbuffer		*outq;		/* bounded by queue_max */
	size_t			 queue_max;
	size_t			 pinned;	/* head of outq never dropped */
	unsigned long		 dropped;	/* lines trimmed, not yet told */
	struct bucket		 bucket;	/* lines it may send */
	int			 rate;		/* ... per second, for messages */
	int			 throttled;	/* over it: not reading .in */
	int			 throttle_told;	/* ... and the client knows */
	uint64_t		 throttle_last;	/* ... when it last was, ns */
	struct evbuffer		*held;		/* lines read, not yet allowed */
	struct event		*throttle_ev;	/* credit for the next one */
	struct event		*write_ev;	/* out_fd writable */
	int			 write_armed;	/* ... is being watched */
	int			 write_active;	/* ... or made active */
	struct event		*gone_ev;	/* out_fd lost its reader */
	struct event		*free_ev;	/* deferred free */
	int			 ended;		/* the owner was told */
	int			 quit;		/* sent /quit */
	int			 closing;
	int			 lingering;	/* ended; writing the last bye */
	int			 eof;		/* all input has been read */
	int			 eof_held;	/* ... but lines are held */
	int			 left;		/* ... up to the client's close */
	char			*reason;	/* why it ended, for "left" */
	int			 dirfd;		/* borrowed from the owner */
};

TAILQ_HEAD(session_list, session);

/*
 * What the sessions of one owner share: the logs of refusals and
 * throttling, and the sessions that have ended but linger to say bye.
 */
struct session_set {
	struct event_base	*base;
	struct lograte		*refusals;
	struct lograte		*throttled;
	struct session_list	 lingering;
	int			 nlingering;
};

static void	session_line_cb(void *, const char *, size_t, int);
static void	session_eof_cb(void *, int);
static void	session_write_cb(int, short, void *);
static void	session_gone_cb(int, short, void *);
static void	session_free_cb(int, short, void *);
static void	session_throttle_cb(int, short, void *);
static int	session_flush(struct session *);
static void	session_hold(struct session *, const char *, size_t, int);
static void	session_throttle(struct session *);
static void	session_throttle_wait(struct session *);
static void	session_release(struct session *, int);

/* A set for the sessions an owner will open on base. */
struct session_set *
session_set_new(struct event_base *base)
{
	struct session_set	*set;

	set = xcalloc(1, sizeof *set);
	set->base = base;
	TAILQ_INIT(&set->lingering);
	set->refusals = lograte_new(base, "refused sessions",
	    SESSION_LOG_BURST, SESSION_LOG_INTERVAL_MS);
	set->throttled = lograte_new(base, "throttled sessions",
	    SESSION_LOG_BURST, SESSION_LOG_INTERVAL_MS);
	return set;
}

/* Free the lingering sessions (their bye is given up), then set; NULL ok. */
void
session_set_free(struct session_set *set)
{
	struct session	*s;

	if (set == NULL)
		return;
	while ((s = TAILQ_FIRST(&set->lingering)) != NULL)
		session_free(s);
	lograte_free(set->throttled);
	lograte_free(set->refusals);
	free(set);
}

/*
 * How many sessions linger; *mine: how many of them uid's.  A lingering
 * session still holds its two fds, so the owner counts it against its
 * limits.
 */
int
session_set_lingering(const struct session_set *set, uid_t uid, int *mine)
{
	struct session	*s;

	*mine = 0;
	TAILQ_FOREACH(s, &set->lingering, entry) {
		if (s->uid == uid)
			(*mine)++;
	}
	return set->nlingering;
}

const char *
session_id(const struct session *s)
{
	return s->id;
}

const char *
session_name(const struct session *s)
{
	return s->name;
}

uid_t
session_uid(const struct session *s)
{
	return s->uid;
}

int
session_flags(const struct session *s)
{
	return s->flags;
}

/*
 * Is st a FIFO that only its owner and we can use in the expected way?
 * Returns NULL, or why not.
 */
static const char *
session_check_fifo(const struct stat *st, mode_t group_bits)
{
	if (!S_ISFIFO(st->st_mode))
		return "not a FIFO";
	if (st->st_nlink != 1)
		return "has other hard links";
	if (st->st_gid != getegid())
		return "not in the daemon's group";
	if ((st->st_mode & S_IRWXO) != 0)
		return "others have access";
	if ((st->st_mode & S_IRWXG) != group_bits)
		return "wrong group permission";
	return NULL;
}

/* Open name+suffix in the session directory; returns the fd or -1. */
static int
session_open_fifo(struct session *s, const char *suffix, int flags,
    struct stat *st)
{
	char	name[PROTO_ID_MAX + 8];

	snprintf(name, sizeof name, "%s%s", s->id, suffix);
	return sessiondir_open_fifo(s->dirfd, name, flags, st);
}

/*
 * Why name+suffix could not be opened (err is open's errno), in words
 * for the log and the client: what stands there, or what its mode does
 * not allow.  Returns a static buffer.
 */
static const char *
session_fifo_problem(struct session *s, const char *suffix, int err,
    const char *use)
{
	static char	 why[192];
	char		 name[PROTO_ID_MAX + 8];
	struct stat	 st;
	const char	*what = NULL;

	snprintf(name, sizeof name, "%s%s", s->id, suffix);
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			snprintf(why, sizeof why, "%s does not exist", name);
		else
			snprintf(why, sizeof why, "%s: %s", name,
			    strerror(errno));
		return why;
	}
	if (S_ISLNK(st.st_mode))
		what = "a symbolic link";
	else if (S_ISREG(st.st_mode))
		what = "a regular file";
	else if (S_ISDIR(st.st_mode))
		what = "a directory";
	else if (S_ISSOCK(st.st_mode))
		what = "a socket";
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		what = "a device";
	if (what != NULL)
		snprintf(why, sizeof why, "%s is %s, not a FIFO", name, what);
	else if (err == EACCES)
		snprintf(why, sizeof why, "%s: its mode %04o and group %u do "
		    "not let pipechatd %s it", name,
		    (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_gid,
		    use);
	else if (err == EINVAL)
		snprintf(why, sizeof why, "%s was replaced while being opened",
		    name);
	else
		snprintf(why, sizeof why, "%s: %s", name, strerror(err));
	return why;
}

/*
 * Tell a client we will not talk to why, if its outbound FIFO is open,
 * then free the session.  The owner may refuse one session_open gave it
 * (it is in no callback of the session's then).
 */
void
session_refuse(struct session *s, const char *why)
{
	if (s->name != NULL)
		lograte_warnx(s->set->refusals, "session %s: refused: %s (%s, "
		    "uid %u)", s->id, why, s->name, (unsigned int)s->uid);
	else
		lograte_warnx(s->set->refusals, "session %s: refused: %s",
		    s->id, why);
	/* Closing: the bye is queued, and session_free writes it. */
	s->closing = 1;
	if (s->out_fd != -1)
		session_send(s, PROTO_BYE, why, strlen(why));
	session_free(s);
}

/*
 * Open the FIFO pair a JOIN names (in the directory dirfd) and find out
 * who owns it.  The identity is the owner of both FIFOs as the kernel
 * records it: a client cannot claim a name, and cannot make FIFOs that
 * another user owns.  Returns NULL if the session cannot be had (the
 * client is told why when that is possible), or if it is lingering.
 * Then cb reports to arg.
 */
struct session *
session_open(struct session_set *set, int dirfd, const struct proto_join *j,
    const struct session_limits *limits, const struct session_cb *cb,
    void *arg)
{
	struct event_base	*base = set->base;
	struct session		*s;
	const char		*why, *name;

	TAILQ_FOREACH(s, &set->lingering, entry) {
		if (strcmp(s->id, j->id) == 0)
			return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->set = set;
	s->cb = cb;
	s->cb_arg = arg;
	s->base = base;
	s->dirfd = dirfd;
	s->in_fd = s->out_fd = -1;
	s->flags = j->flags;
	s->queue_max = limits->queue_max;
	s->rate = limits->rate;
	bucket_init(&s->bucket, limits->rate, limits->burst, bucket_now(base));
	memcpy(s->id, j->id, sizeof s->id);
	if ((s->outq = evbuffer_new()) == NULL)
		fatal("evbuffer_new");

	/* out first: if the client is not there to read, there is no one. */
	s->out_fd = session_open_fifo(s, PROTO_OUT_SUFFIX, O_WRONLY, &s->out_st);
	if (s->out_fd == -1 && (errno == EMFILE || errno == ENFILE) &&
	    spare_release()) {
		s->out_fd = session_open_fifo(s, PROTO_OUT_SUFFIX, O_WRONLY,
		    &s->out_st);
		/* Only into a FIFO that passes every check, as below. */
		if (s->out_fd == -1) {
			lograte_warnx(set->refusals, "session %s: refused: "
			    "no file descriptors left, even the reserve: %s",
			    s->id, strerror(errno));
			session_free(s);
		} else if ((why = session_check_fifo(&s->out_st,
		    SESSION_OUT_GROUP)) != NULL) {
			lograte_warnx(set->refusals, "session %s: refused: "
			    "%s (no file descriptors left; not answered)",
			    s->id, why);
			session_free(s);
		} else
			session_refuse(s, "pipechatd has no file descriptors "
			    "left; try again later");
		spare_reserve();
		return NULL;
	}
	if (s->out_fd == -1) {
		/*
		 * Anyone can send a JOIN: one nobody listens to is not worth
		 * a warning.  Any other: there is no way to answer, but the
		 * log says what stands there.
		 */
		if (errno == ENOENT || errno == ENXIO)
			log_debug("session %s: no client listening", s->id);
		else
			lograte_warnx(set->refusals, "session %s: cannot "
			    "open %s%s, so the JOIN is not answered: %s", s->id,
			    s->id, PROTO_OUT_SUFFIX, session_fifo_problem(s,
			    PROTO_OUT_SUFFIX, errno, "write"));
		session_free(s);
		return NULL;
	}
	if ((why = session_check_fifo(&s->out_st, SESSION_OUT_GROUP)) != NULL) {
		/*
		 * A second link may be to someone else's FIFO (where
		 * fs.protected_hardlinks is off): refuse without a word
		 * into it, or they would hear our "bye".
		 */
		if (s->out_st.st_nlink != 1) {
			lograte_warnx(set->refusals, "session %s: refused: "
			    "%s (not answered)", s->id, why);
			session_free(s);
			return NULL;
		}
		session_refuse(s, why);
		return NULL;
	}
	s->in_fd = session_open_fifo(s, PROTO_IN_SUFFIX, O_RDONLY, &s->in_st);
	if (s->in_fd == -1) {
		char	why_in[256];

		if (errno == EMFILE || errno == ENFILE)
			why = "pipechatd has no file descriptors left; try "
			    "again later";
		else {
			snprintf(why_in, sizeof why_in, "cannot open the "
			    "inbound FIFO: %s", session_fifo_problem(s,
			    PROTO_IN_SUFFIX, errno, "read"));
			why = why_in;
		}
		session_refuse(s, why);
		return NULL;
	}
	if ((why = session_check_fifo(&s->in_st, SESSION_IN_GROUP)) == NULL &&
	    s->in_st.st_uid != s->out_st.st_uid)
		why = "the two FIFOs have different owners";
	if (why == NULL) {
		s->uid = s->in_st.st_uid;
		if ((name = names_lookup(s->uid)) == NULL)
			why = "cannot look up your user name";
	}
	if (why != NULL) {
		session_refuse(s, why);
		return NULL;
	}
	s->name = xstrdup(name);

	s->ingest = ingest_new(base, s->in_fd, session_line_cb, session_eof_cb,
	    s);
	s->write_ev = event_new(base, s->out_fd, EV_WRITE | EV_PERSIST,
	    session_write_cb, s);
	/* A write-only pipe reports only POLLERR on EV_READ: reader gone. */
	s->gone_ev = event_new(base, s->out_fd, EV_READ | EV_PERSIST,
	    session_gone_cb, s);
	s->free_ev = event_new(base, -1, 0, session_free_cb, s);
	s->throttle_ev = evtimer_new(base, session_throttle_cb, s);
	if (s->ingest == NULL || s->write_ev == NULL || s->gone_ev == NULL ||
	    s->free_ev == NULL || s->throttle_ev == NULL ||
	    event_add(s->gone_ev, NULL) == -1)
		fatalx("session %s: cannot set up events", s->id);
	return s;
}

/* Watch for room in the client's pipe (on), or stop (off). */
static void
session_arm(struct session *s, int on)
{
	if (on && event_add(s->write_ev, NULL) == -1)
		fatalx("session %s: event_add failed", s->id);
	if (!on) {
		/* Also takes it off the active list. */
		event_del(s->write_ev);
		s->write_active = 0;
	}
	s->write_armed = on;
}

/* Remove the FIFOs (if still the ones we opened), close, free. */
void
session_free(struct session *s)
{
	char	name[PROTO_ID_MAX + 8];

	if (s == NULL)
		return;
	if (s->lingering) {
		TAILQ_REMOVE(&s->set->lingering, s, entry);
		s->set->nlingering--;
	}
	/* Best effort: a last "bye" is useful, waiting for it is not. */
	if (s->out_fd != -1 && evbuffer_get_length(s->outq) > 0)
		session_flush(s);
	ingest_free(s->ingest);
	if (s->write_ev != NULL)
		event_free(s->write_ev);
	if (s->gone_ev != NULL)
		event_free(s->gone_ev);
	if (s->free_ev != NULL)
		event_free(s->free_ev);
	if (s->throttle_ev != NULL)
		event_free(s->throttle_ev);
	if (s->held != NULL)
		evbuffer_free(s->held);
	if (s->in_fd != -1) {
		snprintf(name, sizeof name, "%s%s", s->id, PROTO_IN_SUFFIX);
		sessiondir_unlink(s->dirfd, name, &s->in_st);
		close(s->in_fd);
	}
	if (s->out_fd != -1) {
		snprintf(name, sizeof name, "%s%s", s->id, PROTO_OUT_SUFFIX);
		sessiondir_unlink(s->dirfd, name, &s->out_st);
		close(s->out_fd);
	}
	evbuffer_free(s->outq);
	free(s->name);
	free(s->reason);
	free(s);
}

/*
 * Remove whole lines from the front of the queue until need more bytes
 * fit under queue_max.  The pinned bytes at the front stay: the welcome,
 * or the rest of a line the client has already had part of.
 */
static void
session_trim(struct session *s, size_t need)
{
	struct evbuffer_ptr	 eol;
	struct evbuffer		*head = NULL;
	size_t			 eol_len;

	if (s->pinned > 0) {
		if ((head = evbuffer_new()) == NULL ||
		    evbuffer_remove_buffer(s->outq, head, s->pinned) == -1)
			fatalx("out of memory");
	}
	while (evbuffer_get_length(s->outq) > 0 &&
	    evbuffer_get_length(s->outq) + need +
	    (head != NULL ? evbuffer_get_length(head) : 0) +
	    SESSION_MARK_MAX > s->queue_max) {
		eol = evbuffer_search_eol(s->outq, NULL, &eol_len,
		    EVBUFFER_EOL_LF);
		if (eol.pos == -1)
			break;
		evbuffer_drain(s->outq, (size_t)eol.pos + 1);
		s->dropped++;
	}
	if (head != NULL) {
		if (evbuffer_prepend_buffer(s->outq, head) == -1)
			fatalx("out of memory");
		evbuffer_free(head);
	}
}

/* Forget what is queued, but the pinned head (the rest of a line). */
static void
session_drop_unsent(struct session *s)
{
	size_t	len = evbuffer_get_length(s->outq);

	if (len > s->pinned) {
		struct evbuffer	*rest;

		if ((rest = evbuffer_new()) == NULL ||
		    evbuffer_remove_buffer(s->outq, rest, s->pinned) == -1)
			fatalx("out of memory");
		evbuffer_drain(s->outq, evbuffer_get_length(s->outq));
		evbuffer_add_buffer(s->outq, rest);
		evbuffer_free(rest);
	}
	s->dropped = 0;
}

/*
 * The FIELDS word and its space for a line made now, for a session that
 * joined with "fields"; an empty string for one that did not.
 */
static const char *
session_fields(struct session *s, char *buf, size_t size)
{
	struct proto_fields	f = { .time = PROTO_TIME_NONE };
	struct timeval		tv;
	int			n;

	buf[0] = '\0';
	if (!(s->flags & PROTO_JOIN_FIELDS))
		return buf;
	if (event_base_gettimeofday_cached(s->base, &tv) == 0)
		f.time = (long long)tv.tv_sec;
	if ((n = proto_format_fields(buf, size - 1, &f)) == -1)
		fatalx("session %s: FIELDS do not fit", s->id);
	buf[n] = ' ';
	buf[n + 1] = '\0';
	return buf;
}

/*
 * Queue "KIND text" (with FIELDS in between, stamped now, for a session
 * that joined with "fields") for the client.  A client that lets
 * queue_max bytes pile up loses the oldest of them, and is told how many
 * at the place they were: memory stays bounded, nobody else waits for
 * it, and it can still talk.
 */
void
session_send(struct session *s, enum proto_kind kind, const char *text,
    size_t len)
{
	char	line[PROTO_OUT_LINE_MAX + 1];	/* and snprintf's NUL */
	char	fields[PROTO_FIELDS_MAX + 2];
	int	n;

	n = snprintf(line, sizeof line, "%s %s%.*s\n", proto_kind_name(kind),
	    session_fields(s, fields, sizeof fields), (int)len, text);
	if (n < 0 || (size_t)n >= sizeof line)
		fatalx("session %s: line too long", s->id);
	session_send_line(s, kind, line, (size_t)n);
}

/* Queue a line already framed as "KIND TEXT\n" (see session_send). */
void
session_send_line(struct session *s, enum proto_kind kind, const char *line,
    size_t need)
{
	if (s->closing && kind != PROTO_BYE)
		return;
	/*
	 * Before dropping anything, give the pipe what it takes: a burst the
	 * client's pipe can hold is not the client's fault.
	 */
	if (evbuffer_get_length(s->outq) + need > s->queue_max &&
	    session_flush(s) == -1) {
		session_close(s, errno == EPIPE ? "stopped listening" :
		    strerror(errno));
		return;
	}
	if (evbuffer_get_length(s->outq) + need > s->queue_max)
		session_trim(s, need);
	if (evbuffer_add(s->outq, line, need) == -1)
		fatalx("out of memory");
	/* The client waits for these: they are never dropped. */
	if (kind == PROTO_WELCOME || kind == PROTO_BYE)
		s->pinned = evbuffer_get_length(s->outq);
	/*
	 * Written once the loop is done with what it is reading now, in the
	 * same loop pass: one write per burst, without waiting a pass for
	 * EV_WRITE.
	 */
	if (!s->closing && !s->write_armed && !s->write_active) {
		s->write_active = 1;
		event_active(s->write_ev, EV_WRITE, 0);
	}
}

/*
 * Tell one session something: an error, a /who answer.  What is told may
 * quote the client's own bytes or names from passwd, so it is made safe.
 */
void
session_tell(struct session *s, enum proto_kind kind, const char *fmt, ...)
{
	char	buf[SESSION_TELL_MAX + 1];
	char	safe[PC_SANITIZED_MAX(SESSION_TELL_MAX)];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	session_send(s, kind, safe, sanitize(safe, buf, (size_t)n));
}

/*
 * Write what the pipe takes, whole lines or not.  Where lines were
 * dropped and the queue starts on a line boundary, the client first
 * hears how many it missed.  Returns -1 if the client is gone.
 */
static int
session_flush(struct session *s)
{
	char			 mark[SESSION_MARK_MAX];
	char			 fields[PROTO_FIELDS_MAX + 2];
	struct evbuffer_ptr	 eol, pos;
	unsigned char		*p;
	size_t			 len, eol_len;
	ssize_t			 n;
	int			 m;

	if (s->dropped > 0 && s->pinned == 0) {
		m = snprintf(mark, sizeof mark, "%s %s" PROTO_NOTICE " %lu "
		    "message%s dropped: you were not reading fast enough\n",
		    proto_kind_name(PROTO_INFO),
		    session_fields(s, fields, sizeof fields), s->dropped,
		    s->dropped == 1 ? "" : "s");
		if (evbuffer_prepend(s->outq, mark, (size_t)m) == -1)
			fatalx("out of memory");
		s->pinned = (size_t)m;
		log_debug("%s: %lu messages dropped for session %s", s->name,
		    s->dropped, s->id);
		s->dropped = 0;
	}
	len = evbuffer_get_length(s->outq);
	if (len > SESSION_WRITE_MAX)
		len = SESSION_WRITE_MAX;
	if (len == 0)
		return 0;
	p = evbuffer_pullup(s->outq, (ssize_t)len);
	n = write(s->out_fd, p, len);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	s->pinned = s->pinned > (size_t)n ? s->pinned - (size_t)n : 0;
	if (p[n - 1] != '\n' && s->pinned == 0) {
		/* The client has part of a line: the rest must follow. */
		if (evbuffer_ptr_set(s->outq, &pos, (size_t)n,
		    EVBUFFER_PTR_SET) == -1)
			fatalx("evbuffer_ptr_set failed");
		eol = evbuffer_search_eol(s->outq, &pos, &eol_len,
		    EVBUFFER_EOL_LF);
		if (eol.pos == -1)
			fatalx("session %s: queue without a line end", s->id);
		s->pinned = (size_t)eol.pos + 1 - (size_t)n;
	}
	evbuffer_drain(s->outq, (size_t)n);
	return 0;
}

/* The client sent /quit: end the session, drop what it sends after. */
void
session_quit(struct session *s)
{
	s->quit = 1;
	session_close(s, NULL);
}

/*
 * End the session: stop reading and writing now, free it from a fresh
 * callback (never inside one of its own), where the owner hears of it.
 */
void
session_close(struct session *s, const char *reason)
{
	if (s->closing)
		return;
	s->closing = 1;
	if (reason != NULL)
		s->reason = xstrdup(reason);
	ingest_pause(s->ingest);
	session_arm(s, 0);
	event_del(s->gone_ev);
	event_active(s->free_ev, 0, 0);
}

/*
 * Deliver what the client wrote before the session ended for another
 * reason.  Returns 1 if that reached the end of its input.
 */
int
session_drain(struct session *s)
{
	if (!s->eof && ingest_drain(s->ingest, SESSION_DRAIN_READS) == -1)
		s->eof = 1;
	session_release(s, 1);
	return s->eof;
}

/*
 * The session has ended: deliver what the client wrote, tell the owner.
 * A client that left (end of input, /quit) is then told "bye" so that it
 * knows all it said was taken; a dead client is not, and that is how it
 * (or whoever waits for it) can tell.  The session lingers, at most
 * SESSION_LINGER_SEC, until the bye is written.
 */
static void
session_free_cb(int fd, short what, void *arg)
{
	struct session	*s = arg;
	struct timeval	 tv = { SESSION_LINGER_SEC, 0 };

	(void)fd;
	(void)what;
	if (s->lingering) {
		session_free(s);
		return;
	}
	session_drain(s);
	s->ended = 1;
	s->cb->end(s->cb_arg, s->reason);
	if (!s->left && !s->quit) {
		session_free(s);
		return;
	}
	/* What others said is of no use to a client that has left. */
	session_drop_unsent(s);
	session_send(s, PROTO_BYE, PROTO_BYE_LEFT, sizeof PROTO_BYE_LEFT - 1);
	if (session_flush(s) == -1 || evbuffer_get_length(s->outq) == 0) {
		session_free(s);
		return;
	}
	s->lingering = 1;
	TAILQ_INSERT_TAIL(&s->set->lingering, s, entry);
	s->set->nlingering++;
	log_debug("session %s: lingering to say bye", s->id);
	session_arm(s, 1);
	event_add(s->free_ev, &tv);
}

/*
 * A line from the client, within its rate: the owner hears it.  Over the
 * rate, it is held, and so is everything after it, until the bucket has
 * credit again; meanwhile .in is not read, so a flooding client waits in
 * write(2) and nothing it says is lost, nor anybody else slowed down.
 */
static void
session_line_cb(void *arg, const char *line, size_t len, int flags)
{
	struct session	*s = arg;

	/* Nothing is said after /quit, or once the session has ended. */
	if (s->ended || s->quit)
		return;
	if (!s->throttled && bucket_take(&s->bucket, s->base)) {
		s->cb->line(s->cb_arg, line, len, flags);
		return;
	}
	if (!s->throttled)
		session_throttle(s);
	session_hold(s, line, len, flags);
}

/* The client closed its end (quit or died), or reading failed. */
static void
session_eof_cb(void *arg, int error)
{
	struct session	*s = arg;

	s->eof = 1;
	s->left = error == 0;
	/* A client that left said all this: it is heard first, at its rate. */
	if (error == 0 && s->throttled) {
		s->eof_held = 1;
		ingest_pause(s->ingest);
		return;
	}
	session_close(s, error != 0 ? strerror(error) : NULL);
}

/* A held line: this, then len bytes. */
struct session_held {
	size_t	len;
	int	flags;
};

/* Keep a line, with its flags, for when the bucket allows it. */
static void
session_hold(struct session *s, const char *line, size_t len, int flags)
{
	struct session_held	h = { .len = len, .flags = flags };

	if (s->held == NULL && (s->held = evbuffer_new()) == NULL)
		fatalx("out of memory");
	if (evbuffer_add(s->held, &h, sizeof h) == -1 ||
	    evbuffer_add(s->held, line, len) == -1)
		fatalx("out of memory");
}

/*
 * Over the rate: stop reading .in, tell the client once per episode (an
 * episode ends when the client has not been held back for as long as its
 * bucket takes to fill), and wait for credit.
 */
static void
session_throttle(struct session *s)
{
	uint64_t	now = bucket_now(s->base);
	char		msg[160];
	int		n;

	s->throttled = 1;
	ingest_pause(s->ingest);
	if (!s->throttle_told || now - s->throttle_last >= s->bucket.cap) {
		s->throttle_told = 1;
		n = snprintf(msg, sizeof msg, "you are sending more than %d "
		    "lines a second: the rest is delayed until the rate "
		    "allows it", s->rate);
		session_send(s, PROTO_ERROR, msg, (size_t)n);
		lograte_warnx(s->set->throttled, "session %s: %s (uid %u) "
		    "throttled: more than %d lines/s ([session] rate)", s->id,
		    s->name, (unsigned int)s->uid, s->rate);
	}
	s->throttle_last = now;
	session_throttle_wait(s);
}

/* Wake up when the bucket has credit for one more line. */
static void
session_throttle_wait(struct session *s)
{
	uint64_t	ns = bucket_wait(&s->bucket);
	struct timeval	tv = {
		.tv_sec = (time_t)(ns / 1000000000),
		.tv_usec = (suseconds_t)(ns % 1000000000 / 1000 + 1),
	};

	if (evtimer_add(s->throttle_ev, &tv) == -1)
		fatalx("session %s: evtimer_add failed", s->id);
}

/*
 * Deliver held lines while the bucket allows.  When they are all out,
 * read .in again (or end the session, if the client has left).  final:
 * the session is ending for another reason and cannot wait: what the
 * bucket does not allow is dropped, and logged.
 */
static void
session_release(struct session *s, int final)
{
	struct session_held	 h;
	unsigned char		*p;
	unsigned long		 dropped = 0;

	if (s->held == NULL || !s->throttled)
		return;
	s->throttle_last = bucket_now(s->base);
	while (evbuffer_get_length(s->held) > 0) {
		if (evbuffer_copyout(s->held, &h, sizeof h) != sizeof h)
			fatalx("session %s: held lines corrupt", s->id);
		/* As in session_line_cb: nothing after /quit. */
		if (s->ended || s->quit)
			;
		else if (bucket_take(&s->bucket, s->base)) {
			p = evbuffer_pullup(s->held,
			    (ssize_t)(sizeof h + h.len));
			s->cb->line(s->cb_arg, (char *)p + sizeof h, h.len,
			    h.flags);
		} else if (!final)
			break;
		else
			dropped++;
		evbuffer_drain(s->held, sizeof h + h.len);
	}
	if (dropped > 0)
		lograte_warnx(s->set->throttled, "session %s: %s (uid %u): %lu "
		    "lines over the rate dropped as the session ended", s->id,
		    s->name, (unsigned int)s->uid, dropped);
	if (evbuffer_get_length(s->held) > 0) {
		session_throttle_wait(s);
		return;
	}
	s->throttled = 0;
	event_del(s->throttle_ev);
	if (s->eof_held) {
		s->eof_held = 0;
		session_close(s, NULL);
	} else if (!s->closing && !final &&
	    ingest_resume(s->ingest, s->in_fd) == -1)
		fatalx("session %s: cannot watch %s%s", s->id, s->id,
		    PROTO_IN_SUFFIX);
}

static void
session_throttle_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_release(arg, 0);
}

/*
 * Room in the client's pipe, or lines were queued (made active): write
 * what the pipe takes; watch for room in it only while something is left.
 */
static void
session_write_cb(int fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	s->write_active = 0;
	if (session_flush(s) == -1) {
		if (s->lingering)
			event_active(s->free_ev, 0, 0);
		else
			session_close(s, errno == EPIPE ? "stopped listening" :
			    strerror(errno));
		return;
	}
	if (evbuffer_get_length(s->outq) == 0 && s->dropped == 0) {
		if (s->write_armed)
			session_arm(s, 0);
		if (s->lingering)
			event_active(s->free_ev, 0, 0);
	} else if (!s->write_armed)
		session_arm(s, 1);
}

/*
 * The client's read end closed.  If its write end closed too, it quit or
 * died, and that is an ordinary leave; if not, it stopped listening.
 */
static void
session_gone_cb(int fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	session_close(s, session_drain(s) ? NULL : "stopped listening");
}
