/* SPDX-License-Identifier: ISC */
/* The wire protocol between pipechat-client and pipechatd (docs/PROTOCOL.md). */
#include <stdio.h>
#include <string.h>

#include "proto.h"

#define PROTO_JOIN_WORD		"JOIN "
#define PROTO_QUIET_WORD	" quiet"
#define PROTO_REJOIN_WORD	" rejoin"

static const char *const proto_kind_names[] = {
	[PROTO_WELCOME] = "welcome",
	[PROTO_MSG] = "msg",
	[PROTO_INFO] = "info",
	[PROTO_ERROR] = "error",
	[PROTO_BYE] = "bye",
	[PROTO_ACTION] = "action",
};

_Static_assert(sizeof "welcome" - 1 == PROTO_KIND_MAX,
    "PROTO_KIND_MAX is the longest kind word");

/* An id names files in the session directory: no '/', no dot files. */
int
proto_valid_id(const char *id, size_t len)
{
	size_t	i;

	if (len == 0 || len > PROTO_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '_'))
			return 0;
	}
	return 1;
}

/*
 * Parse a control line (without '\n'): "\001JOIN ID", "\001JOIN ID quiet"
 * or "\001JOIN ID rejoin".
 * Returns 0, or -1 if it is not a valid JOIN.
 */
int
proto_parse_join(const char *line, size_t len, struct proto_join *j)
{
	const char	*id, *end = line + len;
	size_t		 idlen;

	memset(j, 0, sizeof *j);
	if (len < 1 || line[0] != PROTO_CTL)
		return -1;
	line++;
	if ((size_t)(end - line) < sizeof PROTO_JOIN_WORD - 1 ||
	    memcmp(line, PROTO_JOIN_WORD, sizeof PROTO_JOIN_WORD - 1) != 0)
		return -1;
	id = line + sizeof PROTO_JOIN_WORD - 1;
	for (idlen = 0; id + idlen < end && id[idlen] != ' '; idlen++)
		;
	if (!proto_valid_id(id, idlen))
		return -1;
	memcpy(j->id, id, idlen);
	line = id + idlen;
	if (line == end)
		return 0;
	if ((size_t)(end - line) == sizeof PROTO_QUIET_WORD - 1 &&
	    memcmp(line, PROTO_QUIET_WORD, sizeof PROTO_QUIET_WORD - 1) == 0) {
		j->flags |= PROTO_JOIN_QUIET;
		return 0;
	}
	if ((size_t)(end - line) == sizeof PROTO_REJOIN_WORD - 1 &&
	    memcmp(line, PROTO_REJOIN_WORD, sizeof PROTO_REJOIN_WORD - 1) == 0) {
		j->flags |= PROTO_JOIN_REJOIN;
		return 0;
	}
	return -1;
}

/*
 * Write the JOIN line as it goes to the well-known FIFO, in one write(2):
 * PROTO_FIFO_LEAD, then the line with its '\n'.  PROTO_JOIN_QUIET wins
 * over PROTO_JOIN_REJOIN.  Returns its length or -1.
 */
int
proto_format_join(char *buf, size_t size, const char *id, int flags)
{
	int	n;

	if (!proto_valid_id(id, strlen(id)))
		return -1;
	n = snprintf(buf, size, "%c%c%s%s%s\n", PROTO_FIFO_LEAD, PROTO_CTL,
	    PROTO_JOIN_WORD, id,
	    (flags & PROTO_JOIN_QUIET) ? PROTO_QUIET_WORD :
	    (flags & PROTO_JOIN_REJOIN) ? PROTO_REJOIN_WORD : "");
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

const char *
proto_kind_name(enum proto_kind kind)
{
	if (kind < 0 || kind >= PROTO_UNKNOWN)
		return "unknown";
	return proto_kind_names[kind];
}

/*
 * Read the KIND word of a daemon line; *textoff is where TEXT starts.
 * Returns PROTO_UNKNOWN for a kind this client does not know.
 */
enum proto_kind
proto_parse_kind(const char *line, size_t len, size_t *textoff)
{
	size_t	k, n;

	for (k = 0; k < PROTO_UNKNOWN; k++) {
		n = strlen(proto_kind_names[k]);
		if (len >= n && memcmp(line, proto_kind_names[k], n) == 0 &&
		    (len == n || line[n] == ' ')) {
			*textoff = len == n ? n : n + 1;
			return (enum proto_kind)k;
		}
	}
	*textoff = 0;
	return PROTO_UNKNOWN;
}
