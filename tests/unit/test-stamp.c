/* SPDX-License-Identifier: ISC */
/*
 * Tests for [log] timestamps in daemon/output.c: auto stamps unless the
 * fd is the journal's stream ($JOURNAL_STREAM), yes and no as said; the
 * time is RFC 3339 in local time, with the zone's offset.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "message.h"
#include "output.h"

#include "tap.h"

static void
fail_cb(void *arg)
{
	(void)arg;
}

/* What [log] timestamps = mode makes of fd, with $JOURNAL_STREAM as set. */
static int
stamps(struct event_base *base, int fd, int mode)
{
	struct output	*out;
	int		 on;

	out = output_new(base, fd, fail_cb, NULL);
	output_timestamps(out, mode);
	on = output_stamps(out);
	output_free(out);
	return on;
}

static void
test_modes(struct event_base *base, int fd)
{
	struct stat	st;
	char		js[64];

	unsetenv("JOURNAL_STREAM");
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_AUTO), 1,
	    "auto, not the journal: stamped");
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_YES), 1, "yes: stamped");
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_NO), 0, "no: not stamped");
	if (fstat(fd, &st) == -1)
		abort();
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
#ifdef HAVE_LIBSYSTEMD
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_AUTO), 0,
	    "auto, fd is the journal's stream: not stamped");
#else
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_AUTO), 1,
	    "auto, no libsystemd: the journal is not told apart");
#endif
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_NO), 0,
	    "no, the journal's stream: not stamped");
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	is_int(stamps(base, fd, CONFIG_TIMESTAMPS_AUTO), 1,
	    "auto, $JOURNAL_STREAM names another stream: stamped");
	unsetenv("JOURNAL_STREAM");
}

/* Print texts[i] at times[i] in zone tz with timestamps = yes; compare. */
static void
check_lines(struct event_base *base, const char *tz, const long long *times,
    size_t n, const char *want)
{
	struct message	 m = { .kind = MESSAGE_CHAT, .from = "alice" };
	struct output	*out;
	char		 buf[4096], text[MESSAGE_FORMAT_MAX];
	int		 p[2];
	ssize_t		 len;
	size_t		 i;

	setenv("TZ", tz, 1);
	tzset();
	if (pipe(p) == -1)
		abort();
	out = output_new(base, p[1], fail_cb, NULL);
	output_timestamps(out, CONFIG_TIMESTAMPS_YES);
	for (i = 0; i < n; i++) {
		m.time = times[i];
		m.text = "hi";
		m.len = 2;
		output_message(out, &m, text, message_format(&m, text));
	}
	output_flush(out);
	output_free(out);
	close(p[1]);
	len = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	buf[len > 0 ? len : 0] = '\0';
	is_str(buf, want, "lines stamped in %s", tz);
}

static void
test_format(struct event_base *base)
{
	static const long long	t1[] = { 86400 + 3600 + 61, 86400 + 3600 + 61,
				    86400 + 3600 + 62 };
	static const long long	t2[] = { 1796180867 };

	check_lines(base, "UTC0", t1, 3,
	    "1970-01-02T01:01:01+00:00 alice: hi\n"
	    "1970-01-02T01:01:01+00:00 alice: hi\n"
	    "1970-01-02T01:01:02+00:00 alice: hi\n");
	check_lines(base, "<+0530>-5:30", t2, 1,
	    "2026-12-02T08:37:47+05:30 alice: hi\n");
	check_lines(base, "<-03>3", t2, 1,
	    "2026-12-02T00:07:47-03:00 alice: hi\n");
}

int
main(void)
{
	struct event_base	*base;
	int			 p[2];

	if ((base = event_base_new()) == NULL || pipe(p) == -1)
		abort();
	test_modes(base, p[1]);
	test_format(base);
	close(p[0]);
	close(p[1]);
	event_base_free(base);
	return done_testing();
}
