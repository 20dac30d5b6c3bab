/* SPDX-License-Identifier: ISC */
/* Reference UTF-8 decoding for the tests, written from Unicode Table 3-7. */
#ifndef PC_UTF8_REF_H
#define PC_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Table 3-7, "Well-Formed UTF-8 Byte Sequences", as data: a first byte
 * range and the range each following byte must be in.  Kept as a table,
 * unlike lib/utf8.c, so that the two do not share a mistake.
 */
static const struct utf8_ref_row {
	unsigned char	first_lo, first_hi;
	int		ntrail;
	unsigned char	lo[3], hi[3];
} utf8_ref_table[] = {
	{ 0x00, 0x7f, 0, { 0 }, { 0 } },
	{ 0xc2, 0xdf, 1, { 0x80 }, { 0xbf } },
	{ 0xe0, 0xe0, 2, { 0xa0, 0x80 }, { 0xbf, 0xbf } },
	{ 0xe1, 0xec, 2, { 0x80, 0x80 }, { 0xbf, 0xbf } },
	{ 0xed, 0xed, 2, { 0x80, 0x80 }, { 0x9f, 0xbf } },
	{ 0xee, 0xef, 2, { 0x80, 0x80 }, { 0xbf, 0xbf } },
	{ 0xf0, 0xf0, 3, { 0x90, 0x80, 0x80 }, { 0xbf, 0xbf, 0xbf } },
	{ 0xf1, 0xf3, 3, { 0x80, 0x80, 0x80 }, { 0xbf, 0xbf, 0xbf } },
	{ 0xf4, 0xf4, 3, { 0x80, 0x80, 0x80 }, { 0x8f, 0xbf, 0xbf } },
};

/*
 * Decode like utf8_decode: the length used, and the code point or
 * UINT32_MAX; an ill-formed sequence uses its maximal subpart, the longest
 * prefix of a well-formed sequence (at least one byte).
 */
static inline size_t
utf8_ref_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	const struct utf8_ref_row	*r = NULL;
	size_t				 i, k;
	uint32_t			 c;

	*cp = UINT32_MAX;
	if (len == 0)
		return 0;
	for (k = 0; k < sizeof utf8_ref_table / sizeof utf8_ref_table[0];
	    k++) {
		if (s[0] >= utf8_ref_table[k].first_lo &&
		    s[0] <= utf8_ref_table[k].first_hi)
			r = &utf8_ref_table[k];
	}
	if (r == NULL)
		return 1;
	for (i = 0; i < (size_t)r->ntrail; i++) {
		if (1 + i >= len || s[1 + i] < r->lo[i] || s[1 + i] > r->hi[i])
			return 1 + i;
	}
	switch (r->ntrail) {
	case 0:
		c = s[0];
		break;
	case 1:
		c = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		break;
	case 2:
		c = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		break;
	default:
		c = (uint32_t)(s[0] & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		break;
	}
	*cp = c;
	return 1 + (size_t)r->ntrail;
}

/* Encode cp (a scalar value, or a surrogate for testing) into out[4]. */
static inline size_t
utf8_ref_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Whether len bytes at s are entirely well-formed UTF-8. */
static inline int
utf8_ref_valid(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		n = utf8_ref_decode(s + i, len - i, &cp);
		if (cp == UINT32_MAX)
			return 0;
	}
	return 1;
}

#endif
