/* SPDX-License-Identifier: ISC */
/* A tiny TAP producer for the unit tests: one binary, one plan. */
#ifndef PC_TAP_H
#define PC_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Test::More names, so that a test reads like its TAP output:
 *	ok(cond, "name %d", i);
 *	is_str(got, "want", "name");
 *	skip("why not here");
 *	return done_testing();
 * A failure prints where it happened and what was got and expected.
 */
#define plan(n)		tap_plan(n)
#define diag(...)	tap_diag(__VA_ARGS__)
#define ok(c, ...)	tap_ok(!!(c), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...)						\
	tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_uint(g, w, ...)						\
	tap_is_uint((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...)						\
	tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(g, gl, w, wl, ...)					\
	tap_is_mem((g), (gl), (w), (wl), __FILE__, __LINE__, __VA_ARGS__)
#define skip(...)	tap_skip(__VA_ARGS__)
#define done_testing()	tap_done()

/* bytes shown around the first difference of two buffers */
#define TAP_MEM_WINDOW	32

static struct {
	int	planned;	/* -1 until plan() */
	int	run;
	int	failed;
} tap_state = { -1, 0, 0 };

/* Announce how many tests will run; optional, done_testing() can do it. */
static inline void
tap_plan(int n)
{
	tap_state.planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Print a comment line (or lines) for the reader of the log. */
static inline void __attribute__((format(printf, 1, 2)))
tap_diag(const char *fmt, ...)
{
	char		 buf[8192];
	const char	*p, *nl;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* "# " in front of every line, or TAP readers take it for output. */
	for (p = buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		printf("# %.*s\n", (int)(nl - p + (*nl != '\n')), p);
	}
	fflush(stdout);
}

/* Print one test result; returns pass so callers can add diagnostics. */
static inline int __attribute__((format(printf, 4, 0)))
tap_vresult(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap_state.run++;
	printf("%sok %d - ", pass ? "" : "not ", tap_state.run);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	if (!pass) {
		tap_state.failed++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	fflush(stdout);
	return pass;
}

/* The test passes when pass is nonzero. */
static inline int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

/* Count a test that cannot run here as passed, saying why. */
static inline void __attribute__((format(printf, 1, 2)))
tap_skip(const char *fmt, ...)
{
	va_list	ap;

	tap_state.run++;
	printf("ok %d # skip ", tap_state.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Signed integers are equal. */
static inline int __attribute__((format(printf, 5, 6)))
tap_is_int(intmax_t got, intmax_t want, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	pass;

	va_start(ap, fmt);
	pass = tap_vresult(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: %jd\n#     expected: %jd\n", got, want);
	return pass;
}

/* Unsigned integers (sizes, code points) are equal; shown in both bases. */
static inline int __attribute__((format(printf, 5, 6)))
tap_is_uint(uintmax_t got, uintmax_t want, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	pass;

	va_start(ap, fmt);
	pass = tap_vresult(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: %ju (0x%jx)\n"
		    "#     expected: %ju (0x%jx)\n", got, got, want, want);
	return pass;
}

/* Print len bytes of p as a C string literal, escaping the unprintable. */
static inline void
tap_print_escaped(const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			putchar(s[i]);
		else
			printf("\\x%02x", s[i]);
	}
	putchar('"');
}

/* Strings are equal; NULL equals only NULL. */
static inline int __attribute__((format(printf, 5, 6)))
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	pass;

	if (got == NULL || want == NULL)
		pass = got == want;
	else
		pass = strcmp(got, want) == 0;
	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		fputs("#          got: ", stdout);
		if (got == NULL)
			fputs("NULL", stdout);
		else
			tap_print_escaped(got, strlen(got));
		fputs("\n#     expected: ", stdout);
		if (want == NULL)
			fputs("NULL", stdout);
		else
			tap_print_escaped(want, strlen(want));
		fputc('\n', stdout);
	}
	return pass;
}

/*
 * Buffers are equal in length and content.  On failure show the lengths
 * and a window around the first difference, so megabytes stay readable.
 */
static inline int __attribute__((format(printf, 7, 8)))
tap_is_mem(const void *got, size_t glen, const void *want, size_t wlen,
    const char *file, int line, const char *fmt, ...)
{
	const unsigned char	*g = got, *w = want;
	va_list			 ap;
	size_t			 at, from, n;
	int			 pass;

	for (at = 0; at < glen && at < wlen && g[at] == w[at]; at++)
		;
	pass = glen == wlen && at == glen;
	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (pass)
		return pass;
	printf("#     lengths: got %zu, expected %zu; first difference at "
	    "byte %zu\n", glen, wlen, at);
	from = at > TAP_MEM_WINDOW / 2 ? at - TAP_MEM_WINDOW / 2 : 0;
	n = glen > from ? glen - from : 0;
	fputs("#          got: ", stdout);
	tap_print_escaped(g + from, n < TAP_MEM_WINDOW ? n : TAP_MEM_WINDOW);
	printf(" (from byte %zu)\n", from);
	n = wlen > from ? wlen - from : 0;
	fputs("#     expected: ", stdout);
	tap_print_escaped(w + from, n < TAP_MEM_WINDOW ? n : TAP_MEM_WINDOW);
	printf(" (from byte %zu)\n", from);
	fflush(stdout);
	return pass;
}

/* Print the plan if not done yet; returns the exit status for main. */
static inline int
tap_done(void)
{
	if (tap_state.planned < 0)
		printf("1..%d\n", tap_state.run);
	else if (tap_state.planned != tap_state.run) {
		printf("# planned %d tests but ran %d\n", tap_state.planned,
		    tap_state.run);
		fflush(stdout);
		return EXIT_FAILURE;
	}
	if (tap_state.failed > 0)
		printf("# failed %d of %d tests\n", tap_state.failed,
		    tap_state.run);
	fflush(stdout);
	return tap_state.failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
