/* SPDX-License-Identifier: ISC */
/* Tests for lib/utf8.c: strict decoding and cutting at character bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#include "tap.h"
#include "utf8-ref.h"
#include "xorshift.h"

struct decode_case {
	const char	*name;
	const char	*bytes;
	size_t		 len;
	size_t		 want_n;	/* bytes used: the maximal subpart */
	uint32_t	 want_cp;
};

#define BAD	UTF8_INVALID
#define S(lit)	lit, sizeof lit - 1

static const struct decode_case decode_cases[] = {
	/* well-formed, at the edges of each row of Table 3-7 */
	{ "NUL", "\0", 1, 1, 0x00 },
	{ "ASCII A", S("A"), 1, 0x41 },
	{ "DEL", S("\x7f"), 1, 0x7f },
	{ "U+0080", S("\xc2\x80"), 2, 0x80 },
	{ "U+00E9", S("\xc3\xa9"), 2, 0xe9 },
	{ "U+07FF", S("\xdf\xbf"), 2, 0x7ff },
	{ "U+0800", S("\xe0\xa0\x80"), 3, 0x800 },
	{ "U+20AC", S("\xe2\x82\xac"), 3, 0x20ac },
	{ "U+D7FF", S("\xed\x9f\xbf"), 3, 0xd7ff },
	{ "U+E000", S("\xee\x80\x80"), 3, 0xe000 },
	{ "U+FEFF", S("\xef\xbb\xbf"), 3, 0xfeff },
	{ "U+FFFF", S("\xef\xbf\xbf"), 3, 0xffff },
	{ "U+10000", S("\xf0\x90\x80\x80"), 4, 0x10000 },
	{ "U+1F600", S("\xf0\x9f\x98\x80"), 4, 0x1f600 },
	{ "U+FFFFF", S("\xf3\xbf\xbf\xbf"), 4, 0xfffff },
	{ "U+100000", S("\xf4\x80\x80\x80"), 4, 0x100000 },
	{ "U+10FFFF", S("\xf4\x8f\xbf\xbf"), 4, 0x10ffff },
	{ "only the first character", S("\xc3\xa9\xc3\xa9"), 2, 0xe9 },

	/* overlong forms */
	{ "overlong C0 80", S("\xc0\x80"), 1, BAD },
	{ "overlong C0 AF", S("\xc0\xaf"), 1, BAD },
	{ "overlong C1 BF", S("\xc1\xbf"), 1, BAD },
	{ "overlong E0 80 80", S("\xe0\x80\x80"), 1, BAD },
	{ "overlong E0 9F BF", S("\xe0\x9f\xbf"), 1, BAD },
	{ "overlong F0 80 80 80", S("\xf0\x80\x80\x80"), 1, BAD },
	{ "overlong F0 8F BF BF", S("\xf0\x8f\xbf\xbf"), 1, BAD },

	/* surrogates */
	{ "surrogate ED A0 80", S("\xed\xa0\x80"), 1, BAD },
	{ "surrogate ED AF BF", S("\xed\xaf\xbf"), 1, BAD },
	{ "surrogate ED B0 80", S("\xed\xb0\x80"), 1, BAD },
	{ "surrogate ED BF BF", S("\xed\xbf\xbf"), 1, BAD },

	/* past U+10FFFF */
	{ "F4 90 80 80 (U+110000)", S("\xf4\x90\x80\x80"), 1, BAD },
	{ "F4 BF BF BF", S("\xf4\xbf\xbf\xbf"), 1, BAD },
	{ "F5 80 80 80", S("\xf5\x80\x80\x80"), 1, BAD },
	{ "F7 BF BF BF", S("\xf7\xbf\xbf\xbf"), 1, BAD },
	{ "F8 88 80 80 80", S("\xf8\x88\x80\x80\x80"), 1, BAD },
	{ "FC 84 80 80 80 80", S("\xfc\x84\x80\x80\x80\x80"), 1, BAD },
	{ "FE", S("\xfe"), 1, BAD },
	{ "FF", S("\xff"), 1, BAD },

	/* lone continuation bytes */
	{ "lone 80", S("\x80"), 1, BAD },
	{ "lone BF", S("\xbf"), 1, BAD },
	{ "lone 80 before a character", S("\x80" "A"), 1, BAD },

	/* truncated at the end of the input: the whole prefix is one subpart */
	{ "truncated C2", S("\xc2"), 1, BAD },
	{ "truncated E2", S("\xe2"), 1, BAD },
	{ "truncated E2 82", S("\xe2\x82"), 2, BAD },
	{ "truncated E0 A0", S("\xe0\xa0"), 2, BAD },
	{ "truncated ED 9F", S("\xed\x9f"), 2, BAD },
	{ "truncated F0", S("\xf0"), 1, BAD },
	{ "truncated F0 9F", S("\xf0\x9f"), 2, BAD },
	{ "truncated F0 9F 98", S("\xf0\x9f\x98"), 3, BAD },
	{ "truncated F4 8F BF", S("\xf4\x8f\xbf"), 3, BAD },

	/* cut short by a byte that cannot continue the sequence */
	{ "C2 then A", S("\xc2" "A"), 1, BAD },
	{ "C2 then C2 80", S("\xc2\xc2\x80"), 1, BAD },
	{ "C2 then C0", S("\xc2\xc0"), 1, BAD },
	{ "E2 then A", S("\xe2" "A"), 1, BAD },
	{ "E2 82 then A", S("\xe2\x82" "A"), 2, BAD },
	{ "E2 82 then C2", S("\xe2\x82\xc2"), 2, BAD },
	{ "E0 A0 then 7F", S("\xe0\xa0\x7f"), 2, BAD },
	{ "F0 9F 98 then A", S("\xf0\x9f\x98" "A"), 3, BAD },
	{ "F0 9F then E2", S("\xf0\x9f\xe2"), 2, BAD },
	{ "F1 80 80 then C0", S("\xf1\x80\x80\xc0"), 3, BAD },
	{ "F4 8F then 80 C0", S("\xf4\x8f\x80\xc0"), 3, BAD },
};

/*
 * Copy into a heap buffer of exactly len bytes, so ASan sees an overread.
 * Loops reuse a 4-byte one, filling it from the end for the same reason.
 */
static unsigned char *
exact_copy(const void *p, size_t len)
{
	unsigned char	*b = malloc(len > 0 ? len : 1);

	if (b == NULL)
		abort();
	memcpy(b, p, len);
	return b;
}

/* Each hand-written case: bytes used and code point. */
static void
test_decode_cases(void)
{
	const struct decode_case	*c;
	unsigned char			*b;
	uint32_t			 cp;
	size_t				 i, n;

	for (i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
		c = &decode_cases[i];
		b = exact_copy(c->bytes, c->len);
		cp = 0x12345;
		n = utf8_decode(b, c->len, &cp);
		is_uint(n, c->want_n, "decode %s: length", c->name);
		is_uint(cp, c->want_cp, "decode %s: code point", c->name);
		free(b);
	}
}

/* Empty input uses nothing and is not a character. */
static void
test_decode_empty(void)
{
	unsigned char	b = 'x';
	uint32_t	cp = 0;

	is_uint(utf8_decode(&b, 0, &cp), 0, "decode of 0 bytes uses 0");
	is_uint(cp, UTF8_INVALID, "decode of 0 bytes is invalid");
}

/*
 * Unicode's own example of maximal subparts (Chapter 3, "U+FFFD
 * Substitution of Maximal Subparts", Table 3-8): one U+FFFD per subpart.
 */
static void
test_decode_table_3_8(void)
{
	static const char	in[] = "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80"
	    "\x63\x80\xbf\x64";
	static const uint32_t	want_cp[] = { 0x61, BAD, BAD, BAD, 0x62, BAD,
	    0x63, BAD, BAD, 0x64 };
	static const size_t	want_n[] = { 1, 3, 2, 1, 1, 1, 1, 1, 1, 1 };
	unsigned char		*b = exact_copy(in, sizeof in - 1);
	size_t			 i = 0, k = 0, n, bad = 0;
	uint32_t		 cp;

	while (i < sizeof in - 1 && k < sizeof want_cp / sizeof want_cp[0]) {
		n = utf8_decode(b + i, sizeof in - 1 - i, &cp);
		if (n != want_n[k] || cp != want_cp[k]) {
			diag("step %zu at byte %zu: got %zu bytes, U+%04x; "
			    "expected %zu bytes, U+%04x", k, i, n, cp,
			    want_n[k], want_cp[k]);
			bad++;
		}
		if (n == 0)
			break;
		i += n;
		k++;
	}
	ok(bad == 0 && i == sizeof in - 1 && k == 10,
	    "Table 3-8 example decodes as 10 steps with 4 replacements");
	free(b);
}

/* Every scalar value round-trips; every encoded surrogate is rejected. */
static void
test_decode_all_code_points(void)
{
	unsigned char	enc[4], *tail = exact_copy("\0\0\0", 4);
	uint32_t	c, cp;
	size_t		len, n, bad = 0, surrogates_bad = 0;

	for (c = 0; c <= 0x10ffff; c++) {
		len = utf8_ref_encode(c, enc);
		memcpy(tail + 4 - len, enc, len);
		n = utf8_decode(tail + 4 - len, len, &cp);
		if (c >= 0xd800 && c <= 0xdfff) {
			if (n != 1 || cp != BAD) {
				if (surrogates_bad++ == 0)
					diag("surrogate U+%04X: %zu bytes, "
					    "U+%04X", c, n, cp);
			}
			continue;
		}
		if (n != len || cp != c) {
			if (bad++ == 0)
				diag("U+%04X: got %zu bytes, U+%04X", c, n,
				    cp);
		}
	}
	free(tail);
	is_uint(bad, 0, "every scalar value U+0000..U+10FFFF round-trips");
	is_uint(surrogates_bad, 0, "every surrogate is one bad byte then more");
}

/*
 * Against the table-driven reference: every first and second byte, with
 * third and fourth bytes at the edges of the continuation ranges, and
 * every input length from 1 to 4 (so truncation is covered too).
 */
static void
test_decode_against_reference(void)
{
	static const unsigned char	edge[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f,
	    0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff };
	const size_t			 nedge = sizeof edge;
	unsigned char			 s[4], *tail = exact_copy("\0\0\0", 4);
	uint32_t			 cp, rcp;
	size_t				 len, n, rn, i, j, bad = 0, checked = 0;
	unsigned int			 b0, b1;

	for (b0 = 0; b0 < 256; b0++) {
		for (b1 = 0; b1 < 256; b1++) {
			for (i = 0; i < nedge; i++) {
				for (j = 0; j < nedge; j++) {
					s[0] = (unsigned char)b0;
					s[1] = (unsigned char)b1;
					s[2] = edge[i];
					s[3] = edge[j];
					for (len = 1; len <= 4; len++) {
						if ((len < 2 && b1 > 0) ||
						    (len < 3 && i > 0) ||
						    (len < 4 && j > 0))
							continue;
						memcpy(tail + 4 - len, s, len);
						n = utf8_decode(tail + 4 - len,
						    len, &cp);
						rn = utf8_ref_decode(s, len,
						    &rcp);
						checked++;
						if (n == rn && cp == rcp)
							continue;
						if (bad++ < 5)
							diag("%02x %02x %02x %02x"
							    " len %zu: got %zu,"
							    " %x; want %zu, %x",
							    s[0], s[1], s[2],
							    s[3], len, n, cp,
							    rn, rcp);
					}
				}
			}
		}
	}
	free(tail);
	is_uint(bad, 0, "decode agrees with Table 3-7 on %zu inputs", checked);
}

/* Hand-written cuts: never inside a character. */
static void
test_cut_cases(void)
{
	static const char	euro[] = "a\xe2\x82\xac" "b";
	static const char	smile[] = "a\xf0\x9f\x98\x80" "b";
	static const char	eacute[] = "a\xc3\xa9";
	static const char	four[] = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80";
	static const char	conts[] = "a\x80\x80\x80\x80\x80" "b";

	is_uint(utf8_cut("hello", 5, 5), 5, "cut: len == max keeps all");
	is_uint(utf8_cut("hello", 5, 9), 5, "cut: len < max keeps all");
	is_uint(utf8_cut("hello world", 11, 5), 5, "cut: ASCII at max");
	is_uint(utf8_cut(eacute, 3, 2), 1, "cut: not inside U+00E9");
	is_uint(utf8_cut(euro, 5, 2), 1, "cut: not after 1 byte of U+20AC");
	is_uint(utf8_cut(euro, 5, 3), 1, "cut: not after 2 bytes of U+20AC");
	is_uint(utf8_cut("\xc3\xac", 2, 1), 0,
	    "cut: a first character that does not fit gives 0");
	is_uint(utf8_cut("\xe2\x82\xac", 3, 2), 0,
	    "cut: a first 3-byte character in 2 gives 0");
	is_uint(utf8_cut(euro, 5, 4), 4, "cut: right after U+20AC");
	is_uint(utf8_cut(smile, 6, 2), 1, "cut: not after 1 byte of U+1F600");
	is_uint(utf8_cut(smile, 6, 3), 1, "cut: not after 2 bytes of U+1F600");
	is_uint(utf8_cut(smile, 6, 4), 1, "cut: not after 3 bytes of U+1F600");
	is_uint(utf8_cut(smile, 6, 5), 5, "cut: right after U+1F600");
	is_uint(utf8_cut(four, 8, 4), 4, "cut: after a 4-byte first char");
	is_uint(utf8_cut(four, 8, 5), 4, "cut: 5 in 4-byte chars gives 4");
	is_uint(utf8_cut(four, 8, 7), 4, "cut: 7 in 4-byte chars gives 4");
	is_uint(utf8_cut(conts, 7, 5), 5,
	    "cut: a run of continuation bytes is cut at max");
	is_uint(utf8_cut(conts, 7, 4), 4,
	    "cut: invalid input is never cut to 0");
}

/*
 * Random valid text, every max from 4 up: the cut is the largest
 * character boundary <= max, so it is never 0 and never splits.
 */
static void
test_cut_random(void)
{
	unsigned char	 s[512];
	unsigned char	*b;
	char		 boundary[sizeof s + 1];
	uint64_t	 seed = 0x9e3779b97f4a7c15ULL;
	uint32_t	 c;
	size_t		 len, max, cut, want, round, bad = 0, zero = 0, cuts = 0;

	for (round = 0; round < 300; round++) {
		memset(boundary, 0, sizeof boundary);
		len = 0;
		for (;;) {
			switch (xorshift_next(&seed) % 4) {
			case 0:
				c = 0x20 + xorshift_next(&seed) % 0x5f;
				break;
			case 1:
				c = 0x80 + xorshift_next(&seed) % 0x780;
				break;
			case 2:
				c = 0x800 + xorshift_next(&seed) % 0xf800;
				if (c >= 0xd800 && c <= 0xdfff)
					c -= 0x800;
				break;
			default:
				c = 0x10000 + xorshift_next(&seed) % 0x100000;
				break;
			}
			if (len + 4 > sizeof s - 1)
				break;
			boundary[len] = 1;
			len += utf8_ref_encode(c, s + len);
		}
		boundary[len] = 1;
		b = exact_copy(s, len);
		for (max = 4; max <= len; max++) {
			cut = utf8_cut((const char *)b, len, max);
			for (want = max; !boundary[want]; want--)
				;
			cuts++;
			if (cut == 0)
				zero++;
			if (cut != want && bad++ < 5)
				diag("round %zu len %zu max %zu: cut %zu, "
				    "want %zu", round, len, max, cut, want);
		}
		free(b);
	}
	is_uint(bad, 0, "cut is the last boundary <= max in %zu cuts", cuts);
	is_uint(zero, 0, "cut never returns 0 for max >= 4");
}

/* Worst case for "never 0": text of 4-byte characters only, at every max. */
static void
test_cut_never_zero(void)
{
	unsigned char	 s[64];
	size_t		 len = 0, max, cut, bad = 0;

	while (len + 4 <= sizeof s)
		len += utf8_ref_encode(0x10ffff, s + len);
	for (max = 4; max < len; max++) {
		cut = utf8_cut((const char *)s, len, max);
		if (cut == 0 || cut > max || cut % 4 != 0 || max - cut > 3)
			bad++;
	}
	is_uint(bad, 0, "4-byte text: cut is a nonzero multiple of 4 <= max");
}

/* Run every test; TAP on stdout. */
int
main(void)
{
	test_decode_cases();
	test_decode_empty();
	test_decode_table_3_8();
	test_decode_all_code_points();
	test_decode_against_reference();
	test_cut_cases();
	test_cut_random();
	test_cut_never_zero();
	return done_testing();
}
