/* SPDX-License-Identifier: ISC */
/* Fuzz sanitize(), utf8_decode() and utf8_cut() with untrusted bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pclimits.h"
#include "sanitize.h"
#include "utf8.h"

#include "fuzz.h"

/*
 * utf8_cut splits a character that starts at offset 0 when max < 4
 * (utf8_cut("\xe2\x82\xac", 3, 2) is 2).  Its callers cut at 64 and 4095,
 * so that is only checked from here up; set to 0 once lib/utf8.c is fixed.
 */
#define FUZZ_CUT_MIN	0

/*
 * Whether sanitize writes cp as "\uXXXX": C1 controls, separators, and
 * Default_Ignorable_Code_Point as Unicode 15.1 lists it, range by range.
 */
static FUZZ_ORACLE int
fuzz_escaped(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x00ad || cp == 0x034f || cp == 0x061c ||
	    (cp >= 0x115f && cp <= 0x1160) || (cp >= 0x17b4 && cp <= 0x17b5) ||
	    (cp >= 0x180b && cp <= 0x180d) || cp == 0x180e || cp == 0x180f ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2064) || cp == 0x2065 ||
	    (cp >= 0x2066 && cp <= 0x206f) || cp == 0x3164 ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 ||
	    (cp >= 0xfff0 && cp <= 0xfff8) ||
	    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) ||
	    (cp >= 0xe0000 && cp <= 0xe0fff);
}

/* Whether cp is a blank whose runs are cut: Zs, and the braille blank. */
static FUZZ_ORACLE int
fuzz_blank(uint32_t cp)
{
	static const uint32_t	zs[] = { 0x20, 0xa0, 0x1680, 0x2000, 0x2001,
	    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
	    0x200a, 0x202f, 0x205f, 0x2800, 0x3000 };
	size_t			i;

	for (i = 0; i < sizeof zs / sizeof zs[0]; i++) {
		if (zs[i] == cp)
			return 1;
	}
	return 0;
}

/*
 * What sanitize must make of len bytes at in, worked out with the oracle
 * into out (room for PC_SANITIZED_MAX(len) + 1 bytes); returns the length.
 */
static FUZZ_ORACLE size_t
fuzz_expect(char *out, const unsigned char *in, size_t len)
{
	size_t		i, n, o = 0, run = 0;
	uint32_t	cp;

	for (i = 0; i < len; i += n) {
		n = fuzz_utf8_decode(in + i, len - i, &cp);
		run = fuzz_blank(cp) ? run + 1 : 0;
		if (run > SANITIZE_BLANKS_MAX)
			continue;
		if (cp < 0x20 || cp == 0x7f) {
			out[o++] = '^';
			out[o++] = cp == 0x7f ? '?' : (char)('@' + cp);
		} else if (cp == FUZZ_INVALID) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else if (fuzz_escaped(cp) && cp > 0xffff)
			o += (size_t)snprintf(out + o, 11, "\\U%08x",
			    (unsigned)cp);
		else if (fuzz_escaped(cp))
			o += (size_t)snprintf(out + o, 7, "\\u%04x",
			    (unsigned)cp);
		else {
			memcpy(out + o, in + i, n);
			o += n;
		}
	}
	return o;
}

/* sanitize agrees with the oracle, and its output is safe and stable. */
static void
fuzz_sanitize(const unsigned char *in, size_t len)
{
	char		*out, *again, *want;
	size_t		 n, i, k;
	uint32_t	 cp;

	/* exactly the promised room, so that ASan sees one byte more */
	out = malloc(PC_SANITIZED_MAX(len));
	want = malloc(PC_SANITIZED_MAX(len) + 1);
	FUZZ_CHECK(out != NULL && want != NULL);
	n = sanitize(out, (const char *)in, len);
	FUZZ_CHECK(n <= PC_SANITIZED_MAX(len));
	FUZZ_CHECK(fuzz_printable(out, n));
	for (i = 0; i < n; i += k) {
		k = fuzz_utf8_decode((unsigned char *)out + i, n - i, &cp);
		FUZZ_CHECK(!fuzz_escaped(cp));
	}
	FUZZ_CHECK(fuzz_expect(want, in, len) == n);
	FUZZ_CHECK(memcmp(out, want, n) == 0);

	if (n > 0) {
		again = malloc(PC_SANITIZED_MAX(n));
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(sanitize(again, out, n) == n);
		FUZZ_CHECK(memcmp(again, out, n) == 0);
		free(again);
	}
	free(want);
	free(out);
}

/* utf8_decode agrees with the oracle at every offset. */
static void
fuzz_decode(const unsigned char *in, size_t len)
{
	size_t		i, n;
	uint32_t	cp, want;

	for (i = 0; i < len; i++) {
		n = utf8_decode(in + i, len - i, &cp);
		FUZZ_CHECK(n == fuzz_utf8_decode(in + i, len - i, &want));
		FUZZ_CHECK(cp == want);
	}
	FUZZ_CHECK(utf8_decode(in, 0, &cp) == 0 && cp == UTF8_INVALID);
}

/*
 * utf8_cut at every max: never longer than max, at most 3 bytes short of
 * it, never inside a well-formed character, and for valid text the last
 * character boundary at or before max.
 */
static void
fuzz_cut(const unsigned char *in, size_t len)
{
	size_t		*start, i, k, n, max, cut;
	uint32_t	 cp;
	int		 valid = 1;

	/* start[i]: where the character (or ill-formed part) at i begins */
	start = malloc((len + 1) * sizeof *start);
	FUZZ_CHECK(start != NULL);
	for (i = 0; i < len; i += n) {
		n = fuzz_utf8_decode(in + i, len - i, &cp);
		if (cp == FUZZ_INVALID)
			valid = 0;
		for (k = 0; k < n; k++)
			start[i + k] = cp == FUZZ_INVALID ? i + k : i;
	}
	start[len] = len;

	for (max = 0; max <= len + 1; max++) {
		cut = utf8_cut((const char *)in, len, max);
		if (len <= max) {
			FUZZ_CHECK(cut == len);
			continue;
		}
		FUZZ_CHECK(cut <= max && cut + 3 >= max);
		if (max < FUZZ_CUT_MIN)
			continue;
		FUZZ_CHECK(start[cut] == cut);
		if (valid)
			FUZZ_CHECK(cut == start[max]);
	}
	free(start);
}

/* One input: the untrusted text of a chat line, or of anything else. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sanitize(data, size);
	fuzz_decode(data, size);
	fuzz_cut(data, size);
	return 0;
}
