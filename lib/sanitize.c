/* Make untrusted text safe to print on a terminal or in a log. */
#include <stdint.h>
#include <string.h>

#include "pclimits.h"
#include "sanitize.h"
#include "utf8.h"

/*
 * Code points that are valid text but can hide or reorder what a reader
 * sees: line and paragraph separators, and the bidirectional embedding,
 * override and isolate controls used by "Trojan Source" tricks.
 */
static int
sanitize_is_format_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * How many bytes at s are printable ASCII (0x20 to 0x7e), which are
 * copied as they are: most text is, so this is looked at eight bytes at
 * a time.  A byte is below 0x20 if subtracting 0x20 borrows into its top
 * bit (and its top bit was clear), and 0x7f or above if adding 1 sets
 * its top bit or it was set already.
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
	}
	while (i < len && s[i] >= 0x20 && s[i] < 0x7f)
		i++;
	return i;
}

/*
 * Copy len bytes of untrusted text from in to out, which must have room for
 * PC_SANITIZED_MAX(len) bytes, and return the length written.  The result
 * is valid UTF-8 without a single control byte:
 *   C0 controls and DEL  ->  caret notation, as cat -v: ESC is "^[", NUL "^@"
 *   C1 controls, bidi and line-separator code points  ->  "\u0085" and so on
 *   ill-formed UTF-8  ->  U+FFFD, one per maximal subpart
 * Everything else is copied unchanged.
 */
size_t
sanitize(char *out, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*o = out;
	size_t			 i = 0, n;
	uint32_t		 cp;

	while (i < len) {
		n = sanitize_plain_run(s + i, len - i);
		if (n > 0) {
			memcpy(o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (cp < 0x20 || cp == 0x7f) {
			*o++ = '^';
			*o++ = (char)(cp ^ 0x40);
		} else if (cp == UTF8_INVALID) {
			*o++ = (char)0xef;
			*o++ = (char)0xbf;
			*o++ = (char)0xbd;
		} else if ((cp >= 0x80 && cp < 0xa0) ||
		    sanitize_is_format_control(cp)) {
			*o++ = '\\';
			*o++ = 'u';
			for (int shift = 12; shift >= 0; shift -= 4)
				*o++ = "0123456789abcdef"[(cp >> shift) & 0xf];
		} else {
			for (size_t k = 0; k < n; k++)
				*o++ = (char)s[i + k];
		}
		i += n;
	}
	return (size_t)(o - out);
}
