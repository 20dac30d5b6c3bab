/* SPDX-License-Identifier: ISC */
/* Who is in the room, and fan-out of every message to them. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bucket.h"
#include "cmd.h"
#include "config.h"
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

/* A session in the room; its callbacks' argument. */
struct room_member {
	TAILQ_ENTRY(room_member) entry;
	struct room		*room;
	struct session		*s;
	uid_t			 uid;
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
	session_tell(s, PROTO_WELCOME, "%s", session_name(s));
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
 * then queued for each.
 */
void
room_broadcast(struct room *r, struct session *from, const struct message *m)
{
	struct room_member	*t;
	char			 line[PROTO_OUT_LINE_MAX];
	const char		*word;
	size_t			 wlen, len;
	enum proto_kind		 kind;

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
	/* A closing session takes nothing but its bye. */
	TAILQ_FOREACH(t, &r->members, entry) {
		if (t->s != from)
			session_send_line(t->s, kind, line, len);
	}
}

/* Call fn for each member's session, in join order. */
void
room_foreach(struct room *r, void (*fn)(struct session *, void *), void *arg)
{
	struct room_member	*m;

	TAILQ_FOREACH(m, &r->members, entry)
		fn(m->s, arg);
}
