/* SPDX-License-Identifier: ISC */
/* A chat message as it travels from ingest to output, and how it reads. */
#include <stdio.h>
#include <string.h>

#include "message.h"
#include "proto.h"
#include "sanitize.h"
#include "utf8.h"

#define MESSAGE_ANONYMOUS	"(anonymous)"
#define MESSAGE_TRUNCATED_MARK	" [truncated]"
#define MESSAGE_INCOMPLETE_MARK	" [incomplete]"

static size_t
message_put(char *out, const char *s)
{
	size_t	len = strlen(s);

	memcpy(out, s, len);
	return len;
}

/* A login name, cut to MESSAGE_NAME_MAX bytes and made safe. */
static size_t
message_name(char *out, const char *name)
{
	return sanitize(out, name, utf8_cut(name, strlen(name),
	    MESSAGE_NAME_MAX));
}

/*
 * Write m as one line of safe text (no '\n') into out, which must hold
 * MESSAGE_FORMAT_MAX bytes; returns its length.  Raw writers cannot be
 * identified and show as "(anonymous)": no login name has parentheses.
 * Joins and leaves start with "-->" and "<--", which only the daemon
 * writes; an action starts with "*": "/me left" cannot pass for a leave.
 * A private message is the daemon's log line, without its text: "alice
 * -> bob: private message (5 bytes)".
 */
size_t
message_format(const struct message *m, char *out)
{
	const char	*from = m->from != NULL ? m->from : MESSAGE_ANONYMOUS;
	size_t		 len = 0, fromlen;

	fromlen = utf8_cut(from, strlen(from), MESSAGE_NAME_MAX);
	switch (m->kind) {
	case MESSAGE_CHAT:
		break;
	case MESSAGE_PRIVATE:
		len = message_name(out, from);
		len += message_put(out + len, " -> ");
		len += message_name(out + len, m->to);
		return len + (size_t)snprintf(out + len, 64,
		    ": private message (%zu byte%s)", m->len,
		    m->len == 1 ? "" : "s");
	case MESSAGE_ACTION:
		len += message_put(out, PROTO_ACTION_MARK " ");
		break;
	case MESSAGE_JOIN:
		len += message_put(out, PROTO_NOTICE_JOIN " ");
		break;
	case MESSAGE_LEAVE:
		len += message_put(out, PROTO_NOTICE_LEAVE " ");
		break;
	}
	len += sanitize(out + len, from, fromlen);
	switch (m->kind) {
	case MESSAGE_CHAT:
		len += message_put(out + len, ": ");
		break;
	case MESSAGE_ACTION:
		out[len++] = ' ';
		break;
	case MESSAGE_PRIVATE:
		break;
	case MESSAGE_JOIN:
		return len + message_put(out + len, " joined");
	case MESSAGE_LEAVE:
		len += message_put(out + len, " left");
		if (m->len == 0)
			return len;
		len += message_put(out + len, " (");
		len += sanitize(out + len, m->text, m->len);
		return len + message_put(out + len, ")");
	}
	len += sanitize(out + len, m->text, m->len);
	if (m->flags & MESSAGE_TRUNCATED)
		len += message_put(out + len, MESSAGE_TRUNCATED_MARK);
	if (m->flags & MESSAGE_INCOMPLETE)
		len += message_put(out + len, MESSAGE_INCOMPLETE_MARK);
	return len;
}

/*
 * A private message m as its sender's sessions see it ("-> bob: text",
 * MESSAGE_TO_SENDER) or the addressee's ("alice -> you: text"), into out
 * (MESSAGE_FORMAT_MAX bytes); returns its length.  It starts with "->"
 * or a login name, never like a notice.
 */
size_t
message_format_private(const struct message *m, int to, char *out)
{
	size_t	len = 0;

	if (to == MESSAGE_TO_SENDER) {
		len += message_put(out, "-> ");
		len += message_name(out + len, m->to);
	} else {
		len += message_name(out, m->from);
		len += message_put(out + len, " -> you");
	}
	len += message_put(out + len, ": ");
	len += sanitize(out + len, m->text, m->len);
	if (m->flags & MESSAGE_TRUNCATED)
		len += message_put(out + len, MESSAGE_TRUNCATED_MARK);
	return len;
}

/*
 * How long a session has been idle, as /who shows it after the name:
 * nothing under MESSAGE_IDLE_MIN seconds (it is there), then
 * " (idle 15s)", " (idle 5m)", " (idle 2h)", " (idle 3d)", rounded down.
 * Returns the length written into buf.
 */
int
message_idle(long long secs, char *buf, size_t size)
{
	int	n;

	if (secs < MESSAGE_IDLE_MIN)
		n = snprintf(buf, size, "%s", "");
	else if (secs < 60)
		n = snprintf(buf, size, " (idle %llds)", secs);
	else if (secs < 3600)
		n = snprintf(buf, size, " (idle %lldm)", secs / 60);
	else if (secs < 86400)
		n = snprintf(buf, size, " (idle %lldh)", secs / 3600);
	else
		n = snprintf(buf, size, " (idle %lldd)", secs / 86400);
	return n < 0 ? 0 : n;
}

/* A word for the kind, for structured logs. */
const char *
message_kind_name(enum message_kind kind)
{
	switch (kind) {
	case MESSAGE_CHAT:
		return "chat";
	case MESSAGE_ACTION:
		return "action";
	case MESSAGE_JOIN:
		return "join";
	case MESSAGE_LEAVE:
		return "leave";
	case MESSAGE_PRIVATE:
		return "private";
	}
	return "unknown";
}
