/* SPDX-License-Identifier: ISC */
/* A chat message as it travels from ingest to output, and how it reads. */
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

/*
 * Write m as one line of safe text (no '\n') into out, which must hold
 * MESSAGE_FORMAT_MAX bytes; returns its length.  Raw writers cannot be
 * identified and show as "(anonymous)": no login name has parentheses.
 * Joins and leaves start with "-->" and "<--", which only the daemon
 * writes; an action starts with "*": "/me left" cannot pass for a leave.
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
	}
	return "unknown";
}
