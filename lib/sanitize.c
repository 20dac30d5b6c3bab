/* SPDX-License-Identifier: ISC */
/* Make untrusted text safe to print on a terminal or in a log. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pclimits.h"
#include "sanitize.h"
#include "utf8.h"

/*
 * Code points written as "\uXXXX" (or "\UXXXXXXXX" past the BMP): the C1
 * controls, the line and paragraph separators, and every
 * Default_Ignorable_Code_Point of Unicode 15.1 (DerivedCoreProperties.txt):
 * the bidirectional controls used by "Trojan Source" tricks, and the
 * characters a terminal shows as nothing at all (U+200B ZERO WIDTH SPACE,
 * U+2060 WORD JOINER, U+FEFF, U+3164 HANGUL FILLER, U+00AD SOFT HYPHEN,
 * variation selectors, tags, ...), with which two texts that differ look
 * the same.  Sorted, for a binary search.
 */
static const struct sanitize_range {
	uint32_t	lo, hi;
} sanitize_escaped[] = {
	{ 0x0080, 0x009f },	/* C1 controls */
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x17b4, 0x17b5 },	/* Khmer inherent vowels */
	{ 0x180b, 0x180f },	/* Mongolian selectors, vowel separator */
	{ 0x200b, 0x200f },	/* zero width space, joiners, LRM, RLM */
	{ 0x2028, 0x202e },	/* line/paragraph separators, embeddings */
	{ 0x2060, 0x206f },	/* word joiner, invisible operators, isolates */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfe00, 0xfe0f },	/* variation selectors */
	{ 0xfeff, 0xfeff },	/* zero width no-break space, BOM */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff0, 0xfff8 },	/* reserved, default ignorable */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical format controls */
	{ 0xe0000, 0xe0fff },	/* tags, variation selectors supplement */
};

/* Whether sanitize writes cp as an escape rather than as itself. */
int
sanitize_is_escaped(uint32_t cp)
{
	size_t	lo = 0, hi = sizeof sanitize_escaped / sizeof
		    sanitize_escaped[0], mid;

	if (cp < sanitize_escaped[0].lo)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < sanitize_escaped[mid].lo)
			hi = mid;
		else if (cp > sanitize_escaped[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * Whether cp shows as an empty cell: ASCII space, the other space
 * separators (general category Zs) and U+2800 BRAILLE PATTERN BLANK.
 * Runs of them are cut to SANITIZE_BLANKS_MAX.
 */
int
sanitize_is_blank(uint32_t cp)
{
	return cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
	    cp == 0x2800 || cp == 0x3000;
}

/*
 * How many bytes at s are printable ASCII (0x20 to 0x7e) that are copied
 * as they are: most text is, so this is looked at eight bytes at a time.
 * It stops before two spaces in a row that may start a run of blanks
 * longer than SANITIZE_BLANKS_MAX (shorter ones inside a word go through).
 * A byte is below 0x20 if subtracting 0x20 borrows into its top bit (and
 * its top bit was clear), and 0x7f or above if adding 1 sets its top bit
 * or it was set already.
 */
static size_t
sanitize_plain_run(const unsigned char *s, size_t len)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	highs = 0x8080808080808080ULL;
	uint64_t	w;
	size_t		i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if ((((w - ones * 0x20) & ~w) | ((w + ones) | w)) & highs)
			break;
		/*
		 * A run of more than 8 spaces crosses the end of a word:
		 * stop there, and the loop below stops where it starts.
		 */
		if (s[i + 7] == ' ' && i + 8 < len && s[i + 8] == ' ')
			break;
	}
	while (i < len && s[i] >= 0x20 && s[i] < 0x7f &&
	    !(s[i] == ' ' && i + 1 < len && s[i + 1] == ' '))
		i++;
	return i;
}

/* Write cp as "\u00ad", or "\U000e0001" past the BMP; returns the end. */
static char *
sanitize_escape(char *o, uint32_t cp)
{
	int	shift = cp > 0xffff ? 28 : 12;

	*o++ = '\\';
	*o++ = cp > 0xffff ? 'U' : 'u';
	for (; shift >= 0; shift -= 4)
		*o++ = "0123456789abcdef"[(cp >> shift) & 0xf];
	return o;
}

/*
 * Copy len bytes of untrusted text from in to out, which must have room for
 * PC_SANITIZED_MAX(len) bytes, and return the length written.  The result
 * is valid UTF-8 without a single control byte:
 *   C0 controls and DEL  ->  caret notation, as cat -v: ESC is "^[", NUL "^@"
 *   C1 controls, separators and default-ignorable code points (bidi
 *   controls, zero-width and other invisible characters)  ->  "\u0085",
 *   "\u200b", "\U000e0001" and so on
 *   ill-formed UTF-8  ->  U+FFFD, one per maximal subpart
 *   a run of more than SANITIZE_BLANKS_MAX blanks (spaces)  ->  its first
 *   SANITIZE_BLANKS_MAX, so that padding cannot push text to where a
 *   reader takes it for a line of its own
 * Everything else is copied unchanged.  Sanitising the result again
 * changes nothing.
 */
size_t
sanitize(char *out, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*o = out;
	size_t			 i = 0, n, blanks = 0;
	uint32_t		 cp;

	while (i < len) {
		/* A space after a blank counts towards the run. */
		if (blanks == 0 || s[i] != ' ') {
			n = sanitize_plain_run(s + i, len - i);
			if (n > 0) {
				memcpy(o, s + i, n);
				o += n;
				i += n;
				for (blanks = 0; blanks < n &&
				    o[-1 - (ptrdiff_t)blanks] == ' '; blanks++)
					;
				continue;
			}
		}
		n = utf8_decode(s + i, len - i, &cp);
		i += n;
		if (sanitize_is_blank(cp)) {
			if (blanks++ < SANITIZE_BLANKS_MAX) {
				memcpy(o, s + i - n, n);
				o += n;
			}
			continue;
		}
		blanks = 0;
		if (cp < 0x20 || cp == 0x7f) {
			*o++ = '^';
			*o++ = (char)(cp ^ 0x40);
		} else if (cp == UTF8_INVALID) {
			*o++ = (char)0xef;
			*o++ = (char)0xbf;
			*o++ = (char)0xbd;
		} else if (sanitize_is_escaped(cp))
			o = sanitize_escape(o, cp);
		else {
			memcpy(o, s + i - n, n);
			o += n;
		}
	}
	return (size_t)(o - out);
}
