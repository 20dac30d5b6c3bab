/* SPDX-License-Identifier: ISC */
/* The wire protocol between pipechat-client and pipechatd (docs/PROTOCOL.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define PROTO_JOIN_WORD		"JOIN "

/* The JOIN words, in the order proto_format_join writes them. */
static const struct {
	const char	*word;
	int		 flag;
} proto_join_words[] = {
	{ "quiet", PROTO_JOIN_QUIET },
	{ "rejoin", PROTO_JOIN_REJOIN },
	{ "fields", PROTO_JOIN_FIELDS },
	{ "history", PROTO_JOIN_HISTORY },
};
#define PROTO_NJOIN_WORDS	(sizeof proto_join_words / sizeof proto_join_words[0])

static const char *const proto_kind_names[] = {
	[PROTO_WELCOME] = "welcome",
	[PROTO_MSG] = "msg",
	[PROTO_INFO] = "info",
	[PROTO_ERROR] = "error",
	[PROTO_BYE] = "bye",
	[PROTO_ACTION] = "action",
	[PROTO_PRIVATE] = "private",
};

_Static_assert(sizeof "welcome" - 1 == PROTO_KIND_MAX &&
    sizeof "private" - 1 == PROTO_KIND_MAX,
    "PROTO_KIND_MAX is the longest kind word");
_Static_assert(sizeof "t=-9223372036854775808;h;self" <= PROTO_FIELDS_MAX,
    "the longest FIELDS word a daemon writes fits PROTO_FIELDS_MAX");

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

/* A JOIN word: 1 to PROTO_JOIN_WORD_MAX of [a-z0-9_-]. */
static int
proto_valid_word(const char *w, size_t len)
{
	size_t	i;

	if (len == 0 || len > PROTO_JOIN_WORD_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9') || w[i] == '-' || w[i] == '_'))
			return 0;
	}
	return 1;
}

/*
 * Parse a control line (without '\n'): "\001JOIN ID" and words after it,
 * each after one space: quiet, rejoin, fields, history, or a word this
 * daemon does not know, which is ignored.
 * Returns 0, or -1 if it is not a valid JOIN.
 */
int
proto_parse_join(const char *line, size_t len, struct proto_join *j)
{
	const char	*id, *w, *end = line + len;
	size_t		 idlen, n, k;

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
	for (w = id + idlen; w < end; w += n) {
		w++;		/* the space */
		for (n = 0; w + n < end && w[n] != ' '; n++)
			;
		if (!proto_valid_word(w, n)) {
			memset(j, 0, sizeof *j);
			return -1;
		}
		for (k = 0; k < PROTO_NJOIN_WORDS; k++) {
			if (strlen(proto_join_words[k].word) == n &&
			    memcmp(w, proto_join_words[k].word, n) == 0)
				j->flags |= proto_join_words[k].flag;
		}
	}
	return 0;
}

/*
 * Write the JOIN line as it goes to the well-known FIFO, in one write(2):
 * PROTO_FIFO_LEAD, then the line with its '\n'.  PROTO_JOIN_QUIET wins
 * over PROTO_JOIN_REJOIN.  Returns its length or -1.
 */
int
proto_format_join(char *buf, size_t size, const char *id, int flags)
{
	size_t	k, len;
	int	n;

	if (!proto_valid_id(id, strlen(id)))
		return -1;
	if (flags & PROTO_JOIN_QUIET)
		flags &= ~PROTO_JOIN_REJOIN;
	n = snprintf(buf, size, "%c%c%s%s", PROTO_FIFO_LEAD, PROTO_CTL,
	    PROTO_JOIN_WORD, id);
	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	for (k = 0; k < PROTO_NJOIN_WORDS; k++) {
		if (!(flags & proto_join_words[k].flag))
			continue;
		n = snprintf(buf + len, size - len, " %s",
		    proto_join_words[k].word);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	if (len + 1 >= size)
		return -1;
	buf[len++] = '\n';
	buf[len] = '\0';
	return (int)len;
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

/*
 * Write the FIELDS word (no space around it) for f into buf.
 * Returns its length, or -1 if it does not fit.
 */
int
proto_format_fields(char *buf, size_t size, const struct proto_fields *f)
{
	char	t[32] = "";
	int	n;

	if (f->time != PROTO_TIME_NONE)
		(void)snprintf(t, sizeof t, ";t=%lld", f->time);
	n = snprintf(buf, size, "%s%s%s", t,
	    (f->flags & PROTO_FIELD_HISTORY) ? ";h" : "",
	    (f->flags & PROTO_FIELD_SELF) ? ";self" : "");
	if (n < 0 || (size_t)n >= size)
		return -1;
	if (n == 0)
		n = snprintf(buf, size, "%s", PROTO_FIELD_NONE);
	else
		memmove(buf, buf + 1, (size_t)n--);	/* the first ';' */
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* One FIELDS item of len bytes at it, into f; unknown ones are ignored. */
static void
proto_parse_field(const char *it, size_t len, struct proto_fields *f)
{
	long long	v = 0;
	size_t		i;

	if (len == 1 && it[0] == 'h')
		f->flags |= PROTO_FIELD_HISTORY;
	else if (len == 4 && memcmp(it, "self", 4) == 0)
		f->flags |= PROTO_FIELD_SELF;
	else if (len > 2 && len <= 2 + 18 && it[0] == 't' && it[1] == '=') {
		for (i = 2; i < len; i++) {
			if (it[i] < '0' || it[i] > '9')
				return;
			v = v * 10 + (it[i] - '0');
		}
		f->time = v;
	}
}

/*
 * Read the FIELDS word at the start of TEXT (of a session that joined
 * with "fields") into f.  Returns where the TEXT after it starts.
 */
size_t
proto_parse_fields(const char *text, size_t len, struct proto_fields *f)
{
	size_t	end, i, start;

	f->time = PROTO_TIME_NONE;
	f->flags = 0;
	for (end = 0; end < len && text[end] != ' '; end++)
		;
	for (start = i = 0; i <= end; i++) {
		if (i == end || text[i] == ';') {
			proto_parse_field(text + start, i - start, f);
			start = i + 1;
		}
	}
	return end < len ? end + 1 : end;
}
