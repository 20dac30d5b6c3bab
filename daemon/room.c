/* Who is connected, what they may do, and fan-out of every message. */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "bucket.h"
#include "ingest.h"
#include "log.h"
#include "lograte.h"
#include "message.h"
#include "names.h"
#include "output.h"
#include "proto.h"
#include "room.h"
#include "sanitize.h"
#include "session.h"
#include "sessiondir.h"

/*
 * fds the daemon needs besides two per session: stdio, the FIFO and its
 * reopening, epoll, the session directory, the reserve fd, NSS lookups.
 */
#define ROOM_SPARE_FDS	16

/*
 * Refused sessions are logged one by one up to this many per interval,
 * then counted: anyone can write JOINs, the log must not grow as fast.
 */
#define ROOM_LOG_BURST		20
#define ROOM_LOG_INTERVAL_MS	10000

TAILQ_HEAD(session_list, session);

static void	room_flush_cb(int, short, void *);

struct room {
	struct event_base	*base;
	struct output		*out;		/* borrowed */
	char			*dir;
	char			*fifo_path;	/* who may write it may chat */
	mode_t			 fifo_mode;	/* ... if it cannot be stat'd */
	gid_t			 fifo_gid;
	struct lograte		*refusals;
	int			 dirfd;
	struct session_list	 sessions;	/* joined, in join order */
	struct session_list	 lingering;	/* left, saying the last bye */
	TAILQ_HEAD(, session)	 dirty;		/* have lines to write */
	struct event		*flush_ev;	/* writes them */
	int			 count;		/* joined */
	int			 nlingering;	/* ... and lingering */
	int			 stopping;	/* no joins; tell when empty */
	void			(*empty_cb)(void *);
	void			*empty_arg;
	unsigned long long	 messages;	/* said, since start */
	int			 max_clients;
	int			 max_per_user;
	struct session_limits	 limits;	/* of sessions joining now */
	int			 anonymous;	/* raw lines are shown */
	struct bucket		 anon_bucket;	/* ... this fast, all together */
	struct lograte		*throttled;
	struct lograte		*anon_refused;
};

/*
 * Every session costs two fds: raise the soft limit (and, when we may,
 * the hard one) so that max_clients sessions fit; else lower max_clients.
 */
static void
room_raise_nofile(struct room *r)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)r->max_clients * 2 + ROOM_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		struct rlimit	want = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	/* Refused (a hard limit above fs.nr_open): what is in force counts. */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < need) {
		int	fit = rl.rlim_cur > ROOM_SPARE_FDS + 2 ?
			    (int)((rl.rlim_cur - ROOM_SPARE_FDS) / 2) : 1;

		log_warnx("file descriptor limit %llu allows %d clients, not "
		    "max_clients = %d", (unsigned long long)rl.rlim_cur, fit,
		    r->max_clients);
		r->max_clients = fit > 0 ? fit : 1;
	}
}

/*
 * An empty room; room_open_dir makes it ready for sessions, once the
 * well-known FIFO is ours (a refused start must leave no trace).
 */
struct room *
room_new(struct event_base *base, const struct config *conf,
    struct output *out)
{
	struct room	*r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->base = base;
	r->out = out;
	r->dirfd = -1;
	TAILQ_INIT(&r->sessions);
	TAILQ_INIT(&r->lingering);
	TAILQ_INIT(&r->dirty);
	r->flush_ev = event_new(base, -1, 0, room_flush_cb, r);
	r->dir = strdup(conf->session_dir);
	r->fifo_path = strdup(conf->fifo_path);
	r->refusals = lograte_new(base, "refused sessions", ROOM_LOG_BURST,
	    ROOM_LOG_INTERVAL_MS);
	r->throttled = lograte_new(base, "throttled sessions", ROOM_LOG_BURST,
	    ROOM_LOG_INTERVAL_MS);
	r->anon_refused = lograte_new(base, "anonymous lines not shown", 1,
	    ROOM_LOG_INTERVAL_MS);
	if (r->flush_ev == NULL || r->dir == NULL || r->fifo_path == NULL ||
	    r->refusals == NULL || r->throttled == NULL ||
	    r->anon_refused == NULL) {
		room_free(r);
		return NULL;
	}
	room_reconfigure(r, conf);
	return r;
}

/* Create or take over the session directory, and empty it. */
int
room_open_dir(struct room *r, char **cause)
{
	return sessiondir_open(r->dir, &r->dirfd, cause);
}

/* Say goodbye to every session, remove their FIFOs, free; NULL is fine. */
void
room_free(struct room *r)
{
	struct session	*s;
	static const char bye[] = "pipechatd is shutting down";

	if (r == NULL)
		return;
	while ((s = TAILQ_FIRST(&r->lingering)) != NULL)
		session_free(s);
	TAILQ_FOREACH(s, &r->sessions, entry)
		session_drain(s);
	while ((s = TAILQ_FIRST(&r->sessions)) != NULL) {
		TAILQ_REMOVE(&r->sessions, s, entry);
		/* room_stop said it already. */
		if (!r->stopping)
			session_send(s, PROTO_BYE, bye, sizeof bye - 1);
		session_close(s, NULL);
		session_free(s);
	}
	if (r->dirfd != -1)
		close(r->dirfd);
	if (r->flush_ev != NULL)
		event_free(r->flush_ev);
	lograte_free(r->anon_refused);
	lograte_free(r->throttled);
	lograte_free(r->refusals);
	free(r->fifo_path);
	free(r->dir);
	free(r);
}

/*
 * The daemon is stopping: say bye to every session and keep reading
 * them until their clients close (which a client does on bye), then call
 * empty_cb.  Returns how many sessions are open; with 0, empty_cb is not
 * called.
 */
int
room_stop(struct room *r, void (*empty_cb)(void *), void *arg)
{
	struct session	*s;
	static const char bye[] = "pipechatd is shutting down";

	r->stopping = 1;
	r->empty_cb = empty_cb;
	r->empty_arg = arg;
	TAILQ_FOREACH(s, &r->sessions, entry)
		session_send(s, PROTO_BYE, bye, sizeof bye - 1);
	return r->count;
}

/* Limits apply to sessions that join from now on. */
void
room_reconfigure(struct room *r, const struct config *conf)
{
	if (r->dir != NULL && strcmp(r->dir, conf->session_dir) != 0)
		log_warnx("%s: new session directory %s takes effect at "
		    "restart", r->dir, conf->session_dir);
	r->fifo_mode = conf->fifo_mode;
	r->fifo_gid = conf->fifo_gid != (gid_t)-1 ? conf->fifo_gid : getegid();
	r->max_clients = conf->max_clients;
	r->max_per_user = conf->max_per_user;
	r->limits.queue_max = conf->queue_max;
	if (r->limits.rate != conf->rate || r->limits.burst != conf->burst)
		bucket_init(&r->anon_bucket, conf->rate, conf->burst,
		    bucket_now(r->base));
	r->limits.rate = conf->rate;
	r->limits.burst = conf->burst;
	r->anonymous = conf->anonymous;
	room_raise_nofile(r);
}

int
room_count(const struct room *r)
{
	return r->count;
}

unsigned long long
room_messages(const struct room *r)
{
	return r->messages;
}

/*
 * Tell one session something: an error, a /who answer.  What is told may
 * quote the client's own bytes or names from passwd, so it is made safe.
 */
/*
 * What room_tell formats, sanitised (up to 3 times as long), must fit a
 * line with its KIND word, space and '\n' (and the NUL of session_send's
 * snprintf), or session_send gives up with a fatal error.
 */
#define ROOM_TELL_MAX	(PROTO_TEXT_OUT_MAX / 3)
_Static_assert(PC_SANITIZED_MAX(ROOM_TELL_MAX) + PROTO_KIND_MAX + 2 <
    PROTO_OUT_LINE_MAX, "room_tell's line, and snprintf's NUL, fit");

static void __attribute__((format(printf, 3, 4)))
room_tell(struct session *s, enum proto_kind kind, const char *fmt, ...)
{
	char	buf[ROOM_TELL_MAX + 1], safe[PC_SANITIZED_MAX(ROOM_TELL_MAX)];
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
 * Refuse a session that opened fine: say why, then free it (it is not in
 * the room, and we are in the listener's callback, not the session's).
 */
static void
room_refuse(struct session *s, const char *why)
{
	room_log_refused(s->room, "session %s: refused: %s (%s, uid %u)",
	    s->id, why, s->name, (unsigned int)s->uid);
	s->closing = 1;
	session_send(s, PROTO_BYE, why, strlen(why));
	session_free(s);
}

/* Log a refused session, or count it when they come too fast. */
void
room_log_refused(struct room *r, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lograte_warnx(r->refusals, "%s", msg);
}

/* Log a throttled session, or count it when there are many. */
void
room_log_throttled(struct room *r, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lograte_warnx(r->throttled, "%s", msg);
}

/*
 * May a raw writer's line be shown?  Not with [fifo] anonymous = no.  Raw
 * writers cannot be told apart, so they share one bucket of the session
 * rate; lines past it are dropped, since the FIFO cannot be left unread
 * (JOINs come that way) and nobody can be told.  Both are logged as counts.
 */
static int
room_anonymous_ok(struct room *r)
{
	if (!r->anonymous) {
		if (lograte_allow(r->anon_refused))
			log_warnx("anonymous line refused ([fifo] anonymous "
			    "= no)");
		return 0;
	}
	if (!bucket_take(&r->anon_bucket, r->base)) {
		if (lograte_allow(r->anon_refused))
			log_warnx("anonymous line dropped: raw writers "
			    "together sent more than %d lines/s "
			    "([session] rate)", r->limits.rate);
		return 0;
	}
	return 1;
}

/*
 * May the owner of s chat?  Only a user with a passwd entry (a uid
 * without one, from a subordinate uid range for instance, would give one
 * person any number of names) who may write the well-known FIFO: root,
 * its owner, anyone if others may write, else a member of its group.
 * Returns NULL, or why not (in a static buffer).
 */
static const char *
room_may_chat(struct room *r, const struct session *s)
{
	static char	why[256];
	struct stat	st;

	switch (names_known(s->uid)) {
	case -1:
		return "cannot look up your user name";
	case 0:
		snprintf(why, sizeof why, "uid %u has no user name (no entry "
		    "in the password database)", (unsigned int)s->uid);
		return why;
	}
	if (s->uid == 0)
		return NULL;
	/* The FIFO as it is; the configured mode and group if it is gone. */
	if (stat(r->fifo_path, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		st.st_mode = r->fifo_mode;
		st.st_uid = geteuid();
		st.st_gid = r->fifo_gid;
	}
	if ((st.st_mode & S_IWOTH) ||
	    (s->uid == st.st_uid && (st.st_mode & S_IWUSR)))
		return NULL;
	if (st.st_mode & S_IWGRP) {
		switch (names_in_group(s->uid, st.st_gid)) {
		case 1:
			return NULL;
		case -1:
			return "cannot look up your groups";
		}
		snprintf(why, sizeof why, "%s may not chat: not in group %u "
		    "of %s", s->name, (unsigned int)st.st_gid, r->fifo_path);
		return why;
	}
	snprintf(why, sizeof why, "%s may not chat: %s is not writable by "
	    "group or others", s->name, r->fifo_path);
	return why;
}

/*
 * A JOIN arrived on the well-known FIFO.  Anybody can write one, naming
 * any id: what matters is who owns the FIFOs it names, which
 * session_open checks.  A JOIN for a session that is already open (the
 * same FIFO) changes nothing.
 */
void
room_join(struct room *r, const struct proto_join *j)
{
	struct session	*s, *t;
	struct message	 m = { .kind = MESSAGE_JOIN };
	const char	*why;
	int		 mine = 0;

	TAILQ_FOREACH(t, &r->sessions, entry) {
		if (strcmp(t->id, j->id) == 0) {
			log_debug("session %s: JOIN repeated, ignored", j->id);
			return;
		}
	}
	TAILQ_FOREACH(t, &r->lingering, entry) {
		if (strcmp(t->id, j->id) == 0)
			return;
	}
	if ((s = session_open(r, r->base, r->dirfd, j, &r->limits)) == NULL)
		return;
	if (r->stopping) {
		room_refuse(s, "pipechatd is shutting down");
		return;
	}
	if ((why = room_may_chat(r, s)) != NULL) {
		room_refuse(s, why);
		return;
	}
	/*
	 * A lingering session still holds its two fds: it counts against
	 * both limits until it is freed, or one user looping join-and-leave
	 * with a full .out could use up every fd.
	 */
	TAILQ_FOREACH(t, &r->sessions, entry) {
		if (t->uid == s->uid)
			mine++;
	}
	TAILQ_FOREACH(t, &r->lingering, entry) {
		if (t->uid == s->uid)
			mine++;
	}
	if (r->count + r->nlingering >= r->max_clients) {
		room_refuse(s, "the room is full (max_clients)");
		return;
	}
	if (mine >= r->max_per_user) {
		room_refuse(s, "too many sessions for this user (max_per_user)");
		return;
	}
	TAILQ_INSERT_TAIL(&r->sessions, s, entry);
	s->joined = 1;
	r->count++;
	room_tell(s, PROTO_WELCOME, "%s", s->name);
	log_debug("%s (uid %u) joined as session %s", s->name,
	    (unsigned int)s->uid, s->id);
	if (!(s->flags & PROTO_JOIN_QUIET)) {
		m.from = s->name;
		m.uid = s->uid;
		room_broadcast(r, s, &m);
	}
}

/*
 * s has lines queued: write them when the current callback is done, in
 * the same loop pass (flush_ev is made active, not waited for).
 */
void
room_mark_dirty(struct room *r, struct session *s)
{
	if (s->dirty)
		return;
	s->dirty = 1;
	TAILQ_INSERT_TAIL(&r->dirty, s, dirty_entry);
	event_active(r->flush_ev, 0, 0);
}

/* s is going away before it was written. */
void
room_unmark_dirty(struct room *r, struct session *s)
{
	TAILQ_REMOVE(&r->dirty, s, dirty_entry);
	s->dirty = 0;
}

static void
room_flush_cb(int fd, short what, void *arg)
{
	struct room	*r = arg;
	struct session	*s;

	(void)fd;
	(void)what;
	while ((s = TAILQ_FIRST(&r->dirty)) != NULL) {
		room_unmark_dirty(r, s);
		if (!s->closing)
			session_write(s);
	}
}

/* A session that has left lingers to say its last bye: the room owns it. */
void
room_linger(struct room *r, struct session *s)
{
	TAILQ_INSERT_TAIL(&r->lingering, s, entry);
	r->nlingering++;
	log_debug("session %s: lingering to say bye", s->id);
}

/* The lingering session is being freed. */
void
room_unlinger(struct room *r, struct session *s)
{
	TAILQ_REMOVE(&r->lingering, s, entry);
	r->nlingering--;
}

/* A session has ended (session_free follows): take it out, tell the rest. */
void
room_leave(struct room *r, struct session *s)
{
	struct message	m = { .kind = MESSAGE_LEAVE };

	if (!s->joined)
		return;
	s->joined = 0;
	TAILQ_REMOVE(&r->sessions, s, entry);
	r->count--;
	if (r->stopping && r->count == 0)
		r->empty_cb(r->empty_arg);
	if (s->flags & PROTO_JOIN_QUIET)
		return;
	m.from = s->name;
	m.uid = s->uid;
	if (s->reason != NULL) {
		m.text = s->reason;
		m.len = strlen(s->reason);
	}
	room_broadcast(r, NULL, &m);
}

/*
 * Print m and send it to every session but the sender's: formatted once,
 * then queued for each.
 */
void
room_broadcast(struct room *r, struct session *from, const struct message *m)
{
	struct session	*s;
	char		 line[PROTO_OUT_LINE_MAX];
	const char	*word;
	size_t		 wlen, len;
	enum proto_kind	 kind;

	/* No sender: a raw writer's line. */
	if (m->from == NULL && !room_anonymous_ok(r))
		return;
	if (m->kind == MESSAGE_CHAT || m->kind == MESSAGE_ACTION)
		r->messages++;
	switch (m->kind) {
	case MESSAGE_CHAT:
		kind = PROTO_MSG;
		break;
	case MESSAGE_ACTION:
		kind = PROTO_ACTION;
		break;
	default:
		kind = PROTO_INFO;
		break;
	}
	word = proto_kind_name(kind);
	wlen = strlen(word);

	/* Formatted once: "KIND " + text + "\n", the text also printed. */
	memcpy(line, word, wlen);
	line[wlen] = ' ';
	len = message_format(m, line + wlen + 1);
	output_message(r->out, m, line + wlen + 1, len);
	len += wlen + 1;
	line[len++] = '\n';
	TAILQ_FOREACH(s, &r->sessions, entry) {
		if (s != from && !s->closing)
			session_send_line(s, kind, line, len);
	}
}

/* /who: the names in the room, to the one who asked. */
static void
room_who(struct room *r, struct session *asker)
{
	char		 buf[ROOM_TELL_MAX + 1];
	struct session	*s;
	size_t		 len;
	int		 n;

	n = snprintf(buf, sizeof buf, PROTO_NOTICE " %d connected:", r->count);
	len = n > 0 ? (size_t)n : 0;
	TAILQ_FOREACH(s, &r->sessions, entry) {
		n = snprintf(buf + len, sizeof buf - len, " %.*s",
		    MESSAGE_NAME_MAX, s->name);
		if (n < 0 || (size_t)n >= sizeof buf - len) {
			len = sizeof buf - 5;
			memcpy(buf + len, " ...", 4);
			len += 4;
			break;
		}
		len += (size_t)n;
	}
	room_tell(asker, PROTO_INFO, "%.*s", (int)len, buf);
}

/*
 * A line from a session: a chat message, or a command if it starts with
 * '/'.  "//text" sends "/text" as a message.
 */
void
room_input(struct room *r, struct session *s, const char *line, size_t len,
    int flags)
{
	struct message	 m = {
		.kind = MESSAGE_CHAT,
		.from = s->name,
		.uid = s->uid,
		.text = line,
		.len = len,
		.flags = (flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0,
	};
	size_t		 cmdlen;

	if (len == 0)
		return;
	if (line[0] != '/' || (len > 1 && line[1] == '/')) {
		if (line[0] == '/') {
			m.text++;
			m.len--;
		}
		room_broadcast(r, s, &m);
		return;
	}
	for (cmdlen = 0; cmdlen < len && line[cmdlen] != ' '; cmdlen++)
		;
	if (cmdlen == 4 && memcmp(line, "/who", 4) == 0)
		room_who(r, s);
	else if (cmdlen == 3 && memcmp(line, "/me", 3) == 0 && len > 4) {
		m.kind = MESSAGE_ACTION;
		m.text = line + 4;
		m.len = len - 4;
		room_broadcast(r, s, &m);
	} else if (cmdlen == 5 && memcmp(line, "/quit", 5) == 0) {
		s->quit = 1;
		session_close(s, NULL);
	}
	else
		room_tell(s, PROTO_ERROR, "unknown command \"%.*s\": try /who, "
		    "/me ACTION, /quit, or //text to say \"/text\"",
		    (int)(cmdlen > 32 ? 32 : cmdlen), line);
}
