/* SPDX-License-Identifier: ISC */
/* The wire protocol between pipechat-client and pipechatd (docs/PROTOCOL.md). */
#ifndef PC_PROTO_H
#define PC_PROTO_H

#include <stddef.h>

/*
 * A line on the well-known FIFO that starts with this byte is a control
 * line, not a chat message; nobody types it by accident.
 */
#define PROTO_CTL		'\001'

/*
 * Every write(2) to the well-known FIFO starts with this byte: it ends a
 * partial line that another writer may have left there (which the daemon
 * then shows on its own), so that such a line cannot swallow ours.  The
 * daemon ignores the empty line it makes when there was none.
 */
#define PROTO_FIFO_LEAD		'\n'

/* A session id: the client's random name for its pair of FIFOs. */
#define PROTO_ID_MAX		64
#define PROTO_IN_SUFFIX		".in"	/* client writes, daemon reads */
#define PROTO_OUT_SUFFIX	".out"	/* daemon writes, client reads */

/*
 * JOIN words after the id, in any order: "\001JOIN ID fields history".
 * A daemon ignores a word it does not know (a newer client's), so that
 * such a client can still join; an older daemon (before "fields") drops
 * the whole JOIN instead.
 */
#define PROTO_JOIN_QUIET	0x1	/* no joined/left notices */
#define PROTO_JOIN_REJOIN	0x2	/* back after a restart: no joined */
#define PROTO_JOIN_FIELDS	0x4	/* "KIND FIELDS TEXT"; own lines echoed */
#define PROTO_JOIN_HISTORY	0x8	/* the recent messages first */
/* The longest JOIN word ("history"). */
#define PROTO_JOIN_WORD_MAX	16

/*
 * A line from the daemon to a client is "KIND TEXT", TEXT already made
 * safe to print.  The longest is a sanitised PC_TEXT_MAX message with a
 * name in front; a client must take lines of PROTO_OUT_LINE_MAX bytes,
 * the '\n' included.
 */
#define PROTO_OUT_LINE_MAX	16384

/* The longest KIND word ("welcome", "private"). */
#define PROTO_KIND_MAX		7
/*
 * The FIELDS word a session that joined with "fields" gets between KIND
 * and TEXT: the longest a daemon writes.  A client takes longer ones.
 */
#define PROTO_FIELDS_MAX	48
/* TEXT fits a line with KIND, FIELDS, their spaces and the '\n'. */
#define PROTO_TEXT_OUT_MAX	\
	(PROTO_OUT_LINE_MAX - PROTO_KIND_MAX - PROTO_FIELDS_MAX - 3)

/*
 * How TEXT starts, so that nobody can imitate the daemon.  A chat message
 * starts with a login name (or "(anonymous)"), an action with "* ": no
 * text a user sends can start a line with one of the notice prefixes,
 * which only the daemon writes, and a client never starts a row of the
 * screen with a user's text (see client/display.c).
 */
#define PROTO_NOTICE_JOIN	"-->"	/* "--> alice joined" */
#define PROTO_NOTICE_LEAVE	"<--"	/* "<-- alice left (why)" */
#define PROTO_NOTICE		"-!-"	/* any other word of the daemon's */
#define PROTO_ACTION_MARK	"*"	/* "* alice waves", from /me */

/* The TEXT of the last "bye" of a session its client ended itself. */
#define PROTO_BYE_LEFT		"you left"
/*
 * The TEXT of the "bye" every session hears when the daemon stops: a
 * client waits for the next daemon and joins again, quietly.
 */
#define PROTO_BYE_SHUTDOWN	"pipechatd is shutting down"

enum proto_kind {
	PROTO_WELCOME,		/* session is open; TEXT is your name */
	PROTO_MSG,		/* a chat message, "NAME: text" */
	PROTO_INFO,		/* a notice: joined, left, /who, drops */
	PROTO_ERROR,		/* your last command failed: why */
	PROTO_BYE,		/* the daemon ends the session: why */
	PROTO_ACTION,		/* "* NAME does something", from /me */
	PROTO_PRIVATE,		/* "alice -> you: text", "-> bob: text" */
	PROTO_UNKNOWN
};

struct proto_join {
	char	id[PROTO_ID_MAX + 1];
	int	flags;
};

/*
 * The FIELDS word: items "KEY" or "KEY=VALUE" separated by ';', or "-"
 * for none; a client ignores the items it does not know.
 */
#define PROTO_FIELD_NONE	"-"
#define PROTO_TIME_NONE		(-1LL)
#define PROTO_FIELD_HISTORY	0x1	/* "h": from the history, before you joined */
#define PROTO_FIELD_SELF	0x2	/* "self": your own line, as others got it */

struct proto_fields {
	long long	time;	/* "t=SECONDS": Unix time the daemon took it */
	int		flags;	/* PROTO_FIELD_* */
};

int		 proto_valid_id(const char *, size_t);
int		 proto_parse_join(const char *, size_t, struct proto_join *);
int		 proto_format_join(char *, size_t, const char *, int);
const char	*proto_kind_name(enum proto_kind);
enum proto_kind	 proto_parse_kind(const char *, size_t, size_t *);
int		 proto_format_fields(char *, size_t, const struct proto_fields *);
size_t		 proto_parse_fields(const char *, size_t, struct proto_fields *);

#endif
