/* SPDX-License-Identifier: ISC */
/* What the harnesses share: a fatal check and an independent UTF-8 oracle. */
#ifndef PC_FUZZ_H
#define PC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* From the sanitizers' runtime, when there is one: it prints to their log. */
void	__sanitizer_report_error_summary(const char *) __attribute__((weak));

/* A broken property is a crash: libFuzzer saves the input, the test fails. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

#define FUZZ_INVALID	UINT32_MAX	/* code point of an ill-formed part */

/*
 * For the oracles: their branches are no coverage of the code under test,
 * and tracing their comparisons would cost most of the run time.
 */
#define FUZZ_ORACLE	__attribute__((no_sanitize("coverage")))

/*
 * Report a failed FUZZ_CHECK and crash.  The sanitizers' log is where
 * their own reports go, which -close_fd_mask=2 leaves open.
 */
static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	char	msg[512];

	snprintf(msg, sizeof msg, "%s:%d: check failed: %s", file, line,
	    what);
	if (__sanitizer_report_error_summary != NULL)
		__sanitizer_report_error_summary(msg);
	else
		fprintf(stderr, "%s\n", msg);
	abort();
}

/*
 * The UTF-8 oracle works from code point ranges rather than from Table 3-7
 * byte ranges as lib/utf8.c does, so that the two do not share a mistake.
 * Whether the n bytes at s can begin a well-formed character of total
 * bytes: some completion must be a scalar value that needs total bytes.
 */
static inline FUZZ_ORACLE int
fuzz_utf8_prefix_ok(const unsigned char *s, size_t n, size_t total)
{
	static const uint32_t	 shortest[] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t		 lo, hi;
	size_t			 i;

	lo = s[0] & (0x7fu >> total);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		lo = lo << 6 | (s[i] & 0x3fu);
	}
	for (hi = lo; i < total; i++) {
		lo <<= 6;
		hi = hi << 6 | 0x3f;
	}
	if (lo < shortest[total])
		lo = shortest[total];
	if (hi > 0x10ffff)
		hi = 0x10ffff;
	return lo <= hi && !(lo >= 0xd800 && hi <= 0xdfff);
}

/*
 * Decode the character at s (len > 0): returns the bytes it uses and its
 * code point, or FUZZ_INVALID and the length of the maximal subpart (the
 * longest prefix of some well-formed character, at least one byte).
 */
static inline FUZZ_ORACLE size_t
fuzz_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t	total, n;

	*cp = FUZZ_INVALID;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		total = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		total = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		total = 4;
	else
		return 1;
	for (n = 1; n < total && n < len; n++) {
		if (!fuzz_utf8_prefix_ok(s, n + 1, total))
			break;
	}
	if (n < total || !fuzz_utf8_prefix_ok(s, n, total))
		return n;
	*cp = s[0] & (0x7fu >> total);
	for (n = 1; n < total; n++)
		*cp = *cp << 6 | (s[n] & 0x3fu);
	return total;
}

/* Whether len bytes at p are all well-formed UTF-8. */
static inline FUZZ_ORACLE int
fuzz_utf8_valid(const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i, n;
	uint32_t		 cp;

	for (i = 0; i < len; i += n) {
		n = fuzz_utf8_decode(s + i, len - i, &cp);
		if (cp == FUZZ_INVALID)
			return 0;
	}
	return 1;
}

/* Whether text is safe to print: valid UTF-8, no C0 control, no DEL. */
static inline FUZZ_ORACLE int
fuzz_printable(const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	}
	return fuzz_utf8_valid(p, len);
}

/*
 * Whether cutting len bytes at s to cut bytes splits a well-formed
 * character: decoding from the start (which finds every well-formed
 * character, as an ill-formed part never swallows a lead byte) steps
 * over cut instead of landing on it.
 */
static inline FUZZ_ORACLE int
fuzz_utf8_splits(const void *p, size_t len, size_t cut)
{
	const unsigned char	*s = p;
	size_t			 i, n;
	uint32_t		 cp;

	for (i = 0; i < cut && i < len; i += n) {
		n = fuzz_utf8_decode(s + i, len - i, &cp);
		if (i + n > cut)
			return cp != FUZZ_INVALID;
	}
	return 0;
}

#endif
