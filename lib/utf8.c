/* SPDX-License-Identifier: ISC */
/* UTF-8 decoding and cutting, strict per Unicode Table 3-7. */
#include "utf8.h"

/*
 * Decode the character at s.  Returns how many bytes it uses (at least 1
 * when len > 0) and stores the code point in *cp, or UTF8_INVALID for an
 * ill-formed sequence; the bytes skipped are then its "maximal subpart", so
 * a caller that writes one U+FFFD per call follows Unicode's recommended
 * practice.  Overlong forms, surrogates and values past U+10FFFF are
 * ill-formed.
 */
size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char	b0, lo = 0x80, hi = 0xbf;
	size_t		need, i;
	uint32_t	c;

	if (len == 0) {
		*cp = UTF8_INVALID;
		return 0;
	}
	b0 = s[0];
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	if (b0 < 0xc2 || b0 > 0xf4) {
		*cp = UTF8_INVALID;
		return 1;
	}
	if (b0 < 0xe0) {
		need = 1;
		c = b0 & 0x1f;
	} else if (b0 < 0xf0) {
		need = 2;
		c = b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0;
		else if (b0 == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		c = b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90;
		else if (b0 == 0xf4)
			hi = 0x8f;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*cp = UTF8_INVALID;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

/*
 * Return the largest length <= max at which s (len bytes) can be cut
 * without splitting a UTF-8 character (0 if the first one does not fit).
 * Invalid input is cut at max.
 */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return len;
	for (n = max;; n--) {
		if (((unsigned char)s[n] & 0xc0) != 0x80)
			return n;
		if (n == 0 || max - n == 3)
			return max;
	}
}
