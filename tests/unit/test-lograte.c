/* SPDX-License-Identifier: ISC */
/* Tests for daemon/lograte.c: a flood of warnings becomes a count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lograte.h"

#include "tap.h"

static FILE	*logfp;		/* stderr goes here */
static int	 saved_stderr;

/* Send stderr (the log) to a temporary file. */
static void
capture(void)
{
	if ((logfp = tmpfile()) == NULL ||
	    (saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(logfp), STDERR_FILENO) == -1)
		abort();
}

/* Put stderr back; return what was logged since capture() (static). */
static const char *
captured(void)
{
	static char	buf[8192];
	size_t		n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(logfp);
	n = fread(buf, 1, sizeof buf - 1, logfp);
	buf[n] = '\0';
	fclose(logfp);
	return buf;
}

/* How many lines of s contain needle. */
static int
count_lines(const char *s, const char *needle)
{
	const char	*nl;
	int		 n = 0;

	for (; *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s) - 1;
		if (memmem(s, (size_t)(nl - s), needle, strlen(needle)) != NULL)
			n++;
	}
	return n;
}

/* Run the loop for ms milliseconds. */
static void
run_for(struct event_base *base, int ms)
{
	struct timeval	tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

int
main(void)
{
	struct event_base	*base;
	struct lograte		*lr;
	const char		*log;
	int			 i, allowed;

	if ((base = event_base_new()) == NULL)
		abort();

	/* 1000 events in one interval: 2 in full, then one summary. */
	if ((lr = lograte_new(base, "refused things", 2, 200)) == NULL)
		abort();
	capture();
	for (i = 1; i <= 1000; i++)
		lograte_warnx(lr, "thing %d refused", i);
	is_uint(lograte_suppressed(lr), 998, "998 counted, not logged");
	run_for(base, 400);
	log = captured();
	if (!is_int(count_lines(log, "refused"), 3, "three lines in all"))
		diag("the log:\n%s", log);
	ok(strstr(log, "thing 1 refused\n") != NULL, "the first in full");
	ok(strstr(log, "thing 2 refused\n") != NULL, "the second in full");
	ok(strstr(log, "refused things: 998 more in the last 1 s, not logged "
	    "one by one; the last: thing 1000 refused\n") != NULL,
	    "the summary gives the count and the last");
	is_uint(lograte_suppressed(lr), 0, "the count starts again");

	/* A new interval: in full again. */
	capture();
	lograte_warnx(lr, "thing %d refused", 1001);
	log = captured();
	ok(strstr(log, "thing 1001 refused\n") != NULL,
	    "after the interval, in full again");

	/* lograte_allow only counts: the summary has no "last". */
	capture();
	for (i = allowed = 0; i < 50; i++)
		allowed += lograte_allow(lr);
	is_int(allowed, 1, "allow: one more in this interval");
	lograte_free(lr);
	log = captured();
	ok(strstr(log, "refused things: 49 more in the last 1 s, not logged "
	    "one by one\n") != NULL, "freeing logs what is counted: %s", log);

	/* Nothing suppressed, nothing armed: the loop has nothing to do. */
	if ((lr = lograte_new(base, "quiet", 5, 100)) == NULL)
		abort();
	capture();
	lograte_warnx(lr, "only one");
	is_int(event_base_loop(base, EVLOOP_NONBLOCK), 1,
	    "no timer when nothing was suppressed");
	lograte_free(lr);
	log = captured();
	is_int(count_lines(log, "only one"), 1, "logged once");
	event_base_free(base);
	return done_testing();
}
