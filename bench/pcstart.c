/* SPDX-License-Identifier: ISC */
/*
 * pcstart: how long a daemon takes from execve(2) to being of use.
 *
 * It runs COMMAND RUNS times.  Each time the child takes the
 * CLOCK_MONOTONIC time just before execve and hands it over a pipe, with
 * NOTIFY_SOCKET pointing at a datagram socket of ours, as systemd does for
 * a Type=notify service.  Then pcstart watches, every PCSTART_PROBE_NS:
 *
 *   -p FIFO	until the FIFO has a reader: a non-blocking open for
 *		writing stops failing with ENOENT/ENXIO (that writer is
 *		closed at once)
 *   -T ADDR:PORT	until a TCP connect to it succeeds (closed at once)
 *   READY=1	on the notify socket, if the daemon sends it; with -R, it
 *		must (else only what arrived by the time the FIFO or port
 *		was up is reported)
 *
 * and reports both times and the child's VmRSS at that moment, then stops
 * it with SIGTERM and waits for it to exit.
 *
 * usage: pcstart [-R] [-n RUNS] [-p FIFO] [-T ADDR:PORT] [-t SEC]
 *		  -- COMMAND [ARG ...]
 *
 * Output: one "pcstart: run K: ..." line per run, then "pcstart: median
 * of RUNS runs: exec->open X us, exec->READY Y us, VmRSS Z KiB" (READY
 * and open are "-" when not seen).  Exit status: 0; 1 a run timed out or
 * the command exited early; 64 usage; 71 system error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCSTART_EX_FAIL		1
#define PCSTART_EX_USAGE	64
#define PCSTART_EX_OSERR	71

/* How often the FIFO or port is tried: often, but leaving the CPU mostly idle. */
#define PCSTART_PROBE_NS	20000
/* At most this many runs. */
#define PCSTART_RUNS_MAX	1000
/* How long the daemon may take to exit after SIGTERM before SIGKILL. */
#define PCSTART_STOP_MS		5000

struct run {
	double	open_us;	/* -1: not seen */
	double	ready_us;
	long	rss_kb;
};

/* CLOCK_MONOTONIC in nanoseconds, the same clock in parent and child. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Say how to call us and exit 64. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pcstart [-R] [-n RUNS] [-p FIFO] "
	    "[-T ADDR:PORT] [-t SEC] -- COMMAND [ARG ...]\n"
	    "See the comment at the top of bench/pcstart.c.\n");
	exit(PCSTART_EX_USAGE);
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
		errx(PCSTART_EX_USAGE, "%s: expected a number from %ld to %ld, "
		    "got \"%s\"", what, min, max, s);
	return n;
}

/* Does the FIFO have a reader now? */
static int
fifo_open(const char *path)
{
	int	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* Does something listen on addr now? */
static int
port_open(const struct sockaddr_in *addr)
{
	int	fd, ok;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(PCSTART_EX_OSERR, "socket");
	ok = connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0;
	close(fd);
	return ok;
}

/* VmRSS of pid in KiB, or -1. */
static long
rss_kb(pid_t pid)
{
	char	path[64], line[256];
	FILE	*fp;
	long	kb = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(fp);
	return kb;
}

/* Has a READY=1 datagram come? */
static int
got_ready(int nfd)
{
	char	buf[4096];
	ssize_t	n;

	while ((n = recv(nfd, buf, sizeof buf - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if (strncmp(buf, "READY=1", 7) == 0 ||
		    strstr(buf, "\nREADY=1") != NULL)
			return 1;
	}
	return 0;
}

/* SIGTERM, wait; SIGKILL if it takes too long. */
static void
stop(pid_t pid)
{
	int	status, i;

	kill(pid, SIGTERM);
	for (i = 0; i < PCSTART_STOP_MS; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		poll(NULL, 0, 1);
	}
	warnx("pid %ld ignored SIGTERM: killed", (long)pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* One start.  Returns 0, or -1 if it timed out or the command died. */
static int
one_run(char **cmd, const char *fifo, const struct sockaddr_in *addr,
    int need_ready, const char *sockpath, int timeout_s, struct run *r)
{
	struct timespec		 probe = { 0, PCSTART_PROBE_NS };
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	uint64_t		 t0, t, deadline;
	int			 nfd, p[2], status, up, ready, rc = 0;
	pid_t			 pid;

	r->open_us = r->ready_us = -1;
	r->rss_kb = -1;
	unlink(sockpath);
	nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nfd == -1)
		err(PCSTART_EX_OSERR, "socket");
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	if (bind(nfd, (struct sockaddr *)&sun, sizeof sun) == -1)
		err(PCSTART_EX_OSERR, "%s", sockpath);
	if (pipe2(p, O_CLOEXEC) == -1)
		err(PCSTART_EX_OSERR, "pipe2");
	if ((pid = fork()) == -1)
		err(PCSTART_EX_OSERR, "fork");
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", sockpath, 1);
		t0 = now_ns();
		if (write(p[1], &t0, sizeof t0) != sizeof t0)
			_exit(127);
		execvp(cmd[0], cmd);
		warn("%s", cmd[0]);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &t0, sizeof t0) != sizeof t0)
		errx(PCSTART_EX_OSERR, "%s: did not start", cmd[0]);
	close(p[0]);
	deadline = t0 + (uint64_t)timeout_s * 1000000000u;
	up = fifo == NULL && addr == NULL;
	ready = 0;
	for (;;) {
		if (!ready && got_ready(nfd)) {
			ready = 1;
			r->ready_us = (double)(now_ns() - t0) / 1e3;
		}
		if (!up && ((fifo != NULL && fifo_open(fifo)) ||
		    (addr != NULL && port_open(addr)))) {
			up = 1;
			r->open_us = (double)(now_ns() - t0) / 1e3;
		}
		if (up && (ready || !need_ready))
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			warnx("%s exited before it was up", cmd[0]);
			close(nfd);
			return -1;
		}
		t = now_ns();
		if (t > deadline) {
			warnx("%s: not up after %d s", cmd[0], timeout_s);
			rc = -1;
			break;
		}
		nanosleep(&probe, NULL);
	}
	r->rss_kb = rss_kb(pid);
	stop(pid);
	close(nfd);
	unlink(sockpath);
	return rc;
}

/* qsort order for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the values >= 0 among n, or -1 if none. */
static double
median(const double *v, int n)
{
	double	*w = calloc((size_t)n + 1, sizeof *w);
	double	 m;
	int	 i, k = 0;

	if (w == NULL)
		err(PCSTART_EX_OSERR, NULL);
	for (i = 0; i < n; i++) {
		if (v[i] >= 0)
			w[k++] = v[i];
	}
	qsort(w, (size_t)k, sizeof *w, cmp_double);
	m = k == 0 ? -1 : k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2;
	free(w);
	return m;
}

/* A time for the report: microseconds, or "-". */
static const char *
us(char *buf, size_t size, double v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f us", v);
	return buf;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 addr = { .sin_family = AF_INET }, *ap = NULL;
	struct run		*runs;
	const char		*fifo = NULL, *tmp;
	char			 sockpath[108], dir[PATH_MAX], a[32], b[32];
	double			*open_us, *ready_us, *rss;
	char			*colon;
	int			 ch, i, nruns = 10, need_ready = 0, timeout_s = 10;
	int			 failed = 0;

	while ((ch = getopt(argc, argv, "n:p:RT:t:")) != -1) {
		switch (ch) {
		case 'n':
			nruns = (int)number(optarg, 1, PCSTART_RUNS_MAX, "-n");
			break;
		case 'p':
			fifo = optarg;
			break;
		case 'R':
			need_ready = 1;
			break;
		case 'T':
			if ((colon = strrchr(optarg, ':')) == NULL)
				usage();
			*colon = '\0';
			addr.sin_port = htons((uint16_t)number(colon + 1, 1,
			    65535, "-T port"));
			if (inet_pton(AF_INET, optarg, &addr.sin_addr) != 1)
				errx(PCSTART_EX_USAGE, "-T %s: expected a "
				    "numeric IPv4 address", optarg);
			ap = &addr;
			break;
		case 't':
			timeout_s = (int)number(optarg, 1, 3600, "-t");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);

	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(dir, sizeof dir, "%s/pcstart.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		err(PCSTART_EX_OSERR, "mkdtemp %s", dir);
	if ((size_t)snprintf(sockpath, sizeof sockpath, "%s/notify", dir) >=
	    sizeof sockpath)
		errx(PCSTART_EX_OSERR, "%s: path too long for a socket", dir);

	runs = calloc((size_t)nruns, sizeof *runs);
	open_us = calloc((size_t)nruns, sizeof *open_us);
	ready_us = calloc((size_t)nruns, sizeof *ready_us);
	rss = calloc((size_t)nruns, sizeof *rss);
	if (runs == NULL || open_us == NULL || ready_us == NULL || rss == NULL)
		err(PCSTART_EX_OSERR, NULL);
	for (i = 0; i < nruns; i++) {
		if (one_run(argv, fifo, ap, need_ready, sockpath, timeout_s,
		    &runs[i]) == -1)
			failed = 1;
		open_us[i] = runs[i].open_us;
		ready_us[i] = runs[i].ready_us;
		rss[i] = (double)runs[i].rss_kb;
		printf("pcstart: run %d: exec->open %s, exec->READY %s, VmRSS "
		    "%ld KiB\n", i + 1, us(a, sizeof a, runs[i].open_us),
		    us(b, sizeof b, runs[i].ready_us), runs[i].rss_kb);
		if (failed)
			break;
	}
	if (!failed)
		printf("pcstart: median of %d runs: exec->open %s, exec->READY "
		    "%s, VmRSS %.0f KiB\n", nruns,
		    us(a, sizeof a, median(open_us, nruns)),
		    us(b, sizeof b, median(ready_us, nruns)),
		    median(rss, nruns));
	rmdir(dir);
	free(runs);
	free(open_us);
	free(ready_us);
	free(rss);
	return failed ? PCSTART_EX_FAIL : 0;
}
