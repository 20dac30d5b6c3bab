/* SPDX-License-Identifier: ISC */
/*
 * What a session's line means: a chat message, or a command.  Commands
 * are a table (tmux's cmd_entry): one entry is one command, and /help and
 * the hint for an unknown one are made from it.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ingest.h"
#include "message.h"
#include "proto.h"
#include "room.h"
#include "session.h"

/* An unknown command is quoted up to this many bytes. */
#define CMD_QUOTE_MAX	32

/* What a command is run with: who sent it, and its argument text. */
struct cmd_ctx {
	struct room	*room;
	struct session	*s;
	const char	*args;		/* after "/name ", not NUL-terminated */
	size_t		 len;		/* 0: none */
	int		 flags;		/* INGEST_* of the line */
};

struct cmd_entry {
	const char	*name;		/* after the '/' */
	const char	*usage;		/* its argument, or NULL */
	int		 args_min;	/* 1: the argument is required */
	void		(*exec)(const struct cmd_ctx *);
	const char	*help;
};

static void	cmd_who(const struct cmd_ctx *);
static void	cmd_me(const struct cmd_ctx *);
static void	cmd_msg(const struct cmd_ctx *);
static void	cmd_quit(const struct cmd_ctx *);
static void	cmd_help(const struct cmd_ctx *);

/* In the order /help and the unknown command's hint list them. */
static const struct cmd_entry cmd_table[] = {
	{ "who", NULL, 0, cmd_who,
	  "who is connected, told to you only" },
	{ "me", "ACTION", 1, cmd_me,
	  "show \"* NAME ACTION\" to everyone else" },
	{ "msg", "USER TEXT", 1, cmd_msg,
	  "say TEXT to USER only (every session of theirs)" },
	{ "quit", NULL, 0, cmd_quit,
	  "leave the room" },
	{ "help", NULL, 0, cmd_help,
	  "this list" },
};
#define CMD_COUNT	(sizeof cmd_table / sizeof cmd_table[0])

/* The command's name and usage: "/me ACTION". */
static int
cmd_usage(const struct cmd_entry *e, char *buf, size_t size)
{
	return snprintf(buf, size, "/%s%s%s", e->name,
	    e->usage != NULL ? " " : "", e->usage != NULL ? e->usage : "");
}

/* Gathers /who's answer. */
struct cmd_who_buf {
	char	 buf[SESSION_TELL_MAX + 1];
	size_t	 len;
	int	 full;
};

/* One session in /who's answer: its name, and how long it has been idle. */
static void
cmd_who_add(struct session *s, long long idle, void *arg)
{
	struct cmd_who_buf	*w = arg;
	char			 how[32];
	int			 n;

	if (w->full)
		return;
	message_idle(idle, how, sizeof how);
	n = snprintf(w->buf + w->len, sizeof w->buf - w->len, " %.*s%s",
	    MESSAGE_NAME_MAX, session_name(s), how);
	if (n < 0 || (size_t)n >= sizeof w->buf - w->len) {
		w->len = sizeof w->buf - 5;
		memcpy(w->buf + w->len, " ...", 4);
		w->len += 4;
		w->full = 1;
		return;
	}
	w->len += (size_t)n;
}

/* /who: the names in the room, to the one who asked. */
static void
cmd_who(const struct cmd_ctx *c)
{
	struct cmd_who_buf	w;
	int			n;

	n = snprintf(w.buf, sizeof w.buf, PROTO_NOTICE " %d connected:",
	    room_count(c->room));
	w.len = n > 0 ? (size_t)n : 0;
	w.full = 0;
	room_foreach(c->room, cmd_who_add, &w);
	session_tell(c->s, PROTO_INFO, "%.*s", (int)w.len, w.buf);
}

/* /me ACTION: an action, to everyone else. */
static void
cmd_me(const struct cmd_ctx *c)
{
	struct message	m = {
		.kind = MESSAGE_ACTION,
		.from = session_name(c->s),
		.uid = session_uid(c->s),
		.text = c->args,
		.len = c->len,
		.flags = (c->flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0,
	};

	room_broadcast(c->room, c->s, &m);
}

/*
 * /msg USER TEXT: TEXT to every session of USER's (the login name the
 * room shows), and back to the sender's; never in the history.
 */
static void
cmd_msg(const struct cmd_ctx *c)
{
	char		 to[MESSAGE_NAME_MAX * 4 + 1];
	const char	*text;
	size_t		 ulen, tlen, i;

	for (ulen = 0; ulen < c->len && c->args[ulen] != ' '; ulen++)
		;
	text = c->args + ulen;
	tlen = c->len - ulen;
	for (i = 0; i < tlen && text[i] == ' '; i++)
		;
	if (i == tlen) {
		session_tell(c->s, PROTO_ERROR, "/msg %.*s: no text to send: "
		    "/msg USER TEXT", (int)(ulen > CMD_QUOTE_MAX ?
		    CMD_QUOTE_MAX : ulen), c->args);
		return;
	}
	/* One space after the name; the rest is the text as typed. */
	text++;
	tlen--;
	if (ulen < sizeof to) {
		memcpy(to, c->args, ulen);
		to[ulen] = '\0';
	}
	if (ulen >= sizeof to || room_private(c->room, c->s, to, text, tlen,
	    (c->flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0) == -1)
		session_tell(c->s, PROTO_ERROR, "/msg: %.*s is not connected",
		    (int)(ulen > CMD_QUOTE_MAX ? CMD_QUOTE_MAX : ulen),
		    c->args);
}

/* /quit: end the session as closing ID.in would. */
static void
cmd_quit(const struct cmd_ctx *c)
{
	session_quit(c->s);
}

/* /help: one info line per command, from the table. */
static void
cmd_help(const struct cmd_ctx *c)
{
	char	usage[64];
	size_t	i;

	for (i = 0; i < CMD_COUNT; i++) {
		cmd_usage(&cmd_table[i], usage, sizeof usage);
		session_tell(c->s, PROTO_INFO, PROTO_NOTICE " %s: %s", usage,
		    cmd_table[i].help);
	}
	session_tell(c->s, PROTO_INFO, PROTO_NOTICE " //text: say \"/text\"");
}

/* Not a command (or without what it needs): say what there is. */
static void
cmd_unknown(struct session *s, const char *word, size_t len)
{
	char	hint[256], usage[64];
	size_t	i, hl = 0;
	int	n;

	for (i = 0; i < CMD_COUNT; i++) {
		cmd_usage(&cmd_table[i], usage, sizeof usage);
		n = snprintf(hint + hl, sizeof hint - hl, "%s, ", usage);
		if (n < 0 || (size_t)n >= sizeof hint - hl)
			break;
		hl += (size_t)n;
	}
	session_tell(s, PROTO_ERROR, "unknown command \"%.*s\": try %.*sor "
	    "//text to say \"/text\"", (int)(len > CMD_QUOTE_MAX ?
	    CMD_QUOTE_MAX : len), word, (int)hl, hint);
}

/*
 * A line from a session in room: a chat message, or a command if it
 * starts with '/'.  "//text" sends "/text" as a message.
 */
void
cmd_input(struct room *r, struct session *s, const char *line, size_t len,
    int flags)
{
	struct message		 m = {
		.kind = MESSAGE_CHAT,
		.from = session_name(s),
		.uid = session_uid(s),
		.text = line,
		.len = len,
		.flags = (flags & INGEST_TRUNCATED) ? MESSAGE_TRUNCATED : 0,
	};
	struct cmd_ctx		 c = { .room = r, .s = s, .flags = flags };
	const struct cmd_entry	*e;
	size_t			 cmdlen, i;

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
	for (i = 0; i < CMD_COUNT; i++) {
		e = &cmd_table[i];
		if (strlen(e->name) != cmdlen - 1 ||
		    memcmp(e->name, line + 1, cmdlen - 1) != 0)
			continue;
		if (cmdlen < len) {
			c.args = line + cmdlen + 1;
			c.len = len - cmdlen - 1;
		}
		if (c.len == 0 && e->args_min > 0)
			break;
		e->exec(&c);
		return;
	}
	cmd_unknown(s, line, cmdlen);
}
