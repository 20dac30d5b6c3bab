/* SPDX-License-Identifier: ISC */
/* Who is in the room, and fan-out of every message to them. */
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bucket.h"
#include "cmd.h"
#include "config.h"
#include "histstore.h"
#include "history.h"
#include "log.h"
#include "lograte.h"
#include "message.h"
#include "names.h"
#include "output.h"
#include "proto.h"
#include "room.h"
#include "session.h"
#include "sessiondir.h"
#include "xmalloc.h"

/* Refusals of raw writers' lines are logged at most this often. */
#define ROOM_LOG_INTERVAL_MS	10000

/* What every session hears when the daemon stops. */
#define ROOM_SHUTDOWN	PROTO_BYE_SHUTDOWN

/* Room in front of a line's text for "KIND FIELDS ". */
#define ROOM_HEAD	(PROTO_KIND_MAX + PROTO_FIELDS_MAX + 2)

_Static_assert(MESSAGE_FORMAT_MAX + 1 <= PROTO_TEXT_OUT_MAX,
    "a formatted message fits a line with KIND and FIELDS");

/* A session in the room; its callbacks' argument. */
struct room_member {
	TAILQ_ENTRY(room_member) entry;
	struct room		*room;
	struct session		*s;
	uid_t			 uid;
	int			 fields;	/* joined with "fields" */
	long long		 last;		/* said something, or joined */
};

static void	room_line_cb(void *, const char *, size_t, int);
static void	room_end_cb(void *, const char *);

static const struct session_cb room_session_cb = {
	.line = room_line_cb,
	.end = room_end_cb,
};

struct room {
	struct event_base	*base;
	struct output		*out;		/* borrowed */
	char			*dir;
	char			*fifo_path;	/* who may write it may chat */
	mode_t			 fifo_mode;	/* ... if it cannot be stat'd */
	gid_t			 fifo_gid;
	int			 dirfd;
	struct session_set	*sessions;	/* opened here; the lingering */
	TAILQ_HEAD(, room_member) members;	/* joined, in join order */
	int			 count;		/* joined */
	int			 nfields;	/* ... with "fields" */
	struct history		*history;
	char			*history_file;	/* [chat] history_file, or NULL */
	int			 keep_history;	/* ... written there at the end */
	char			*fline;		/* see room_broadcast */
	int			 stopping;	/* no joins; tell when empty */
	void			(*empty_cb)(void *);
	void			*empty_arg;
	unsigned long long	 messages;	/* said, since start */
	int			 max_clients;
	int			 max_per_user;
	struct session_limits	 limits;	/* of sessions joining now */
	int			 anonymous;	/* raw lines are shown */
	struct bucket		 anon_bucket;	/* ... this fast, all together */
	struct lograte		*anon_refused;
};

/*
 * An empty room; room_open_dir makes it ready for sessions, once the
 * well-known FIFO is ours (a refused start must leave no trace).
 */
struct room *
room_new(struct event_base *base, const struct config *conf,
    struct output *out)
{
	struct room	*r;

	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->out = out;
	r->dirfd = -1;
	TAILQ_INIT(&r->members);
	r->sessions = session_set_new(base);
	r->dir = xstrdup(conf->session_dir);
	r->fifo_path = xstrdup(conf->fifo_path);
	r->anon_refused = lograte_new(base, "anonymous lines not shown", 1,
	    ROOM_LOG_INTERVAL_MS);
	r->history = history_new(0, 0);
	r->fline = xmalloc(ROOM_HEAD + PROTO_TEXT_OUT_MAX + 1);
	room_reconfigure(r, conf);
	return r;
}

/*
 * Create or take over the session directory, and empty it; take back
 * the history the last pipechatd kept, and keep ours when we end.
 */
int
room_open_dir(struct room *r, char **cause)
{
	if (sessiondir_open(r->dir, &r->dirfd, cause) == -1)
		return -1;
	histstore_load(r->history, r->history_file);
	r->keep_history = 1;
	return 0;
}

/* Say goodbye to every session, remove their FIFOs, free; NULL is fine. */
void
room_free(struct room *r)
{
	struct room_member	*m;

	if (r == NULL)
		return;
	TAILQ_FOREACH(m, &r->members, entry)
		session_drain(m->s);
	while ((m = TAILQ_FIRST(&r->members)) != NULL) {
		TAILQ_REMOVE(&r->members, m, entry);
		/* room_stop said it already. */
		if (!r->stopping)
			session_send(m->s, PROTO_BYE, ROOM_SHUTDOWN,
			    sizeof ROOM_SHUTDOWN - 1);
		session_close(m->s, NULL);
		session_free(m->s);
		free(m);
	}
	session_set_free(r->sessions);
	if (r->dirfd != -1)
		close(r->dirfd);
	lograte_free(r->anon_refused);
	/* After the drain: what the last sessions said is in it. */
	if (r->keep_history)
		histstore_save(r->history, r->history_file);
	history_free(r->history);
	free(r->history_file);
	free(r->fline);
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
	struct room_member	*m;

	r->stopping = 1;
	r->empty_cb = empty_cb;
	r->empty_arg = arg;
	TAILQ_FOREACH(m, &r->members, entry)
		session_send(m->s, PROTO_BYE, ROOM_SHUTDOWN,
		    sizeof ROOM_SHUTDOWN - 1);
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
	history_resize(r->history, conf->history, conf->history_bytes);
	free(r->history_file);
	r->history_file = conf->history_file != NULL ?
	    xstrdup(conf->history_file) : NULL;
}

/* The time a line is stamped with: the loop's, one for all it does now. */
static long long
room_now(const struct room *r)
{
	struct timeval	tv;

	if (event_base_gettimeofday_cached(r->base, &tv) == -1)
		return PROTO_TIME_NONE;
	return (long long)tv.tv_sec;
}

/*
 * Write "KIND FIELDS " into buf so that it ends at ROOM_HEAD, where the
 * text is; returns where it starts.
 */
static size_t
room_head(char *buf, enum proto_kind kind, long long t, int flags)
{
	struct proto_fields	 f = { .time = t, .flags = flags };
	char			 fw[PROTO_FIELDS_MAX + 1];
	const char		*word = proto_kind_name(kind);
	size_t			 wlen = strlen(word), start;
	int			 n;

	if ((n = proto_format_fields(fw, sizeof fw, &f)) == -1)
		fatalx("FIELDS do not fit");
	start = ROOM_HEAD - (size_t)n - wlen - 2;
	memcpy(buf + start, word, wlen);
	buf[start + wlen] = ' ';
	memcpy(buf + start + wlen + 1, fw, (size_t)n);
	buf[ROOM_HEAD - 1] = ' ';
	return start;
}

/*
 * Queue text (safe, no '\n') for one session as a line of kind: with
 * FIELDS (time t, flags) if it joined with "fields", else without.  For
 * the lines that go to one or a few sessions: history, private messages.
 */
static void
room_send_one(struct room_member *m, enum proto_kind kind, long long t,
    int flags, const char *text, size_t len)
{
	static char	 buf[ROOM_HEAD + PROTO_TEXT_OUT_MAX + 1];
	const char	*word;
	size_t		 start, wlen;

	if (len > PROTO_TEXT_OUT_MAX)
		fatalx("room: a line of %zu bytes to send one session", len);
	memcpy(buf + ROOM_HEAD, text, len);
	buf[ROOM_HEAD + len] = '\n';
	if (m->fields)
		start = room_head(buf, kind, t, flags);
	else {
		word = proto_kind_name(kind);
		wlen = strlen(word);
		start = ROOM_HEAD - wlen - 1;
		memcpy(buf + start, word, wlen);
		buf[ROOM_HEAD - 1] = ' ';
	}
	session_send_line(m->s, kind, buf + start, ROOM_HEAD + len + 1 - start);
}

/* A history line, replayed to the session that joined (arg). */
static void
room_replay_cb(int kind, long long t, const char *text, size_t len,
    void *arg)
{
	room_send_one(arg, (enum proto_kind)kind, t, PROTO_FIELD_HISTORY, text,
	    len);
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
	static char	 why[256];
	struct stat	 st;
	uid_t		 uid = session_uid(s);

	switch (names_known(uid)) {
	case -1:
		return "cannot look up your user name";
	case 0:
		snprintf(why, sizeof why, "uid %u has no user name (no entry "
		    "in the password database)", (unsigned int)uid);
		return why;
	}
	if (uid == 0)
		return NULL;
	/* The FIFO as it is; the configured mode and group if it is gone. */
	if (stat(r->fifo_path, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		st.st_mode = r->fifo_mode;
		st.st_uid = geteuid();
		st.st_gid = r->fifo_gid;
	}
	if ((st.st_mode & S_IWOTH) ||
	    (uid == st.st_uid && (st.st_mode & S_IWUSR)))
		return NULL;
	if (st.st_mode & S_IWGRP) {
		switch (names_in_group(uid, st.st_gid)) {
		case 1:
			return NULL;
		case -1:
			return "cannot look up your groups";
		}
		snprintf(why, sizeof why, "%s may not chat: not in group %u "
		    "of %s", session_name(s), (unsigned int)st.st_gid,
		    r->fifo_path);
		return why;
	}
	snprintf(why, sizeof why, "%s may not chat: %s is not writable by "
	    "group or others", session_name(s), r->fifo_path);
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
	struct room_member	*m, *t;
	struct session		*s;
	struct message		 msg = { .kind = MESSAGE_JOIN };
	const char		*why;
	int			 mine, lingering;

	TAILQ_FOREACH(t, &r->members, entry) {
		if (strcmp(session_id(t->s), j->id) == 0) {
			log_debug("session %s: JOIN repeated, ignored", j->id);
			return;
		}
	}
	m = xcalloc(1, sizeof *m);
	m->room = r;
	s = session_open(r->sessions, r->dirfd, j, &r->limits,
	    &room_session_cb, m);
	if (s == NULL) {
		free(m);
		return;
	}
	m->s = s;
	m->uid = session_uid(s);
	/*
	 * A lingering session still holds its two fds: it counts against
	 * both limits until it is freed, or one user looping join-and-leave
	 * with a full .out could use up every fd.
	 */
	lingering = session_set_lingering(r->sessions, m->uid, &mine);
	if (r->stopping)
		why = ROOM_SHUTDOWN;
	else if ((why = room_may_chat(r, s)) != NULL)
		;
	else if (r->count + lingering >= r->max_clients)
		why = "the room is full (max_clients)";
	else {
		TAILQ_FOREACH(t, &r->members, entry) {
			if (t->uid == m->uid)
				mine++;
		}
		if (mine >= r->max_per_user)
			why = "too many sessions for this user (max_per_user)";
	}
	if (why != NULL) {
		session_refuse(s, why);
		free(m);
		return;
	}
	TAILQ_INSERT_TAIL(&r->members, m, entry);
	r->count++;
	m->fields = (session_flags(s) & PROTO_JOIN_FIELDS) != 0;
	r->nfields += m->fields;
	m->last = room_now(r);
	session_tell(s, PROTO_WELCOME, "%s", session_name(s));
	/*
	 * The history, before any live line.  Only with "fields": without
	 * its "h" a client could not tell it from what is said now.
	 */
	if ((session_flags(s) & (PROTO_JOIN_HISTORY | PROTO_JOIN_FIELDS |
	    PROTO_JOIN_QUIET)) == (PROTO_JOIN_HISTORY | PROTO_JOIN_FIELDS))
		history_foreach(r->history, room_replay_cb, m);
	log_debug("%s (uid %u) joined as session %s", session_name(s),
	    (unsigned int)m->uid, session_id(s));
	if (!(session_flags(s) & (PROTO_JOIN_QUIET | PROTO_JOIN_REJOIN))) {
		msg.from = session_name(s);
		msg.uid = m->uid;
		room_broadcast(r, s, &msg);
	}
}

/* A line from a member: what it means is cmd's business. */
static void
room_line_cb(void *arg, const char *line, size_t len, int flags)
{
	struct room_member	*m = arg;

	cmd_input(m->room, m->s, line, len, flags);
}

/*
 * A member's session has ended (it is freed, or lingers without us):
 * take it out, tell the rest who left and why.
 */
static void
room_end_cb(void *arg, const char *reason)
{
	struct room_member	*m = arg;
	struct room		*r = m->room;
	struct session		*s = m->s;
	struct message		 msg = { .kind = MESSAGE_LEAVE };

	TAILQ_REMOVE(&r->members, m, entry);
	r->nfields -= m->fields;
	free(m);
	r->count--;
	if (r->stopping && r->count == 0)
		r->empty_cb(r->empty_arg);
	/* At shutdown everybody goes; clients come back without a word. */
	if (r->stopping || (session_flags(s) & PROTO_JOIN_QUIET))
		return;
	msg.from = session_name(s);
	msg.uid = session_uid(s);
	if (reason != NULL) {
		msg.text = reason;
		msg.len = strlen(reason);
	}
	room_broadcast(r, NULL, &msg);
}

/*
 * Print m and send it to every session but the sender's: formatted once,
 * then queued for each; stamped with one time for all.  A session that
 * joined with "fields" gets "KIND FIELDS TEXT", also formatted once, and
 * its own message or action back, marked "self".  Messages and actions
 * are kept in the history.
 */
void
room_broadcast(struct room *r, struct session *from, const struct message *m)
{
	struct room_member	*t;
	struct message		 msg = *m;
	char			 line[PROTO_OUT_LINE_MAX];
	char			*text = r->fline + ROOM_HEAD;
	const char		*word;
	size_t			 wlen, len, start = 0;
	enum proto_kind		 kind;
	int			 said;

	/* No sender: a raw writer's line. */
	if (m->from == NULL && !room_anonymous_ok(r))
		return;
	said = m->kind == MESSAGE_CHAT || m->kind == MESSAGE_ACTION;
	if (said)
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
	msg.time = room_now(r);

	/* Formatted once: "KIND " + text + "\n", the text also printed. */
	memcpy(line, word, wlen);
	line[wlen] = ' ';
	len = message_format(&msg, line + wlen + 1);
	output_message(r->out, &msg, line + wlen + 1, len);
	if (said)
		history_add(r->history, kind, msg.time, line + wlen + 1, len);
	line[wlen + 1 + len] = '\n';
	/* ... and once with FIELDS in front, if anybody takes them. */
	if (r->nfields > 0) {
		memcpy(text, line + wlen + 1, len + 1);
		start = room_head(r->fline, kind, msg.time, 0);
	}
	/* A closing session takes nothing but its bye. */
	TAILQ_FOREACH(t, &r->members, entry) {
		if (t->s == from) {
			if (said)
				t->last = msg.time;
			continue;
		}
		if (t->fields)
			session_send_line(t->s, kind, r->fline + start,
			    ROOM_HEAD + len + 1 - start);
		else
			session_send_line(t->s, kind, line, wlen + len + 2);
	}
	/* The sender's own line, as the others got it: it was taken. */
	if (from != NULL && said && (session_flags(from) & PROTO_JOIN_FIELDS)) {
		start = room_head(r->fline, kind, msg.time, PROTO_FIELD_SELF);
		session_send_line(from, kind, r->fline + start,
		    ROOM_HEAD + len + 1 - start);
	}
}

/*
 * A private message from a member to every session of the user named to:
 * "alice -> you: text" to theirs, "-> bob: text" (marked "self") to every
 * session of the sender's, nothing to anybody else, never in the
 * history.  What is printed has no text: "alice -> bob: private message
 * (4 bytes)".  To oneself: one "-> alice: text" to each of one's
 * sessions.  Returns -1 if nobody of that name is in the room.
 */
int
room_private(struct room *r, struct session *from, const char *to,
    const char *text, size_t len, int flags)
{
	static char		 out[MESSAGE_FORMAT_MAX];
	static char		 mine[MESSAGE_FORMAT_MAX];
	static char		 theirs[MESSAGE_FORMAT_MAX];
	struct message		 msg = {
		.kind = MESSAGE_PRIVATE,
		.from = session_name(from),
		.uid = session_uid(from),
		.to = to,
		.text = text,
		.len = len,
		.flags = flags,
	};
	struct room_member	*t;
	size_t			 olen, mlen, tlen;
	int			 found = 0;

	TAILQ_FOREACH(t, &r->members, entry) {
		if (strcmp(session_name(t->s), to) == 0) {
			found = 1;
			break;
		}
	}
	if (!found)
		return -1;
	r->messages++;
	msg.time = room_now(r);
	olen = message_format(&msg, out);
	output_message(r->out, &msg, out, olen);
	mlen = message_format_private(&msg, MESSAGE_TO_SENDER, mine);
	tlen = message_format_private(&msg, MESSAGE_TO_ADDRESSEE, theirs);
	TAILQ_FOREACH(t, &r->members, entry) {
		if (t->uid == msg.uid) {
			if (t->s == from)
				t->last = msg.time;
			room_send_one(t, PROTO_PRIVATE, msg.time,
			    PROTO_FIELD_SELF, mine, mlen);
		} else if (strcmp(session_name(t->s), to) == 0)
			room_send_one(t, PROTO_PRIVATE, msg.time, 0, theirs,
			    tlen);
	}
	return 0;
}

/*
 * Call fn for each member's session, in join order, with how many
 * seconds it has been idle: since it last said something (a message, an
 * action, a private message), or joined.
 */
void
room_foreach(struct room *r, void (*fn)(struct session *, long long, void *),
    void *arg)
{
	struct room_member	*m;
	long long		 now = room_now(r);

	TAILQ_FOREACH(m, &r->members, entry)
		fn(m->s, now > m->last ? now - m->last : 0, arg);
}
