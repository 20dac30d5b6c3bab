/* SPDX-License-Identifier: ISC */
/* Fuzz the wire protocol: JOIN lines from clients, kinds of daemon lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#include "fuzz.h"

/* The kinds a daemon line may start with, as docs/PROTOCOL.md has them. */
static const char *const fuzz_kinds[] = {
	"welcome", "msg", "info", "error", "bye", "action", "private",
};
#define FUZZ_NKINDS	(sizeof fuzz_kinds / sizeof fuzz_kinds[0])

/* Whether len bytes at id make a session id: 1 to 64 of [A-Za-z0-9_-]. */
static FUZZ_ORACLE int
fuzz_id_ok(const char *id, size_t len)
{
	static const char	chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	size_t			i;

	if (len == 0 || len > PROTO_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (id[i] == '\0' || strchr(chars, id[i]) == NULL)
			return 0;
	}
	return 1;
}

#define FUZZ_JOIN_ALL	(PROTO_JOIN_QUIET | PROTO_JOIN_REJOIN | \
	PROTO_JOIN_FIELDS | PROTO_JOIN_HISTORY)

/* What proto_format_join writes for flags: quiet wins over rejoin. */
static int
fuzz_join_written(int flags)
{
	flags &= FUZZ_JOIN_ALL;
	return (flags & PROTO_JOIN_QUIET) ? flags & ~PROTO_JOIN_REJOIN : flags;
}

/*
 * A JOIN line is accepted only with a valid id and words of [a-z0-9_-],
 * one space before each; what proto_format_join then writes for its id
 * and flags parses back to the same.
 */
static void
fuzz_join(const char *line, size_t len)
{
	struct proto_join	j, again;
	char			buf[PROTO_ID_MAX + 64];
	size_t			idlen, i;
	int			n;

	if (proto_parse_join(line, len, &j) == -1)
		return;
	FUZZ_CHECK(memchr(j.id, '\0', sizeof j.id) != NULL);
	idlen = strlen(j.id);
	FUZZ_CHECK(proto_valid_id(j.id, idlen));
	FUZZ_CHECK(fuzz_id_ok(j.id, idlen));
	FUZZ_CHECK((j.flags & ~FUZZ_JOIN_ALL) == 0);
	FUZZ_CHECK(len >= 6 + idlen && memcmp(line + 6, j.id, idlen) == 0);
	for (i = 6 + idlen; i < len; i++) {
		FUZZ_CHECK(line[i] != '\0' && line[i] != '\n');
		FUZZ_CHECK(line[i] != ' ' || (i + 1 < len && line[i + 1] != ' '));
	}
	n = proto_format_join(buf, sizeof buf, j.id, j.flags);
	FUZZ_CHECK(n > 2 && buf[0] == PROTO_FIFO_LEAD && buf[n - 1] == '\n');
	FUZZ_CHECK(proto_parse_join(buf + 1, (size_t)n - 2, &again) == 0);
	FUZZ_CHECK(strcmp(again.id, j.id) == 0);
	FUZZ_CHECK(again.flags == fuzz_join_written(j.flags));
}

/*
 * A valid id formats, into a buffer of any size and never past it, to a
 * line that parses back to the same id and flags; any other id fails.
 */
static void
fuzz_format(const char *id, int flags)
{
	static const char *const words[] = { "quiet", "rejoin", "fields",
	    "history" };
	struct proto_join	 j;
	char			*buf;
	size_t			 size, need, len = strlen(id), k;
	int			 n;

	if (len > (size_t)PROTO_ID_MAX * 2)
		return;
	need = 2 + strlen("JOIN ") + len + 1;
	for (k = 0; k < 4; k++) {
		if (fuzz_join_written(flags) & (1 << k))
			need += 1 + strlen(words[k]);
	}
	for (size = 0; size <= need + 1; size++) {
		/* snprintf takes NULL for no room at all */
		buf = size > 0 ? malloc(size) : NULL;
		FUZZ_CHECK(buf != NULL || size == 0);
		n = proto_format_join(buf, size, id, flags);
		if (!fuzz_id_ok(id, len) || size <= need) {
			FUZZ_CHECK(n == -1);
			free(buf);
			continue;
		}
		FUZZ_CHECK(n == (int)need && buf[n - 1] == '\n');
		FUZZ_CHECK(buf[0] == PROTO_FIFO_LEAD);
		FUZZ_CHECK(proto_parse_join(buf + 1, (size_t)n - 2, &j) == 0);
		FUZZ_CHECK(strcmp(j.id, id) == 0);
		FUZZ_CHECK(j.flags == fuzz_join_written(flags));
		free(buf);
	}
}

/*
 * The FIELDS word ends at the first space, TEXT starts after it; what
 * proto_format_fields writes for what was read parses back the same.
 */
static void
fuzz_fields(const char *text, size_t len)
{
	struct proto_fields	f, again;
	char			buf[PROTO_FIELDS_MAX];
	size_t			off;
	int			n;

	off = proto_parse_fields(text, len, &f);
	FUZZ_CHECK(off <= len);
	FUZZ_CHECK(memchr(text, ' ', off > 0 ? off - 1 : 0) == NULL);
	FUZZ_CHECK(off == len || text[off - 1] == ' ');
	FUZZ_CHECK((f.flags & ~(PROTO_FIELD_HISTORY | PROTO_FIELD_SELF)) == 0);
	FUZZ_CHECK(f.time == PROTO_TIME_NONE || f.time >= 0);
	n = proto_format_fields(buf, sizeof buf, &f);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf && memchr(buf, ' ', (size_t)n) == NULL);
	FUZZ_CHECK(proto_parse_fields(buf, (size_t)n, &again) == (size_t)n);
	FUZZ_CHECK(again.time == f.time && again.flags == f.flags);
}

/* proto_parse_kind finds the kind word, and TEXT right after its space. */
static void
fuzz_kind(const char *line, size_t len)
{
	enum proto_kind	 kind;
	const char	*name;
	size_t		 off, k, n;

	kind = proto_parse_kind(line, len, &off);
	FUZZ_CHECK(off <= len);
	if (kind == PROTO_UNKNOWN) {
		FUZZ_CHECK(off == 0);
		for (k = 0; k < FUZZ_NKINDS; k++) {
			n = strlen(fuzz_kinds[k]);
			FUZZ_CHECK(len < n ||
			    memcmp(line, fuzz_kinds[k], n) != 0 ||
			    (len > n && line[n] != ' '));
		}
		return;
	}
	FUZZ_CHECK((size_t)kind < FUZZ_NKINDS);
	name = proto_kind_name(kind);
	FUZZ_CHECK(strcmp(name, fuzz_kinds[kind]) == 0);
	n = strlen(name);
	FUZZ_CHECK(len >= n && memcmp(line, name, n) == 0);
	FUZZ_CHECK((len == n && off == n) || (line[n] == ' ' && off == n + 1));
}

/*
 * One input: a line as the daemon or a client would read it, and an id.
 * Each parser sees it in a buffer of exactly its length, so that ASan
 * catches a read past the end, and as a C string cut at the first NUL.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*raw, *str;

	raw = malloc(size);
	str = malloc(size + 1);
	FUZZ_CHECK((raw != NULL || size == 0) && str != NULL);
	if (size > 0)
		memcpy(raw, data, size);
	memcpy(str, data, size);
	str[size] = '\0';

	fuzz_join(raw, size);
	fuzz_join(str, strlen(str));
	fuzz_kind(raw, size);
	fuzz_kind(str, strlen(str));
	fuzz_fields(raw, size);
	FUZZ_CHECK(proto_valid_id(raw, size) == fuzz_id_ok(raw, size));
	fuzz_format(str, (int)(size % 16));

	free(str);
	free(raw);
	return 0;
}
