/* SPDX-License-Identifier: ISC */
/* Tests for lib/sanitize.c: untrusted text made safe to print. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pclimits.h"
#include "sanitize.h"

#include "tap.h"
#include "utf8-ref.h"
#include "xorshift.h"

#define RANDOM_ROUNDS	4000
#define RANDOM_LEN_MAX	300

/*
 * Sanitise len bytes into a heap buffer of exactly PC_SANITIZED_MAX(len)
 * bytes, so that ASan catches a write past the documented bound.
 */
static char *
run_sanitize(const char *in, size_t len, size_t *outlen)
{
	char	*src, *out;
	size_t	 max = PC_SANITIZED_MAX(len);

	if ((src = malloc(len > 0 ? len : 1)) == NULL ||
	    (out = malloc(max > 0 ? max : 1)) == NULL)
		abort();
	memcpy(src, in, len);
	*outlen = sanitize(out, src, len);
	free(src);
	return out;
}

/* in (len bytes) sanitises to exactly want. */
static void
check(const char *name, const char *in, size_t len, const char *want)
{
	size_t	 n;
	char	*out = run_sanitize(in, len, &n);

	is_mem(out, n, want, strlen(want), "%s", name);
	free(out);
}

#define CHECK(name, lit, want)	check(name, lit, sizeof lit - 1, want)

/* The same text comes out unchanged. */
#define SAME(name, lit)		check(name, lit, sizeof lit - 1, lit)

/* C0 controls and DEL in caret notation, as cat -v. */
static void
test_c0(void)
{
	CHECK("ESC", "\x1b", "^[");
	CHECK("ANSI colour sequence", "\x1b[31mred\x1b[0m", "^[[31mred^[[0m");
	CHECK("clear screen", "\x1b[2J\x1b[H", "^[[2J^[[H");
	CHECK("BEL", "ding\a", "ding^G");
	CHECK("NUL inside text", "a\0b", "a^@b");
	CHECK("CR", "fake\rline", "fake^Mline");
	CHECK("LF", "two\nlines", "two^Jlines");
	CHECK("TAB", "a\tb", "a^Ib");
	CHECK("BS", "x\by", "x^Hy");
	CHECK("0x1f", "\x1f", "^_");
	CHECK("0x01", "\x01", "^A");
	CHECK("DEL", "\x7f", "^?");
	CHECK("only controls", "\x1b\a\r\t\x7f", "^[^G^M^I^?");
}

/* C1 controls, bidi controls and separators as "\uXXXX". */
static void
test_unicode_controls(void)
{
	CHECK("U+0085 NEL", "a\xc2\x85" "b", "a\\u0085b");
	CHECK("U+009B CSI", "\xc2\x9b" "31m", "\\u009b31m");
	CHECK("U+0080", "\xc2\x80", "\\u0080");
	CHECK("U+009F", "\xc2\x9f", "\\u009f");
	CHECK("U+202E RLO", "abc\xe2\x80\xae" "fed", "abc\\u202efed");
	CHECK("U+202A LRE", "\xe2\x80\xaa", "\\u202a");
	CHECK("U+202C PDF", "\xe2\x80\xac", "\\u202c");
	CHECK("U+2066 LRI", "\xe2\x81\xa6", "\\u2066");
	CHECK("U+2069 PDI", "\xe2\x81\xa9", "\\u2069");
	CHECK("U+200E LRM", "\xe2\x80\x8e", "\\u200e");
	CHECK("U+200F RLM", "\xe2\x80\x8f", "\\u200f");
	CHECK("U+061C ALM", "\xd8\x9c", "\\u061c");
	CHECK("U+2028 LINE SEPARATOR", "a\xe2\x80\xa8" "b", "a\\u2028b");
	CHECK("U+2029 PARAGRAPH SEPARATOR", "\xe2\x80\xa9", "\\u2029");
}

/*
 * Default-ignorable code points show as nothing: a message with them looks
 * like one without, so they are written as escapes, like the bidi controls.
 */
static void
test_invisible(void)
{
	CHECK("U+200B ZERO WIDTH SPACE", "a\xe2\x80\x8b" "b", "a\\u200bb");
	CHECK("U+200C ZWNJ", "\xe2\x80\x8c", "\\u200c");
	CHECK("U+200D ZWJ", "\xe2\x80\x8d", "\\u200d");
	CHECK("U+2060 WORD JOINER", "\xe2\x81\xa0", "\\u2060");
	CHECK("U+2064 INVISIBLE PLUS", "\xe2\x81\xa4", "\\u2064");
	CHECK("U+2065 reserved", "\xe2\x81\xa5", "\\u2065");
	CHECK("U+206A", "\xe2\x81\xaa", "\\u206a");
	CHECK("U+206F", "\xe2\x81\xaf", "\\u206f");
	CHECK("U+FEFF BOM", "\xef\xbb\xbf" "x", "\\ufeffx");
	CHECK("U+3164 HANGUL FILLER", "\xe3\x85\xa4", "\\u3164");
	CHECK("U+FFA0 HALFWIDTH HANGUL FILLER", "\xef\xbe\xa0", "\\uffa0");
	CHECK("U+115F, U+1160 HANGUL FILLERS", "\xe1\x85\x9f\xe1\x85\xa0",
	    "\\u115f\\u1160");
	CHECK("U+00AD SOFT HYPHEN", "al\xc2\xad" "ice", "al\\u00adice");
	CHECK("U+034F CGJ", "\xcd\x8f", "\\u034f");
	CHECK("U+17B4 Khmer", "\xe1\x9e\xb4", "\\u17b4");
	CHECK("U+180E Mongolian vowel separator", "\xe1\xa0\x8e", "\\u180e");
	CHECK("U+FE0F VS16", "\xef\xb8\x8f", "\\ufe0f");
	CHECK("U+FE00 VS1", "\xef\xb8\x80", "\\ufe00");
	CHECK("U+FFF0", "\xef\xbf\xb0", "\\ufff0");
	CHECK("U+1BCA0", "\xf0\x9b\xb2\xa0", "\\U0001bca0");
	CHECK("U+1D173", "\xf0\x9d\x85\xb3", "\\U0001d173");
	CHECK("U+E0001 LANGUAGE TAG", "\xf3\xa0\x80\x81", "\\U000e0001");
	CHECK("U+E0FFF", "\xf3\xa0\xbf\xbf", "\\U000e0fff");
	CHECK("U+E0100 VS17", "\xf3\xa0\x84\x80", "\\U000e0100");
}

/*
 * A run of more than SANITIZE_BLANKS_MAX blanks keeps its first ones: a
 * message padded to push text to the start of a terminal row cannot.
 */
static void
test_blank_runs(void)
{
	char	in[200], want[200];
	size_t	len, bad = 0;

	SAME("8 spaces kept", "a        b");
	CHECK("9 spaces become 8", "a         b", "a        b");
	CHECK("69 spaces become 8 (wrap spoofing)", "brb"
	    "                                                                     "
	    "* alice left", "brb        * alice left");
	CHECK("only spaces", "                    ", "        ");
	CHECK("leading", "            x", "        x");
	CHECK("trailing", "x            ", "x        ");
	SAME("two runs of 8", "a        b        c");
	SAME("double spaces", "a  b  c. d");
	CHECK("NBSP runs", "a\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0"
	    "\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0" "b",
	    "a\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0"
	    "\xc2\xa0" "b");
	CHECK("spaces and NBSPs mixed", "a    \xc2\xa0    \xc2\xa0  b",
	    "a    \xc2\xa0   b");
	CHECK("NBSP then spaces", "\xc2\xa0         ", "\xc2\xa0       ");
	CHECK("ideographic spaces", "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80"
	    "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80"
	    "\xe3\x80\x80", "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80"
	    "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80");
	CHECK("braille blanks", "\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80"
	    "\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80"
	    "\xe2\xa0\x80!", "\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80"
	    "\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80!");
	CHECK("an escape ends a run", "     \x1b     ", "     ^[     ");

	/* every place a run can start and end against 8-byte words */
	for (size_t start = 0; start < 17; start++) {
		for (size_t run = 0; run < 30; run++) {
			size_t	 n, keep = run > 8 ? 8 : run;
			char	*out;

			memset(in, 'x', sizeof in);
			memset(in + start, ' ', run);
			len = start + run + 9;
			memset(want, 'x', sizeof want);
			memset(want + start, ' ', keep);
			out = run_sanitize(in, len, &n);
			if ((n != len - (run - keep) ||
			    memcmp(out, want, n) != 0) && bad++ == 0)
				is_mem(out, n, want, len - (run - keep),
				    "%zu spaces at %zu", run, start);
			free(out);
		}
	}
	is_uint(bad, 0, "runs of 0 to 29 spaces at offsets 0 to 16");
}

/* Their neighbours are ordinary text. */
static void
test_unicode_neighbours(void)
{
	SAME("U+00A0 after the C1 range", "\xc2\xa0");
	SAME("U+007E before DEL", "~");
	SAME("U+2027 before U+2028", "\xe2\x80\xa7");
	SAME("U+202F after U+202E", "\xe2\x80\xaf");
	SAME("U+2070 after the U+2060 block", "\xe2\x81\xb0");
	SAME("U+205E before it", "\xe2\x81\x9e");
	SAME("U+00AC before SOFT HYPHEN", "\xc2\xac");
	SAME("U+00AE after it", "\xc2\xae");
	SAME("U+200A HAIR SPACE before U+200B", "\xe2\x80\x8a");
	SAME("U+2010 after U+200F", "\xe2\x80\x90");
	SAME("U+3163 before U+3164", "\xe3\x85\xa3");
	SAME("U+FEFE before U+FEFF", "\xef\xbb\xbe");
	SAME("U+FFF9 after U+FFF8", "\xef\xbf\xb9");
	SAME("U+E1000 after the tags", "\xf3\xa1\x80\x80");
	SAME("U+DFFFF before the tags", "\xf3\x9f\xbf\xbf");
	SAME("U+061B before U+061C", "\xd8\x9b");
}

/* Ill-formed UTF-8: one U+FFFD per maximal subpart. */
static void
test_invalid(void)
{
	CHECK("lone FF", "\xff", "\xef\xbf\xbd");
	CHECK("lone continuation", "a\x80z", "a\xef\xbf\xbdz");
	CHECK("overlong '/'", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("overlong NUL is not a NUL", "\xc0\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("overlong ESC is not an ESC", "\xc0\x9b",
	    "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("overlong C1 is not a C1", "\xe0\x82\x85",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("surrogate", "\xed\xa0\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("past U+10FFFF", "\xf4\x90\x80\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("truncated at the end", "ok\xe2\x82", "ok\xef\xbf\xbd");
	CHECK("truncated before ASCII", "\xe2\x82" "A", "\xef\xbf\xbd" "A");
	CHECK("truncated before ESC", "\xf0\x9f\x98\x1b",
	    "\xef\xbf\xbd^[");
	CHECK("Unicode Table 3-8 example",
	    "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
	    "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd"
	    "c\xef\xbf\xbd\xef\xbf\xbd" "d");
}

/* Text that needs nothing passes unchanged. */
static void
test_unchanged(void)
{
	char	ascii[0x7f - 0x20 + 1];
	int	c;

	for (c = 0x20; c < 0x7f; c++)
		ascii[c - 0x20] = (char)c;
	ascii[sizeof ascii - 1] = '\0';
	check("every printable ASCII character", ascii, sizeof ascii - 1,
	    ascii);
	SAME("plain sentence", "Hello, world! ^[ is not ESC \\u0085 either");
	SAME("Latin, Greek, Cyrillic", "h\xc3\xa9llo \xce\xb1\xce\xb2\xce\xb3 "
	    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	SAME("CJK", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	SAME("emoji and U+10FFFF", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
	SAME("U+FFFD itself", "\xef\xbf\xbd");
	SAME("Hebrew (right-to-left, but no control)",
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
	check("empty", "", 0, "");
}

/* The worst cases fill PC_SANITIZED_MAX(len) exactly, and no more. */
static void
test_growth_bound(void)
{
	static const struct {
		const char	*name;
		const char	*unit;
		size_t		 len;
	} worst[] = {
		{ "C1 controls", "\xc2\x85", 2 },
		{ "U+061C", "\xd8\x9c", 2 },
		{ "lone bytes", "\xff", 1 },
		{ "lone continuation bytes", "\x80", 1 },
	};
	char	*in, *out;
	size_t	 i, k, n, len, reps = 1000;

	for (i = 0; i < sizeof worst / sizeof worst[0]; i++) {
		len = worst[i].len * reps;
		if ((in = malloc(len)) == NULL)
			abort();
		for (k = 0; k < reps; k++)
			memcpy(in + k * worst[i].len, worst[i].unit,
			    worst[i].len);
		out = run_sanitize(in, len, &n);
		is_uint(n, PC_SANITIZED_MAX(len), "%zu %s grow by 3 exactly",
		    reps, worst[i].name);
		free(out);
		free(in);
	}
}

/* Random input of one of a few flavours, more hostile than uniform bytes. */
static size_t
random_input(uint64_t *seed, char *buf, size_t max)
{
	static const unsigned char	nasty[] = { 0x00, 0x07, 0x09, 0x0a,
	    0x0d, 0x20, 0x20, 0x20, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xa0, 0xa8, 0xae,
	    0xbf, 0xc0, 0xc1, 0xc2, 0xd8, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4,
	    0xf5, 0xff };
	unsigned char			 enc[4];
	size_t				 len = xorshift_next(seed) % max, i = 0;
	size_t				 k, n;
	uint32_t			 c;
	int				 flavour = (int)(xorshift_next(seed) % 3);

	while (i < len) {
		switch (flavour) {
		case 0:		/* any byte */
			buf[i++] = (char)(xorshift_next(seed) & 0xff);
			break;
		case 1:		/* bytes that start or end trouble */
			buf[i++] = (char)nasty[xorshift_next(seed) %
			    sizeof nasty];
			break;
		default:	/* well-formed, sometimes cut mid-character */
			c = (uint32_t)(xorshift_next(seed) % 0x110000);
			if (xorshift_next(seed) % 2)
				c %= 0x3000;
			if (c >= 0xd800 && c <= 0xdfff)
				c = 0x2028;
			n = utf8_ref_encode(c, enc);
			for (k = 0; k < n && i < len; k++)
				buf[i++] = (char)enc[k];
			break;
		}
	}
	return len;
}

/* What must hold of any output: the reason sanitize exists. */
static const char *
output_problem(const unsigned char *s, size_t n)
{
	uint32_t	cp;
	size_t		i, k, blanks = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return "a control byte";
	}
	if (!utf8_ref_valid(s, n))
		return "ill-formed UTF-8";
	for (i = 0; i < n; i += k) {
		k = utf8_ref_decode(s + i, n - i, &cp);
		if ((cp >= 0x80 && cp < 0xa0) || cp == 0x061c ||
		    cp == 0x200e || cp == 0x200f ||
		    (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return "a C1, bidi or separator code point";
		if (cp == 0x00ad || cp == 0x200b || cp == 0x2060 ||
		    cp == 0xfeff || cp == 0x3164 || cp == 0x200d)
			return "an invisible code point";
		if (cp == ' ' || cp == 0xa0 || cp == 0x3000)
			blanks++;
		else
			blanks = 0;
		if (blanks > SANITIZE_BLANKS_MAX)
			return "a run of more than SANITIZE_BLANKS_MAX blanks";
	}
	return NULL;
}

/*
 * Thousands of inputs from a fixed seed: the output is within the bound,
 * valid UTF-8 without controls, and sanitising it again changes nothing.
 */
static void
test_random(void)
{
	char		 in[RANDOM_LEN_MAX];
	char		*out, *again;
	uint64_t	 seed = 20240229;
	size_t		 round, len, n, n2, over = 0, again_bad = 0;
	size_t		 unsafe = 0;
	const char	*why;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		len = random_input(&seed, in, sizeof in);
		out = run_sanitize(in, len, &n);
		if (n > PC_SANITIZED_MAX(len) && over++ == 0)
			diag("round %zu: %zu bytes became %zu", round, len, n);
		if ((why = output_problem((unsigned char *)out, n)) != NULL &&
		    unsafe++ == 0) {
			diag("round %zu: output has %s", round, why);
			is_mem(out, n, "", 0, "first unsafe output");
		}
		again = run_sanitize(out, n, &n2);
		if ((n2 != n || memcmp(again, out, n) != 0) &&
		    again_bad++ == 0)
			diag("round %zu: sanitising again changed it", round);
		free(again);
		free(out);
	}
	is_uint(over, 0, "%d random inputs: output <= PC_SANITIZED_MAX(len)",
	    RANDOM_ROUNDS);
	is_uint(unsafe, 0, "%d random inputs: valid UTF-8, no control bytes, "
	    "no C1/bidi/invisible code points, no long runs of blanks", RANDOM_ROUNDS);
	is_uint(again_bad, 0, "%d random inputs: sanitising is idempotent",
	    RANDOM_ROUNDS);
}

/* Run every test; TAP on stdout. */
int
main(void)
{
	test_c0();
	test_unicode_controls();
	test_invisible();
	test_blank_runs();
	test_unicode_neighbours();
	test_invalid();
	test_unchanged();
	test_growth_bound();
	test_random();
	return done_testing();
}
