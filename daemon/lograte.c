/* SPDX-License-Identifier: ISC */
/* Rate-limited warnings: the first few in full, then a count. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "lograte.h"
#include "xmalloc.h"

/* Room for the last suppressed message, quoted in the summary. */
#define LOGRATE_LAST_MAX	512

/*
 * Something a client can make happen as often as it likes (a refused
 * JOIN, a throttled session) must not make the daemon's log grow as fast:
 * per interval, the first burst events are logged in full, the rest only
 * counted, and one line at the end of the interval gives the count and
 * the last of them.  The interval starts with its first event; an idle
 * lograte arms no timer.
 */
struct lograte {
	const char	*what;		/* "refused sessions", for the summary */
	int		 burst;		/* logged in full per interval */
	long long	 interval_ms;
	long long	 window_end;	/* ms, monotonic; 0: no window */
	int		 logged;	/* in full, this interval */
	unsigned long	 suppressed;	/* counted, this interval */
	char		 last[LOGRATE_LAST_MAX];
	struct event	*ev;		/* end of the interval */
};

static void	lograte_summary_cb(int, short, void *);

static long long
lograte_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A limiter for events described as what (a string that must outlive
 * it): burst per interval_ms logged in full.
 */
struct lograte *
lograte_new(struct event_base *base, const char *what, int burst,
    int interval_ms)
{
	struct lograte	*lr;

	lr = xcalloc(1, sizeof *lr);
	lr->what = what;
	lr->burst = burst;
	lr->interval_ms = interval_ms;
	if ((lr->ev = evtimer_new(base, lograte_summary_cb, lr)) == NULL)
		fatalx("lograte: evtimer_new failed");
	return lr;
}

/* Log what is still counted, and free; NULL is fine. */
void
lograte_free(struct lograte *lr)
{
	if (lr == NULL)
		return;
	if (lr->suppressed > 0)
		lograte_summary_cb(-1, 0, lr);
	event_free(lr->ev);
	free(lr);
}

/*
 * One more event: returns 1 if the caller should log it in full, 0 if it
 * has been counted for the summary.
 */
int
lograte_allow(struct lograte *lr)
{
	long long	now = lograte_now();
	struct timeval	tv;

	if (lr->window_end == 0 || now >= lr->window_end) {
		if (lr->suppressed > 0)
			lograte_summary_cb(-1, 0, lr);
		lr->window_end = now + lr->interval_ms;
		lr->logged = 0;
	}
	if (lr->logged < lr->burst) {
		lr->logged++;
		return 1;
	}
	if (lr->suppressed++ == 0) {
		tv.tv_sec = (time_t)((lr->window_end - now) / 1000);
		tv.tv_usec = (suseconds_t)((lr->window_end - now) % 1000 *
		    1000);
		/* Without the timer the summary comes with the next event. */
		if (evtimer_add(lr->ev, &tv) == -1)
			log_warnx("%s: cannot arm the summary timer", lr->what);
	}
	return 0;
}

/* log_warnx, or count it (and keep it as the last) when over the rate. */
void
lograte_warnx(struct lograte *lr, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (lograte_allow(lr)) {
		char	msg[LOGRATE_LAST_MAX];

		vsnprintf(msg, sizeof msg, fmt, ap);
		log_warnx("%s", msg);
	} else
		vsnprintf(lr->last, sizeof lr->last, fmt, ap);
	va_end(ap);
}

/* Events counted and not yet summarised. */
unsigned long
lograte_suppressed(const struct lograte *lr)
{
	return lr->suppressed;
}

/* The interval is over: one line with the count, and the last one. */
static void
lograte_summary_cb(int fd, short what, void *arg)
{
	struct lograte	*lr = arg;

	(void)fd;
	(void)what;
	if (lr->suppressed == 0)
		return;
	if (lr->last[0] != '\0')
		log_warnx("%s: %lu more in the last %lld s, not logged one by "
		    "one; the last: %s", lr->what, lr->suppressed,
		    (lr->interval_ms + 999) / 1000, lr->last);
	else
		log_warnx("%s: %lu more in the last %lld s, not logged one by "
		    "one", lr->what, lr->suppressed,
		    (lr->interval_ms + 999) / 1000);
	lr->suppressed = 0;
	lr->last[0] = '\0';
	lr->window_end = 0;
	event_del(lr->ev);
}
