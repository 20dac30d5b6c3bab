/* SPDX-License-Identifier: ISC */
/*
 * pcload: a load driver for pipechatd.
 *
 * One process, one poll() loop, no threads.  It plays many clients at once:
 *
 *   sessions	-n N: N sessions that speak the real protocol
 *		(docs/PROTOCOL.md): make ID.in and ID.out in the session
 *		directory, open ID.out, write "\001JOIN ID [quiet]" on the
 *		well-known FIFO, wait for "welcome NAME", open ID.in.  The
 *		FIFOs get the protocol's group and other bits (ID.in group r,
 *		ID.out group w, nothing for others); the owner gets rw, which
 *		the daemon does not look at, so that pcload also works as the
 *		daemon's own user (0240/0420 shut the owner, who would then
 *		be the daemon, out).
 *		The first S of them (-S, default 1 when -m is given) are
 *		senders.  Every session counts the "msg" lines it receives.
 *   raw writers	-r R: R writers that each open the well-known FIFO and
 *		write lines to it, as `pipechat-client -r` does (each with
 *		a '\n' in front); the daemon shows them as "(anonymous)"
 *		and sends them to every session.
 *   slow reader	-w: one more session that reads its welcome and then
 *		stops reading until the N others have got everything.  Its
 *		queue in the daemon overflows ([session] queue_max): the
 *		daemon drops the oldest lines and, where they were, says
 *		"info -!- K messages dropped: ...".  The others must still get
 *		everything; then the slow reader reads what is left, and what
 *		it got plus what it was told it missed must be every message,
 *		in order: nothing may go missing unannounced.
 *
 * Every sender and raw writer sends -m M messages; a message's text is
 * "pcload PID SRC SEQ T " padded with 'x' to -b bytes, where SRC is sK
 * (session K) or rK (raw writer K), SEQ counts from 0 and T is the
 * CLOCK_MONOTONIC time of the write(2) in nanoseconds.  Round k is message
 * k of every source.  Each session must receive every message of every
 * source but itself (a sender does not hear itself), each source's in
 * order, exactly once; lines that are not ours are ignored.
 *
 * IRC mode (-I ADDR:PORT) plays the same sessions as IRC clients of an
 * IRC server, for comparison: each connects over TCP, registers (NICK,
 * USER), joins #bench and waits for the end of NAMES (366); once all have
 * joined, senders send "PRIVMSG #bench :TEXT" with the same TEXT as above,
 * and every client counts and timestamps the PRIVMSGs it receives exactly
 * as a session counts its "msg" lines.  It answers PING, acknowledges
 * what it reads at once (TCP_QUICKACK, see irc_quickack), and at the end
 * sends QUIT and waits for the server to close.  No raw writers, no slow
 * reader.  At most PCLOAD_IRC_PENDING_MAX clients register at once, so that
 * a server with a short listen backlog is not flooded with SYNs.
 *
 * usage: pcload -p FIFO [-s DIR] [-n N] [-S S] [-r R] [-m M] [-b BYTES]
 *		 [-W ROUNDS] [-i USEC] [-t SEC] [-c FILE:BYTES] [-H SEC]
 *		 [-P PID] [-aFlvw]
 *        pcload -I ADDR:PORT [-n N] [-S S] [-m M] [-b BYTES] [-W ROUNDS]
 *		 [-i USEC] [-t SEC] [-H SEC] [-P PID] [-lv]
 *
 *   -p FIFO	the daemon's well-known FIFO (required unless -I)
 *   -I ADDR:PORT	IRC mode: the IRC server (a numeric IPv4 address)
 *   -c FILE:BYTES	done when FILE, where the reader of the FIFO writes
 *		what it reads, has grown to BYTES bytes: prints the time
 *		from the first write to then ("drained") and the messages/s;
 *		for raw-writer throughput, where nothing comes back to us
 *   -P PID	also report the CPU time that PID (the server) and pcload
 *		used while the messages were sent and delivered, how long
 *		each waited for a CPU, and how many times each was put on
 *		one (/proc/PID/schedstat): woken, mostly
 *   -H SEC	hold: after the messages, keep every session open for SEC
 *		seconds or until SIGUSR1, so that the daemon's memory can be
 *		measured; prints "holding" first
 *   -s DIR	the session directory (default: "sessions" beside FIFO)
 *   -n N	sessions to join (default 0)
 *   -S S	how many of them send (default 1, or 0 with -m 0)
 *   -r R	raw writers (default 0)
 *   -m M	messages per sender and raw writer (default 0: only join)
 *   -b BYTES	message text length, at most PIPE_BUF - 1, or PIPE_BUF - 2
 *		with -r (default: as short as the header)
 *   -W ROUNDS	flow control: start round k only once round k - ROUNDS has
 *		reached every session (default 0: no limit; -W 1 measures
 *		latency without queueing)
 *   -i USEC	start round k no earlier than k * USEC after the first
 *   -t SEC	give up after SEC seconds in all (default 60)
 *   -a		announce: join without "quiet", so the daemon says
 *		"joined"/"left" (the slow reader always does)
 *   -F		join with "fields": every line comes as "KIND FIELDS TEXT",
 *		and a sender gets its own messages back, marked "self",
 *		which are not counted; measures the daemon's FIELDS path
 *   -l		measure latency: write(2) to read(2) of each delivered line,
 *		printed as p50/p90/p99/max; nothing is asserted about it
 *   -v		verbose: report each session that missed something
 *   -w		add the slow reader
 *
 * It raises RLIMIT_NOFILE as far as it needs (2 fds per session, 1 per
 * IRC client), and
 * removes every FIFO it made when it exits.  The daemon must allow the
 * sessions: [session] max_clients and max_per_user (all sessions belong to
 * the user running pcload), and the rate: rate = 0, or pcload measures
 * the rate limit ([session] rate, 20 lines/s by default).
 *
 * Output: one "pcload: ..." line per phase (joined, sent, drained,
 * delivered, latency, slow reader, holding, left), the CPU time pcload
 * used, then "pcload: OK" or "pcload: FAILED".
 * Exit status: 0 every session received everything (and the slow reader
 * everything it was not told it missed); 1 something was missing,
 * duplicated, out of order, or the run timed out; 64 usage;
 * 69 the daemon is not there or refused a session; 71 system error.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pclimits.h"
#include "proto.h"
#include "sessfifo.h"
#include "xmalloc.h"

#define PCLOAD_EX_FAIL		1
#define PCLOAD_EX_USAGE		PC_EX_USAGE
#define PCLOAD_EX_UNAVAILABLE	PC_EX_UNAVAILABLE
#define PCLOAD_EX_OSERR		PC_EX_OSERR

/* fds besides two per session and one per raw writer: stdio, the FIFO... */
#define PCLOAD_SPARE_FDS	32
/* The slow reader may take this long (or what is left of -t) to catch up. */
#define PCLOAD_SLOW_GRACE_MS	5000
/*
 * At the end, how long the daemon may take to close the sessions we leave:
 * what is left of -t, but at least this.
 */
#define PCLOAD_LEAVE_MS		5000
/* A daemon line is at most PROTO_OUT_LINE_MAX bytes with its '\n'. */
#define PCLOAD_LINE_MAX		(PROTO_OUT_LINE_MAX + 1)
/* Report at most this many failing sessions unless -v. */
#define PCLOAD_REPORT_MAX	10
/* "pcload PID SRC SEQ T": the longest header a message can have. */
#define PCLOAD_HDR_MAX		80
/* How often -c looks at the reader's output file. */
#define PCLOAD_DONE_POLL_NS	50000
/* IRC mode: the channel every client joins. */
#define PCLOAD_IRC_CHANNEL	"#bench"
/*
 * IRC mode: clients connecting or registering at once.  A server with a
 * short listen backlog (ngIRCd 26: 10, as "ss -ltn" shows) drops the SYNs
 * past it, and the kernel retries them a second later: that would measure
 * TCP's retry timer, not the server.
 */
#define PCLOAD_IRC_PENDING_MAX	8
/* An IRC line is at most 512 bytes with its CR LF (RFC 1459 2.3). */
#define PCLOAD_IRC_LINE_MAX	512

/* IRC mode: how far a client has got. */
enum irc_state {
	IRC_IDLE,		/* not connected yet */
	IRC_CONNECTING,		/* connect(2) in progress */
	IRC_REGISTERING,	/* NICK and USER sent, waiting for 001 */
	IRC_JOINING,		/* JOIN sent, waiting for 366 */
	IRC_JOINED
};

struct sess {
	char		 id[PROTO_ID_MAX + 1];
	int		 in_fd;		/* we write: ID.in */
	int		 out_fd;	/* we read: ID.out */
	int		 made;		/* ID.in, ID.out ours to remove */
	int		 joinsent;
	int		 welcomed;
	int		 eof;		/* the daemon closed ID.out */
	int		 bye;
	int		 slow;		/* the slow reader: never read */
	char		*buf;		/* a partial line */
	size_t		 len;
	unsigned long	 got;		/* our msg lines received */
	unsigned long	 expect;
	unsigned long	 bad;		/* out of order, duplicated, garbled */
	unsigned long	 told;		/* messages the daemon said it dropped */
	unsigned long	 notices;	/* "K messages dropped" lines */
	unsigned long	 gaps;		/* messages skipped, by SEQ */
	unsigned long	 errors;	/* "error" lines */
	unsigned int	*next;		/* next SEQ expected from each source */
	enum irc_state	 irc;		/* IRC mode only */
};

/* Something that sends: a session or a raw writer. */
struct source {
	int		 fd;
	char		 tag[16];	/* sK or rK */
	int		 sess;		/* index of the session, or -1 */
	unsigned int	 seq;		/* next to send */
	char		*pend;		/* IRC: the rest of a short write */
	size_t		 pend_len;
};

struct pcload {
	const char	*fifo;
	char		*dir;
	int		 nsess;		/* good sessions; the slow one is after */
	int		 nsenders;
	int		 nraw;
	unsigned int	 nmsg;
	size_t		 msglen;
	unsigned int	 window;
	uint64_t	 interval_ns;
	int		 timeout_s;
	int		 announce;
	int		 fields;	/* -F: join with "fields" */
	int		 latency;
	int		 verbose;
	int		 slowreader;
	int		 irc;		/* -I: play IRC clients */
	struct sockaddr_in irc_addr;
	char		*done_file;	/* -c FILE:BYTES */
	long long	 done_bytes;
	int		 hold_s;	/* -H */
	long		 server_pid;	/* -P */
	pid_t		 pid;		/* ours: getpid() is a system call */

	struct sess	*sess;		/* nsess + slowreader */
	int		 nall;
	struct source	*src;		/* nsenders + nraw */
	int		 nsrc;
	int		 wfd;		/* well-known FIFO, for JOINs */
	unsigned long	*delivered;	/* per round */
	unsigned long	 round_expect;
	unsigned int	 rounds_done;
	uint64_t	 deadline;
	uint64_t	*lat;
	size_t		 nlat, lat_cap;
	unsigned long	 foreign;	/* msg lines that are not ours */
};

static struct pcload	*cleanup_pl;
static volatile sig_atomic_t	signalled;
static volatile sig_atomic_t	released;	/* SIGUSR1 ends -H */

/* Say how to call us and exit 64. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: pcload -p FIFO [-s DIR] [-n N] [-S S] [-r R] [-m M]"
	    " [-b BYTES]\n"
	    "              [-W ROUNDS] [-i USEC] [-t SEC] [-c FILE:BYTES]"
	    " [-H SEC]\n"
	    "              [-P PID] [-aFlvw]\n"
	    "       pcload -I ADDR:PORT [-n N] [-S S] [-m M] [-b BYTES]"
	    " [-W ROUNDS]\n"
	    "              [-i USEC] [-t SEC] [-H SEC] [-P PID] [-lv]\n"
	    "See the comment at the top of bench/pcload.c.\n");
	exit(PCLOAD_EX_USAGE);
}

/* SIGINT, SIGTERM, SIGHUP: stop the run, report, clean up. */
static void
on_signal(int signo)
{
	signalled = signo;
}

/* SIGUSR1: stop holding (-H). */
static void
on_release(int signo)
{
	(void)signo;
	released = 1;
}

/* CLOCK_MONOTONIC in nanoseconds: send times and latencies. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Milliseconds until deadline, for poll(), at least 0. */
static int
ms_until(uint64_t deadline)
{
	uint64_t	now = now_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now) / 1000000u) + 1;
}

/* An option's decimal value in [min, max], or exit 64. */
static long
number(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		errx(PCLOAD_EX_USAGE, "%s: expected a number from %ld to %ld, "
		    "got \"%s\"", what, min, max, s);
	return n;
}

/* Remove every FIFO we made that is still there; runs at exit. */
static void
cleanup(void)
{
	struct pcload	*pl = cleanup_pl;
	int		 i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nall; i++) {
		struct sess	*s = &pl->sess[i];

		if (s->made)
			sessfifo_remove(pl->dir, s->id);
		s->made = 0;
	}
}

/* Two fds per session, one per raw writer: raise the soft (and hard) limit. */
static void
raise_nofile(const struct pcload *pl)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)pl->nall * 2 + (rlim_t)pl->nraw +
			    PCLOAD_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(PCLOAD_EX_OSERR, "getrlimit");
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		struct rlimit	want = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
		errx(PCLOAD_EX_OSERR, "need %llu file descriptors, the hard "
		    "limit is %llu (ulimit -Hn)", (unsigned long long)need,
		    (unsigned long long)rl.rlim_max);
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(PCLOAD_EX_OSERR, "setrlimit RLIMIT_NOFILE %llu",
		    (unsigned long long)need);
}

/* Make ID.in (0640) and ID.out (0620), and open ID.out: as the client. */
static void
make_fifos(struct pcload *pl, struct sess *s)
{
	if (sessfifo_make(pl->dir, s->id) == -1)
		err(PCLOAD_EX_OSERR, "%s/%s%s", pl->dir, s->id,
		    PROTO_IN_SUFFIX);
	s->made = 1;
	if ((s->out_fd = sessfifo_open_out(pl->dir, s->id)) == -1)
		err(PCLOAD_EX_OSERR, "%s/%s%s", pl->dir, s->id,
		    PROTO_OUT_SUFFIX);
}

/* Open the well-known FIFO for writing without blocking. */
static int
open_fifo(const char *path)
{
	int	fd;

	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENXIO)
			errx(PCLOAD_EX_UNAVAILABLE, "%s: no daemon is reading it",
			    path);
		err(errno == ENOENT ? PCLOAD_EX_UNAVAILABLE : PCLOAD_EX_OSERR,
		    "%s", path);
	}
	return fd;
}

/* Keep one latency sample. */
static void
lat_add(struct pcload *pl, uint64_t ns)
{
	if (pl->nlat == pl->lat_cap) {
		size_t	 cap = pl->lat_cap ? pl->lat_cap * 2 : 4096;

		pl->lat = xreallocarray(pl->lat, cap, sizeof *pl->lat);
		pl->lat_cap = cap;
	}
	pl->lat[pl->nlat++] = ns;
}

/*
 * Read a decimal number at *pp followed by a space or the end of the
 * header; advance past it.  Returns 0, or -1 if there is none.
 */
static int
header_number(const char **pp, unsigned long long *out)
{
	const char	*p = *pp;
	char		*end;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*out = strtoull(p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\0'))
		return -1;
	*pp = *end == ' ' ? end + 1 : end;
	return 0;
}

/*
 * A message's text, "pcload PID SRC SEQ T ...": count it if it is ours
 * and in order.
 */
static void
got_text(struct pcload *pl, struct sess *s, const char *text, size_t len,
    uint64_t now)
{
	char		 hdr[PCLOAD_HDR_MAX + 1], kind;
	const char	*p;
	unsigned long long pid, idx, seq, t;
	int		 srci;
	size_t		 n;

	if (len < 7 || memcmp(text, "pcload ", 7) != 0) {
		pl->foreign++;
		return;
	}
	p = text + 7;
	n = (size_t)(text + len - p);
	if (n > PCLOAD_HDR_MAX)
		n = PCLOAD_HDR_MAX;
	memcpy(hdr, p, n);
	hdr[n] = '\0';
	p = hdr;
	kind = '\0';
	if (header_number(&p, &pid) == 0 && (*p == 's' || *p == 'r')) {
		kind = *p++;
		if (header_number(&p, &idx) == -1 ||
		    header_number(&p, &seq) == -1 ||
		    header_number(&p, &t) == -1)
			kind = '\0';
	}
	if (kind == '\0') {
		pl->foreign++;
		return;
	}
	if (pid != (unsigned long long)pl->pid) {
		pl->foreign++;
		return;
	}
	if (kind == 's' && idx < (unsigned long long)pl->nsenders)
		srci = (int)idx;
	else if (kind == 'r' && idx < (unsigned long long)pl->nraw)
		srci = pl->nsenders + (int)idx;
	else {
		s->bad++;
		return;
	}
	if (seq >= pl->nmsg || seq < s->next[srci] ||
	    (kind == 's' && &pl->sess[idx] == s)) {
		s->bad++;
		return;
	}
	/* Skipped messages: the daemon must have said so (see got_line). */
	s->gaps += seq - s->next[srci];
	s->next[srci] = (unsigned int)seq + 1;
	s->got++;
	if (s->slow)
		return;
	pl->delivered[seq]++;
	if (pl->latency && now >= t)
		lat_add(pl, now - (uint64_t)t);
}

/* "NAME: pcload PID SRC SEQ T ...", a msg line's text. */
static void
got_msg(struct pcload *pl, struct sess *s, const char *text, size_t len,
    uint64_t now)
{
	const char	*p = memmem(text, len, ": pcload ", 9);

	if (p == NULL) {
		pl->foreign++;
		return;
	}
	p += 2;
	got_text(pl, s, p, (size_t)(text + len - p), now);
}

/*
 * "-!- K messages dropped: ...": the daemon trimmed our queue ("* K ..."
 * in earlier versions).
 */
static void
got_info(struct sess *s, const char *text, size_t len)
{
	static const char	 word[] = " message";
	static const char	 notice[] = PROTO_NOTICE " ";
	const char		*p, *end = text + len;
	unsigned long		 k = 0;

	if (len >= sizeof notice - 1 &&
	    memcmp(text, notice, sizeof notice - 1) == 0)
		p = text + sizeof notice - 1;
	else if (len >= 2 && memcmp(text, "* ", 2) == 0)
		p = text + 2;
	else
		return;
	if (p == end || *p < '0' || *p > '9')
		return;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		k = k * 10 + (unsigned long)(*p - '0');
	if ((size_t)(end - p) < sizeof word - 1 ||
	    memcmp(p, word, sizeof word - 1) != 0 ||
	    memmem(p, (size_t)(end - p), " dropped", 8) == NULL)
		return;
	s->told += k;
	s->notices++;
}

/*
 * IRC mode: write a control line (NICK, JOIN, PONG, QUIT) whole.  They
 * are short and our sockets' send buffers nearly empty: a short write is
 * a failure of the connection.  Returns 0 or -1.
 */
static int __attribute__((format(printf, 2, 3)))
irc_send(struct sess *s, const char *fmt, ...)
{
	char	line[PCLOAD_IRC_LINE_MAX + 1];
	va_list	ap;
	int	n;
	ssize_t	w;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 2)
		errx(PCLOAD_EX_OSERR, "IRC line too long");
	line[n++] = '\r';
	line[n++] = '\n';
	do
		w = write(s->out_fd, line, (size_t)n);
	while (w == -1 && errno == EINTR);
	if (w == n)
		return 0;
	warnx("%s: IRC write failed: %s", s->id, w == -1 ? strerror(errno) :
	    "short write");
	s->eof = 1;
	return -1;
}

/*
 * IRC mode: one line from the server, without its CR LF.  Registration
 * (001), end of NAMES for our channel (366), PRIVMSGs (counted like msg
 * lines), PING, and errors; everything else (JOIN, NOTICE, MOTD) is
 * ignored.
 */
static void
got_irc_line(struct pcload *pl, struct sess *s, const char *line, size_t len,
    uint64_t now)
{
	const char	*p = line, *end = line + len, *cmd, *sp;
	size_t		 cmdlen;

	if (len >= 5 && memcmp(line, "PING ", 5) == 0) {
		irc_send(s, "PONG %.*s", (int)(len - 5), line + 5);
		return;
	}
	if (len >= 6 && memcmp(line, "ERROR ", 6) == 0) {
		s->bye = 1;
		if (s->irc != IRC_JOINED || !s->welcomed)
			warnx("%s: refused: %.*s", s->id, (int)len, line);
		return;
	}
	if (p < end && *p == ':') {
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			return;
		p = sp + 1;
	}
	cmd = p;
	sp = memchr(p, ' ', (size_t)(end - p));
	cmdlen = (size_t)((sp != NULL ? sp : end) - cmd);
	p = sp != NULL ? sp + 1 : end;
	if (cmdlen == 7 && memcmp(cmd, "PRIVMSG", 7) == 0) {
		/* PRIVMSG #bench :TEXT */
		if ((sp = memmem(p, (size_t)(end - p), " :", 2)) == NULL) {
			pl->foreign++;
			return;
		}
		got_text(pl, s, sp + 2, (size_t)(end - sp - 2), now);
	} else if (cmdlen == 3 && memcmp(cmd, "001", 3) == 0 &&
	    s->irc == IRC_REGISTERING) {
		if (irc_send(s, "JOIN %s", PCLOAD_IRC_CHANNEL) == 0)
			s->irc = IRC_JOINING;
	} else if (cmdlen == 3 && memcmp(cmd, "366", 3) == 0 &&
	    s->irc == IRC_JOINING) {
		s->irc = IRC_JOINED;
		s->welcomed = 1;
	} else if (cmdlen == 3 && (cmd[0] == '4' || cmd[0] == '5')) {
		/* An error numeric: before we are in, the server refused. */
		s->errors++;
		if (s->irc != IRC_JOINED) {
			warnx("%s: refused: %.*s", s->id, (int)len, line);
			s->bye = 1;
		}
	}
}

/* One line from the daemon, without its '\n'. */
static void
got_line(struct pcload *pl, struct sess *s, const char *line, size_t len,
    uint64_t now)
{
	struct proto_fields	f;
	enum proto_kind		kind;
	size_t			off;

	if (pl->irc) {
		if (len > 0 && line[len - 1] == '\r')
			len--;
		got_irc_line(pl, s, line, len, now);
		return;
	}

	kind = proto_parse_kind(line, len, &off);
	if (pl->fields) {
		off += proto_parse_fields(line + off, len - off, &f);
		/* A sender's own message, back: not one it is to get. */
		if (f.flags & PROTO_FIELD_SELF)
			return;
	}
	switch (kind) {
	case PROTO_WELCOME:
		s->welcomed = 1;
		break;
	case PROTO_MSG:
		got_msg(pl, s, line + off, len - off, now);
		break;
	case PROTO_INFO:
		got_info(s, line + off, len - off);
		break;
	case PROTO_ERROR:
		s->errors++;
		break;
	case PROTO_BYE:
		s->bye = 1;
		if (!s->welcomed)
			warnx("session %s: refused: %.*s", s->id,
			    (int)(len - off), line + off);
		else if (!s->slow)
			warnx("session %s: ended by the daemon: %.*s", s->id,
			    (int)(len - off), line + off);
		break;
	default:
		break;
	}
}

/*
 * IRC mode: acknowledge the server's next segments at once.  ngIRCd does
 * not set TCP_NODELAY on its clients' sockets, so a small write of its
 * waits until the previous one is acknowledged (Nagle); a client that
 * only listens delays its ACKs (up to 40 ms on Linux), and the two
 * together stall the server for 40 ms now and then.  The kernel turns
 * quick ACKs off again by itself, so this is re-armed after every read:
 * ngIRCd is measured at its best, not at the mercy of our ACK timer.
 */
static void
irc_quickack(struct sess *s)
{
	int	one = 1;

	if (setsockopt(s->out_fd, IPPROTO_TCP, TCP_QUICKACK, &one,
	    sizeof one) == -1)
		err(PCLOAD_EX_OSERR, "setsockopt TCP_QUICKACK");
}

/*
 * Read what ID.out has and handle each whole line.  With stop_at_welcome,
 * stop after the welcome and leave the rest in the pipe (the slow reader).
 */
static void
read_session(struct pcload *pl, struct sess *s, int stop_at_welcome)
{
	char		 buf[65536];
	const char	*p, *nl, *end;
	size_t		 want = stop_at_welcome ? 1 : sizeof buf, n;
	ssize_t		 r;
	uint64_t	 now;

	for (;;) {
		/* One byte at a time until the welcome, for the slow reader. */
		r = read(s->out_fd, buf, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return;
		if (r <= 0) {
			s->eof = 1;
			return;
		}
		if (pl->irc)
			irc_quickack(s);
		now = now_ns();
		p = buf;
		end = buf + r;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			n = (size_t)((nl != NULL ? nl : end) - p);
			if (s->len + n > PCLOAD_LINE_MAX) {
				/* Longer than any daemon line: garbled. */
				s->bad++;
				s->len = 0;
			} else if (nl != NULL && s->len == 0) {
				got_line(pl, s, p, n, now);
			} else {
				memcpy(s->buf + s->len, p, n);
				s->len += n;
				if (nl != NULL) {
					got_line(pl, s, s->buf, s->len, now);
					s->len = 0;
				}
			}
			if (nl == NULL)
				break;
			p = nl + 1;
		}
		if (stop_at_welcome ? s->welcomed : (size_t)r < want)
			return;
	}
}

/*
 * Join every session: JOINs go out as fast as the well-known FIFO takes
 * them while the welcomes come back.  Returns 0, or an exit status.
 */
static int
join_all(struct pcload *pl)
{
	struct pollfd	*pfd;
	char		 line[PROTO_ID_MAX + 16];
	int		*who;
	int		 i, k, n, next = 0, welcomed = 0, refused = 0, len;

	pfd = xcalloc((size_t)pl->nall + 1, sizeof *pfd);
	who = xcalloc((size_t)pl->nall + 1, sizeof *who);
	while (welcomed + refused < pl->nall) {
		/* Send JOINs until the FIFO is full. */
		while (next < pl->nall) {
			struct sess	*s = &pl->sess[next];
			int		 flags = (pl->announce || s->slow) ?
					    0 : PROTO_JOIN_QUIET;

			if (pl->fields)
				flags |= PROTO_JOIN_FIELDS;

			len = proto_format_join(line, sizeof line, s->id,
			    flags);
			if (len == -1)
				errx(PCLOAD_EX_OSERR, "bad id %s", s->id);
			n = (int)write(pl->wfd, line, (size_t)len);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n == -1 && errno == EPIPE)
				errx(PCLOAD_EX_UNAVAILABLE, "%s: the daemon "
				    "went away", pl->fifo);
			if (n != len)
				err(PCLOAD_EX_OSERR, "%s: write", pl->fifo);
			s->joinsent = 1;
			next++;
		}
		k = 0;
		for (i = 0; i < pl->nall; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->joinsent && !s->welcomed && !s->eof &&
			    !s->bye) {
				pfd[k].fd = s->out_fd;
				pfd[k].events = POLLIN;
				pfd[k].revents = 0;
				who[k++] = i;
			}
		}
		if (next < pl->nall) {
			pfd[k].fd = pl->wfd;
			pfd[k].events = POLLOUT;
			pfd[k].revents = 0;
			who[k++] = -1;
		}
		if (signalled)
			errx(PCLOAD_EX_FAIL, "interrupted by signal %d",
			    (int)signalled);
		n = poll(pfd, (nfds_t)k, ms_until(pl->deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(PCLOAD_EX_OSERR, "poll");
		if (n == 0) {
			warnx("timed out joining: %d of %d sessions welcomed",
			    welcomed, pl->nall);
			free(pfd);
			free(who);
			return PCLOAD_EX_UNAVAILABLE;
		}
		/*
		 * Read only what poll() reported: until the daemon opens
		 * ID.out, read() on it says end of file.
		 */
		for (i = 0; i < k; i++) {
			if (who[i] >= 0 && pfd[i].revents != 0)
				read_session(pl, &pl->sess[who[i]],
				    pl->sess[who[i]].slow);
		}
		welcomed = refused = 0;
		for (i = 0; i < pl->nall; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->welcomed)
				welcomed++;
			else if (s->eof || s->bye)
				refused++;
		}
	}
	free(pfd);
	free(who);
	if (refused > 0) {
		warnx("%d of %d sessions were refused", refused, pl->nall);
		return PCLOAD_EX_UNAVAILABLE;
	}
	for (i = 0; i < pl->nall; i++) {
		struct sess	*s = &pl->sess[i];

		if ((s->in_fd = sessfifo_open_in(pl->dir, s->id)) == -1)
			err(PCLOAD_EX_UNAVAILABLE, "%s/%s%s", pl->dir, s->id,
			    PROTO_IN_SUFFIX);
	}
	return 0;
}

/* IRC mode: start connecting s to the server, without waiting. */
static void
irc_connect(struct pcload *pl, struct sess *s)
{
	int	fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(PCLOAD_EX_OSERR, "socket");
	/* A chat line goes out at once, as it does into a pipe. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		err(PCLOAD_EX_OSERR, "setsockopt TCP_NODELAY");
	if (connect(fd, (struct sockaddr *)&pl->irc_addr,
	    sizeof pl->irc_addr) == -1 && errno != EINPROGRESS)
		err(PCLOAD_EX_UNAVAILABLE, "connect");
	s->in_fd = s->out_fd = fd;
	s->irc = IRC_CONNECTING;
	s->joinsent = 1;
}

/* IRC mode: the connection is up (or failed); register. */
static void
irc_connected(struct sess *s)
{
	int		error = 0;
	socklen_t	len = sizeof error;

	if (getsockopt(s->out_fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		err(PCLOAD_EX_OSERR, "getsockopt SO_ERROR");
	if (error != 0)
		errx(PCLOAD_EX_UNAVAILABLE, "connect: %s", strerror(error));
	if (irc_send(s, "NICK %s", s->id) == 0 &&
	    irc_send(s, "USER pcload 0 * :pcload") == 0)
		s->irc = IRC_REGISTERING;
}

/*
 * IRC mode: connect, register and join every client, at most
 * PCLOAD_IRC_PENDING_MAX at a time, until all are in the channel.
 * Returns 0, or an exit status.
 */
static int
irc_join_all(struct pcload *pl)
{
	struct pollfd	*pfd;
	int		*who;
	int		 i, k, n, next = 0, joined = 0, refused = 0, pending;

	pfd = xcalloc((size_t)pl->nall + 1, sizeof *pfd);
	who = xcalloc((size_t)pl->nall + 1, sizeof *who);
	while (joined + refused < pl->nall) {
		pending = 0;
		for (i = 0; i < next; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->irc != IRC_JOINED && !s->eof && !s->bye)
				pending++;
		}
		while (next < pl->nall && pending < PCLOAD_IRC_PENDING_MAX) {
			irc_connect(pl, &pl->sess[next++]);
			pending++;
		}
		/*
		 * Everybody is read, joined or not: each JOIN is told to the
		 * whole channel, and a client that is not read would stall.
		 */
		k = 0;
		for (i = 0; i < next; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->eof || s->bye)
				continue;
			pfd[k].fd = s->out_fd;
			pfd[k].events = s->irc == IRC_CONNECTING ? POLLOUT :
			    POLLIN;
			pfd[k].revents = 0;
			who[k++] = i;
		}
		if (signalled)
			errx(PCLOAD_EX_FAIL, "interrupted by signal %d",
			    (int)signalled);
		n = poll(pfd, (nfds_t)k, ms_until(pl->deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(PCLOAD_EX_OSERR, "poll");
		if (n == 0) {
			warnx("timed out joining: %d of %d clients in %s",
			    joined, pl->nall, PCLOAD_IRC_CHANNEL);
			free(pfd);
			free(who);
			return PCLOAD_EX_UNAVAILABLE;
		}
		for (i = 0; i < k; i++) {
			struct sess	*s = &pl->sess[who[i]];

			if (pfd[i].revents == 0)
				continue;
			if (s->irc == IRC_CONNECTING)
				irc_connected(s);
			else
				read_session(pl, s, 0);
		}
		joined = refused = 0;
		for (i = 0; i < next; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->irc == IRC_JOINED && !s->eof && !s->bye)
				joined++;
			else if (s->eof || s->bye)
				refused++;
		}
	}
	free(pfd);
	free(who);
	if (refused > 0) {
		warnx("%d of %d clients could not join", refused, pl->nall);
		return PCLOAD_EX_UNAVAILABLE;
	}
	return 0;
}

/* May src send its next message now? */
static int
may_send(const struct pcload *pl, const struct source *src, uint64_t t0,
    uint64_t now, uint64_t *wake)
{
	uint64_t	at;

	if (src->fd == -1 || src->seq >= pl->nmsg || src->pend_len > 0)
		return 0;
	if (pl->window > 0 && src->seq >= pl->rounds_done + pl->window)
		return 0;
	if (pl->interval_ns > 0) {
		at = t0 + pl->interval_ns * src->seq;
		if (now < at) {
			if (*wake == 0 || at < *wake)
				*wake = at;
			return 0;
		}
	}
	return 1;
}

/* A source's write failed: it sends no more. */
static void
source_failed(struct pcload *pl, struct source *src)
{
	warn("%s: write", src->tag);
	if (!pl->irc)
		close(src->fd);
	src->fd = -1;
	if (src->sess >= 0)
		pl->sess[src->sess].in_fd = -1;
}

/*
 * IRC mode: write what a short write left over.  Returns 1 when nothing
 * is left, 0 when the socket is full.
 */
static int
flush_pending(struct pcload *pl, struct source *src)
{
	ssize_t	w;

	if (src->pend_len == 0 || src->fd == -1)
		return 1;
	w = write(src->fd, src->pend, src->pend_len);
	if (w == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w == -1) {
		source_failed(pl, src);
		return 1;
	}
	src->pend_len -= (size_t)w;
	memmove(src->pend, src->pend + w, src->pend_len);
	return src->pend_len == 0;
}

/* Write src's next message; returns 1 if written, 0 if the pipe is full. */
static int
send_one(struct pcload *pl, struct source *src)
{
	static const char	 privmsg[] = "PRIVMSG " PCLOAD_IRC_CHANNEL " :";
	char			 line[PC_LINE_MAX + sizeof privmsg + 2];
	int			 n = 0, hdr;
	ssize_t			 w;

	if (pl->irc) {
		memcpy(line, privmsg, sizeof privmsg - 1);
		n = sizeof privmsg - 1;
	} else if (src->sess < 0)
		line[n++] = PROTO_FIFO_LEAD;	/* as pipechat-client -r */
	hdr = snprintf(line + n, PC_LINE_MAX, "pcload %lu %s %u %" PRIu64 " ",
	    (unsigned long)pl->pid, src->tag, src->seq, now_ns());
	if (hdr < 0 || hdr >= PC_LINE_MAX)
		errx(PCLOAD_EX_OSERR, "message header too long");
	n += hdr;
	while ((size_t)hdr < pl->msglen) {
		line[n++] = 'x';
		hdr++;
	}
	if (pl->irc)
		line[n++] = '\r';
	line[n++] = '\n';
	w = write(src->fd, line, (size_t)n);
	if (w == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w == -1) {
		source_failed(pl, src);
		return 0;
	}
	if (w != n && !pl->irc)
		errx(PCLOAD_EX_FAIL, "%s: short write of an atomic line",
		    src->tag);
	if (w != n) {
		/* TCP is a stream: the rest goes when the socket takes it. */
		if (src->pend == NULL)
			src->pend = xmalloc(sizeof line);
		src->pend_len = (size_t)(n - w);
		memcpy(src->pend, line + w, src->pend_len);
	}
	src->seq++;
	return 1;
}

/* Advance past the rounds that have reached every session (for -W). */
static void
update_rounds(struct pcload *pl)
{
	while (pl->rounds_done < pl->nmsg &&
	    pl->delivered[pl->rounds_done] >= pl->round_expect)
		pl->rounds_done++;
}

/* Has every source sent all its messages (or failed)? */
static int
all_sent(const struct pcload *pl)
{
	int	i;

	for (i = 0; i < pl->nsrc; i++) {
		if (pl->src[i].fd != -1 && pl->src[i].seq < pl->nmsg)
			return 0;
	}
	return 1;
}

/* Still missing something that can still come? */
static int
waiting(const struct pcload *pl)
{
	int	i;

	for (i = 0; i < pl->nsess; i++) {
		const struct sess	*s = &pl->sess[i];

		if (s->got < s->expect && !s->eof)
			return 1;
	}
	return 0;
}

/* Send every round and read until everything has arrived or time is up. */
static int
run(struct pcload *pl, uint64_t *t_first, uint64_t *t_last)
{
	struct pollfd	*pfd;
	int		*who;
	int		 i, k, n, timeout;
	uint64_t	 t0 = now_ns(), now, wake;

	*t_first = t0;
	*t_last = t0;
	pfd = xcalloc((size_t)pl->nall + (size_t)pl->nsrc, sizeof *pfd);
	who = xcalloc((size_t)pl->nall + (size_t)pl->nsrc, sizeof *who);
	for (;;) {
		update_rounds(pl);
		now = now_ns();
		wake = 0;
		for (i = 0; i < pl->nsrc; i++) {
			while (flush_pending(pl, &pl->src[i]) &&
			    may_send(pl, &pl->src[i], t0, now, &wake) &&
			    send_one(pl, &pl->src[i]))
				;
		}
		if (all_sent(pl) && !waiting(pl))
			break;
		if (signalled) {
			warnx("interrupted by signal %d", (int)signalled);
			break;
		}
		k = 0;
		for (i = 0; i < pl->nall; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->slow || s->eof)
				continue;
			pfd[k].fd = s->out_fd;
			pfd[k].events = POLLIN;
			who[k++] = i;
		}
		for (i = 0; i < pl->nsrc; i++) {
			if (pl->src[i].pend_len > 0 ||
			    may_send(pl, &pl->src[i], t0, now, &wake)) {
				pfd[k].fd = pl->src[i].fd;
				pfd[k].events = POLLOUT;
				who[k++] = -1;
			}
		}
		timeout = ms_until(pl->deadline);
		if (timeout == 0) {
			warnx("timed out");
			break;
		}
		if (wake != 0 && ms_until(wake) < timeout)
			timeout = ms_until(wake);
		n = poll(pfd, (nfds_t)k, timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(PCLOAD_EX_OSERR, "poll");
		for (i = 0; i < k && n > 0; i++) {
			if (pfd[i].revents == 0 || who[i] < 0)
				continue;
			read_session(pl, &pl->sess[who[i]], 0);
			*t_last = now_ns();
		}
	}
	free(pfd);
	free(who);
	return 0;
}

/* qsort order for latency samples. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of n sorted samples, in microseconds. */
static double
pct(const uint64_t *v, size_t n, double p)
{
	size_t	i = (size_t)(p * (double)(n - 1) + 0.5);

	return (double)v[i] / 1000.0;
}

/*
 * The others have everything: now the slow reader reads until it has
 * every message or has been told it missed the rest, or time is up.
 */
static void
slow_catch_up(struct pcload *pl, struct sess *s)
{
	struct pollfd	pfd = { .fd = s->out_fd, .events = POLLIN };
	uint64_t	deadline = now_ns() +
			    (uint64_t)PCLOAD_SLOW_GRACE_MS * 1000000u;
	int		n;

	if (pl->deadline > deadline)
		deadline = pl->deadline;
	while (s->got + s->told < s->expect && !s->eof && !signalled) {
		n = poll(&pfd, 1, ms_until(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		read_session(pl, s, 0);
	}
}

/*
 * Close every ID.in (and the raw writers): that is how a client leaves.
 * Then wait for the daemon to close each ID.out; returns how many it did.
 */
static int
leave_all(struct pcload *pl)
{
	struct pollfd	*pfd;
	int		*who;
	uint64_t	 deadline = now_ns() +
			    (uint64_t)PCLOAD_LEAVE_MS * 1000000u;
	int		 i, k, n, left;

	if (pl->deadline > deadline)
		deadline = pl->deadline;

	for (i = 0; i < pl->nsrc; i++) {
		if (pl->src[i].sess == -1 && pl->src[i].fd != -1)
			close(pl->src[i].fd);
		pl->src[i].fd = -1;
	}
	for (i = 0; i < pl->nall; i++) {
		struct sess	*s = &pl->sess[i];

		/* An IRC client says QUIT; its one socket stays open. */
		if (pl->irc && !s->eof)
			irc_send(s, "QUIT");
		else if (!pl->irc && s->in_fd != -1)
			close(s->in_fd);
		s->in_fd = -1;
	}
	pfd = xcalloc((size_t)pl->nall + 1, sizeof *pfd);
	who = xcalloc((size_t)pl->nall + 1, sizeof *who);
	for (;;) {
		k = left = 0;
		for (i = 0; i < pl->nall; i++) {
			struct sess	*s = &pl->sess[i];

			if (s->eof || s->out_fd == -1) {
				left++;
				continue;
			}
			pfd[k].fd = s->out_fd;
			pfd[k].events = POLLIN;
			who[k++] = i;
		}
		if (k == 0 || signalled)
			break;
		n = poll(pfd, (nfds_t)k, ms_until(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < k; i++) {
			if (pfd[i].revents != 0)
				read_session(pl, &pl->sess[who[i]], 0);
		}
	}
	free(pfd);
	free(who);
	return left;
}

/* How many of our FIFOs are still in the session directory. */
static int
count_left_behind(struct pcload *pl)
{
	char	path[PATH_MAX];
	int	i, n = 0;

	if (pl->irc)
		return 0;
	for (i = 0; i < pl->nall; i++) {
		struct sess	*s = &pl->sess[i];

		if (sessfifo_path(path, sizeof path, pl->dir, s->id,
		    PROTO_IN_SUFFIX) == 0 && access(path, F_OK) == 0)
			n++;
		if (sessfifo_path(path, sizeof path, pl->dir, s->id,
		    PROTO_OUT_SUFFIX) == 0 && access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/*
 * An IRC nick that fits the 9 characters of RFC 2812: "p", the pid in 5
 * and the client's index in 3 base-36 digits.
 */
static void
irc_nick(char *buf, unsigned long pid, unsigned long idx)
{
	static const char	digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	int			i;

	buf[0] = 'p';
	for (i = 5; i >= 1; i--, pid /= 36)
		buf[i] = digits[pid % 36];
	for (i = 8; i >= 6; i--, idx /= 36)
		buf[i] = digits[idx % 36];
	buf[9] = '\0';
}

/* Allocate the sessions and sources and work out what each must get. */
static void
setup(struct pcload *pl)
{
	int	i, j;

	pl->nall = pl->nsess + pl->slowreader;
	pl->nsrc = pl->nsenders + pl->nraw;
	pl->sess = xcalloc((size_t)pl->nall + 1, sizeof *pl->sess);
	pl->src = xcalloc((size_t)pl->nsrc + 1, sizeof *pl->src);
	pl->delivered = xcalloc((size_t)pl->nmsg + 1, sizeof *pl->delivered);
	/* Each round: a sender's message reaches all but itself, raw all. */
	pl->round_expect = (unsigned long)pl->nsenders *
	    (unsigned long)(pl->nsess - 1) +
	    (unsigned long)pl->nraw * (unsigned long)pl->nsess;
	for (i = 0; i < pl->nall; i++) {
		struct sess	*s = &pl->sess[i];

		if (pl->irc)
			irc_nick(s->id, (unsigned long)getpid(),
			    (unsigned long)i);
		else
			snprintf(s->id, sizeof s->id, "pcload-%ld-%d",
			    (long)getpid(), i);
		s->in_fd = s->out_fd = -1;
		s->slow = i >= pl->nsess;
		s->buf = xmalloc(PCLOAD_LINE_MAX);
		s->next = xcalloc((size_t)pl->nsrc + 1, sizeof *s->next);
		s->expect = (unsigned long)pl->nmsg *
		    ((unsigned long)pl->nsenders -
		    (i < pl->nsenders ? 1 : 0) + (unsigned long)pl->nraw);
	}
	for (j = 0; j < pl->nsrc; j++) {
		struct source	*src = &pl->src[j];

		if (j < pl->nsenders) {
			src->sess = j;
			snprintf(src->tag, sizeof src->tag, "s%d", j);
		} else {
			src->sess = -1;
			snprintf(src->tag, sizeof src->tag, "r%d",
			    j - pl->nsenders);
		}
		src->fd = -1;
	}
}

/* Print what arrived; returns 1 if everything did. */
static int
report(struct pcload *pl, double secs)
{
	unsigned long	 expect = 0, got = 0, bad = 0, errors = 0, told = 0;
	int		 i, short_sessions = 0, lost = 0, shown = 0, ok;

	for (i = 0; i < pl->nsess; i++) {
		struct sess	*s = &pl->sess[i];

		expect += s->expect;
		got += s->got;
		bad += s->bad;
		errors += s->errors;
		told += s->told;
		if (s->eof || s->bye)
			lost++;
		if (s->got != s->expect || s->bad != 0) {
			short_sessions++;
			if (pl->verbose || shown < PCLOAD_REPORT_MAX) {
				printf("pcload: session %d (%s): %lu of %lu "
				    "messages, %lu out of order or duplicated, "
				    "%lu reported dropped%s\n", i, s->id,
				    s->got, s->expect, s->bad, s->told,
				    s->eof ? ", closed by the daemon" : "");
				shown++;
			}
		}
	}
	printf("pcload: delivered %lu of %lu msg lines to %d sessions in "
	    "%.3f s (%.0f lines/s); %d sessions short, %lu lines out of "
	    "order or duplicated, %lu reported dropped, %d sessions closed "
	    "early, %lu error lines, %lu foreign lines\n", got, expect,
	    pl->nsess, secs, secs > 0 ? (double)got / secs : 0.0,
	    short_sessions, bad, told, lost, errors, pl->foreign);
	ok = short_sessions == 0 && got == expect && bad == 0 && lost == 0;
	if (pl->latency && pl->nlat > 0) {
		qsort(pl->lat, pl->nlat, sizeof *pl->lat, cmp_u64);
		printf("pcload: latency write->read over %zu lines: p50 %.1f us, "
		    "p90 %.1f us, p99 %.1f us, max %.1f us\n", pl->nlat,
		    pct(pl->lat, pl->nlat, 0.50), pct(pl->lat, pl->nlat, 0.90),
		    pct(pl->lat, pl->nlat, 0.99),
		    (double)pl->lat[pl->nlat - 1] / 1000.0);
	} else if (pl->latency)
		printf("pcload: latency: no samples\n");
	if (pl->slowreader) {
		struct sess	*s = &pl->sess[pl->nsess];
		unsigned long	 unannounced;

		slow_catch_up(pl, s);
		unannounced = s->got + s->told < s->expect ?
		    s->expect - s->got - s->told : 0;
		printf("pcload: slow reader: received %lu of %lu messages, "
		    "%lu reported dropped in %lu notices (%lu skipped), %lu "
		    "lost unannounced, %lu out of order or duplicated%s\n",
		    s->got, s->expect, s->told, s->notices, s->gaps,
		    unannounced, s->bad,
		    s->eof ? "; the daemon closed its session" : "");
		ok = ok && s->got + s->told == s->expect && s->bad == 0;
	}
	return ok;
}

/*
 * CPU time pid has used, in nanoseconds, and (when known) how long it
 * waited for a CPU while runnable and how many times it was put on one:
 * /proc/PID/schedstat (exact), or /proc/PID/stat (clock ticks; no wait,
 * no count); 0 if neither can be read.
 */
static uint64_t
proc_cpu_ns(long pid, uint64_t *wait, uint64_t *runs)
{
	char			 path[64], buf[1024], *p, *end;
	unsigned long long	 ns, ut, st;
	FILE			*fp;
	int			 i;

	*wait = *runs = 0;
	snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		p = fgets(buf, sizeof buf, fp);
		fclose(fp);
		if (p != NULL) {
			errno = 0;
			ns = strtoull(buf, &end, 10);
			if (errno == 0 && end != buf && *end == ' ') {
				*wait = strtoull(end + 1, &end, 10);
				*runs = strtoull(end, NULL, 10);
				return ns;
			}
		}
	}
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof buf, fp);
	fclose(fp);
	/* After "(comm)", utime and stime are the 12th and 13th fields. */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 0; i < 12 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return 0;
	ut = strtoull(p + 1, &end, 10);
	st = strtoull(end, NULL, 10);
	return (ut + st) * (1000000000ull / (unsigned long long)
	    sysconf(_SC_CLK_TCK));
}

/* CPU time this process has used, in nanoseconds, up to date. */
static uint64_t
self_cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * -c: wait until the reader's output file has grown to what it must
 * print.  Returns the time it got there, or 0 if time ran out first.
 */
static uint64_t
wait_drained(struct pcload *pl)
{
	struct timespec	ts = { 0, PCLOAD_DONE_POLL_NS };
	struct stat	st;

	for (;;) {
		if (stat(pl->done_file, &st) == -1)
			err(PCLOAD_EX_OSERR, "%s", pl->done_file);
		if ((long long)st.st_size >= pl->done_bytes)
			return now_ns();
		if (ms_until(pl->deadline) == 0 || signalled) {
			warnx("%s: %lld of %lld bytes when time ran out",
			    pl->done_file, (long long)st.st_size,
			    pl->done_bytes);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
}

/*
 * -H: keep every session open, so that the daemon's memory can be looked
 * at, until SIGUSR1 or hold_s seconds.  Sessions are not read: nothing
 * comes while nobody talks.
 */
static void
hold(struct pcload *pl)
{
	uint64_t	until = now_ns() + (uint64_t)pl->hold_s * 1000000000u;
	int		sz = -1;

	if (!pl->irc && pl->nall > 0)
		sz = fcntl(pl->sess[0].out_fd, F_GETPIPE_SZ);
	printf("pcload: holding %d %s for up to %d s (pid %ld, SIGUSR1 ends "
	    "it); pipe buffer of a session FIFO: %d bytes\n", pl->nall,
	    pl->irc ? "clients" : "sessions", pl->hold_s, (long)getpid(), sz);
	fflush(stdout);
	while (!released && !signalled && ms_until(until) > 0)
		poll(NULL, 0, ms_until(until) < 100 ? ms_until(until) : 100);
}

/* ADDR:PORT, a numeric IPv4 address, for -I. */
static void
parse_irc_addr(struct pcload *pl, const char *arg)
{
	char		*copy, *colon;

	copy = xstrdup(arg);
	if ((colon = strrchr(copy, ':')) == NULL)
		errx(PCLOAD_EX_USAGE, "-I %s: expected ADDR:PORT", arg);
	*colon = '\0';
	pl->irc_addr.sin_family = AF_INET;
	pl->irc_addr.sin_port = htons((uint16_t)number(colon + 1, 1, 65535,
	    "-I port"));
	if (inet_pton(AF_INET, copy, &pl->irc_addr.sin_addr) != 1)
		errx(PCLOAD_EX_USAGE, "-I %s: expected a numeric IPv4 address",
		    arg);
	pl->irc = 1;
	free(copy);
}

/* FILE:BYTES, for -c. */
static void
parse_done(struct pcload *pl, const char *arg)
{
	char	*colon;

	free(pl->done_file);
	pl->done_file = xstrdup(arg);
	if ((colon = strrchr(pl->done_file, ':')) == NULL)
		errx(PCLOAD_EX_USAGE, "-c %s: expected FILE:BYTES", arg);
	*colon = '\0';
	pl->done_bytes = number(colon + 1, 1, LONG_MAX, "-c bytes");
}

int
main(int argc, char **argv)
{
	struct pcload	 pl = { .wfd = -1, .timeout_s = 60, .nsenders = -1,
			    .pid = getpid() };
	struct sigaction sa;
	struct rusage	 ru;
	uint64_t	 t0, t1, t2, t3, c0, c1, u0, u1, v0, v1, m0, m1;
	uint64_t	 w0 = 0, w1 = 0, n0 = 0, n1 = 0;
	size_t		 hdrmax;
	int		 ch, i, ok, status, left, behind, pipe_size = -1;
	char		*copy;

	while ((ch = getopt(argc, argv,
	    "ab:c:FhH:i:I:lm:n:p:P:r:s:S:t:vwW:")) != -1) {
		switch (ch) {
		case 'a':
			pl.announce = 1;
			break;
		case 'F':
			pl.fields = 1;
			break;
		case 'c':
			parse_done(&pl, optarg);
			break;
		case 'H':
			pl.hold_s = (int)number(optarg, 1, 86400, "-H");
			break;
		case 'P':
			pl.server_pid = number(optarg, 1, INT_MAX, "-P");
			break;
		case 'I':
			parse_irc_addr(&pl, optarg);
			break;
		case 'b':
			pl.msglen = (size_t)number(optarg, 1, PC_TEXT_MAX,
			    "-b");
			break;
		case 'i':
			pl.interval_ns = (uint64_t)number(optarg, 0, 60000000,
			    "-i") * 1000u;
			break;
		case 'l':
			pl.latency = 1;
			break;
		case 'm':
			pl.nmsg = (unsigned int)number(optarg, 0, 10000000,
			    "-m");
			break;
		case 'n':
			pl.nsess = (int)number(optarg, 0,
			    CONFIG_MAX_CLIENTS_LIMIT, "-n");
			break;
		case 'p':
			pl.fifo = optarg;
			break;
		case 'r':
			pl.nraw = (int)number(optarg, 0, 10000, "-r");
			break;
		case 's':
			pl.dir = xstrdup(optarg);
			break;
		case 'S':
			pl.nsenders = (int)number(optarg, 0,
			    CONFIG_MAX_CLIENTS_LIMIT, "-S");
			break;
		case 't':
			pl.timeout_s = (int)number(optarg, 1, 86400, "-t");
			break;
		case 'v':
			pl.verbose = 1;
			break;
		case 'w':
			pl.slowreader = 1;
			break;
		case 'W':
			pl.window = (unsigned int)number(optarg, 0, 10000000,
			    "-W");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (pl.fifo == NULL) == !pl.irc)
		usage();
	if (pl.irc && (pl.nraw > 0 || pl.slowreader || pl.done_file != NULL ||
	    pl.dir != NULL || pl.announce || pl.fields))
		errx(PCLOAD_EX_USAGE, "-I: no -r, -w, -c, -s, -a or -F");
	/* The server adds ":nick!user@host " in front: stay under 512. */
	if (pl.irc && pl.msglen > PCLOAD_IRC_LINE_MAX - 128)
		errx(PCLOAD_EX_USAGE, "-b %zu: IRC lines are at most %d bytes",
		    pl.msglen, PCLOAD_IRC_LINE_MAX);
	/* A raw line has PROTO_FIFO_LEAD too, and stays in one PIPE_BUF. */
	if (pl.nraw > 0 && pl.msglen > PC_TEXT_MAX - 1)
		errx(PCLOAD_EX_USAGE, "-b %zu: with -r, at most %d bytes",
		    pl.msglen, PC_TEXT_MAX - 1);
	if (pl.nsenders == -1)
		pl.nsenders = pl.nmsg > 0 && pl.nsess > 0 ? 1 : 0;
	if (pl.nsenders > pl.nsess)
		errx(PCLOAD_EX_USAGE, "-S %d: only %d sessions", pl.nsenders,
		    pl.nsess);
	if (pl.dir == NULL && !pl.irc) {
		copy = xstrdup(pl.fifo);
		xasprintf(&pl.dir, "%s/%s", dirname(copy),
		    CONFIG_SESSION_SUBDIR);
		free(copy);
	}
	hdrmax = (size_t)snprintf(NULL, 0, "pcload %lu r%d %u %" PRIu64 " ",
	    (unsigned long)getpid(), CONFIG_MAX_CLIENTS_LIMIT, pl.nmsg,
	    UINT64_MAX);
	if (pl.msglen != 0 && pl.msglen < hdrmax)
		warnx("-b %zu: messages are at least %zu bytes here", pl.msglen,
		    hdrmax);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_release;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	setup(&pl);
	raise_nofile(&pl);
	pl.deadline = now_ns() + (uint64_t)pl.timeout_s * 1000000000u;
	cleanup_pl = &pl;
	atexit(cleanup);

	if (pl.irc) {
		t0 = now_ns();
		status = irc_join_all(&pl);
	} else {
		pl.wfd = open_fifo(pl.fifo);
		for (i = 0; i < pl.nall; i++)
			make_fifos(&pl, &pl.sess[i]);
		t0 = now_ns();
		status = join_all(&pl);
	}
	if (status != 0) {
		printf("pcload: FAILED\n");
		return status;
	}
	if (pl.wfd != -1)
		close(pl.wfd);
	pl.wfd = -1;
	t1 = now_ns();
	printf("pcload: joined %d sessions%s in %.3f s\n", pl.nsess,
	    pl.slowreader ? " and a slow reader" : "",
	    (double)(t1 - t0) / 1e9);
	for (i = 0; i < pl.nsrc; i++) {
		struct source	*src = &pl.src[i];

		src->fd = src->sess >= 0 ? pl.sess[src->sess].in_fd :
		    open_fifo(pl.fifo);
		if (src->sess < 0)
			pipe_size = fcntl(src->fd, F_GETPIPE_SZ);
	}
	fflush(stdout);

	c0 = pl.server_pid ? proc_cpu_ns(pl.server_pid, &w0, &n0) : 0;
	proc_cpu_ns(pl.pid, &v0, &m0);
	u0 = self_cpu_ns();
	run(&pl, &t1, &t2);
	t3 = pl.done_file != NULL ? wait_drained(&pl) : 0;
	u1 = self_cpu_ns();
	proc_cpu_ns(pl.pid, &v1, &m1);
	c1 = pl.server_pid ? proc_cpu_ns(pl.server_pid, &w1, &n1) : 0;
	printf("pcload: sent %d x %u session messages and %d x %u raw "
	    "messages of %zu bytes\n", pl.nsenders, pl.nmsg, pl.nraw, pl.nmsg,
	    pl.msglen > hdrmax ? pl.msglen : hdrmax);
	if (t3 != 0)
		printf("pcload: drained: %s reached %lld bytes %.6f s after "
		    "the first write (%.0f messages/s, FIFO pipe buffer %d "
		    "bytes)\n", pl.done_file, pl.done_bytes,
		    (double)(t3 - t1) / 1e9,
		    (double)pl.nmsg * (pl.nsenders + pl.nraw) /
		    ((double)(t3 - t1) / 1e9), pipe_size);
	for (i = 0; i < pl.nsrc; i++) {
		if (pl.src[i].seq < pl.nmsg)
			printf("pcload: source %s sent only %u\n",
			    pl.src[i].tag, pl.src[i].seq);
	}
	ok = report(&pl, (double)(t2 - t1) / 1e9) && all_sent(&pl);
	if (pl.server_pid)
		printf("pcload: cpu while sending and delivering: server "
		    "(pid %ld) %.6f s, pcload %.6f s, in %.6f s; waiting for "
		    "a CPU: server %.6f s, pcload %.6f s; scheduled: server "
		    "%llu times, pcload %llu times\n",
		    pl.server_pid, (double)(c1 - c0) / 1e9,
		    (double)(u1 - u0) / 1e9,
		    (double)((t3 > t2 ? t3 : t2) - t1) / 1e9,
		    (double)(w1 - w0) / 1e9, (double)(v1 - v0) / 1e9,
		    (unsigned long long)(n1 - n0),
		    (unsigned long long)(m1 - m0));
	for (i = 0; i < pl.nsrc; i++)
		ok = ok && pl.src[i].seq == pl.nmsg;
	if (pl.done_file != NULL && t3 == 0)
		ok = 0;
	if (pl.hold_s > 0)
		hold(&pl);
	left = leave_all(&pl);
	behind = count_left_behind(&pl);
	if (pl.irc)
		printf("pcload: left: the server closed %d of %d connections\n",
		    left, pl.nall);
	else
		printf("pcload: left: the daemon closed %d of %d sessions; %d "
		    "of our FIFOs were still there\n", left, pl.nall, behind);
	cleanup();
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("pcload: cpu: user %.3f s, system %.3f s\n",
		    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	printf("pcload: %s\n", ok ? "OK" : "FAILED");
	for (i = 0; i < pl.nall; i++) {
		if (pl.sess[i].out_fd != -1)
			close(pl.sess[i].out_fd);
		free(pl.sess[i].buf);
		free(pl.sess[i].next);
	}
	for (i = 0; i < pl.nsrc; i++)
		free(pl.src[i].pend);
	free(pl.sess);
	free(pl.src);
	free(pl.delivered);
	free(pl.lat);
	free(pl.dir);
	free(pl.done_file);
	cleanup_pl = NULL;
	return ok ? 0 : PCLOAD_EX_FAIL;
}
