/* SPDX-License-Identifier: ISC */
/* The client's side of a session: its FIFO pair and the JOIN handshake. */
#include <sys/random.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pclimits.h"
#include "proto.h"
#include "sanitize.h"
#include "send.h"
#include "sessfifo.h"
#include "session.h"
#include "utf8.h"

/* How long the daemon may take to answer a JOIN, all of its line. */
#define SESSION_JOIN_TIMEOUT_MS	5000

/* session_join_fd's status when the daemon did not answer at all. */
#define SESSION_NO_ANSWER	(-2)

/* The JOIN words a daemon before issue 12 drops the whole JOIN for. */
#define SESSION_NEW_WORDS	(PROTO_JOIN_FIELDS | PROTO_JOIN_HISTORY)

/* Create our FIFO pair under a fresh random id. */
static int
session_create(struct client_session *cs)
{
	unsigned char	rnd[8];
	int		tries, i;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
			err(PC_EX_OSERR, "getrandom");
		for (i = 0; i < (int)sizeof rnd; i++)
			snprintf(cs->id + (size_t)2 * i, 3, "%02x", rnd[i]);
		if (sessfifo_make(cs->dir, cs->id) == 0) {
			cs->created = 1;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* Remove our FIFOs and close what is open; safe to call twice. */
void
session_cleanup(struct client_session *cs)
{
	if (cs->in_fd != -1)
		close(cs->in_fd);
	if (cs->out_fd != -1)
		close(cs->out_fd);
	cs->in_fd = cs->out_fd = -1;
	if (cs->created) {
		sessfifo_remove(cs->dir, cs->id);
		cs->created = 0;
	}
}

/*
 * Set while joining again: failures are tried again, not told, and a
 * signal (^C) ends the wait for an answer at once.
 */
static int	session_silent;

/* Milliseconds on the monotonic clock. */
static long long
session_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read one line from the daemon into buf (NUL-terminated, no '\n'; what
 * does not fit is dropped), waiting at most timeout_ms for all of it.
 * Returns its length, 0 at end of file or timeout (errno ETIMEDOUT), -1
 * on error.  Used only for the handshake, so byte-at-a-time reads are
 * fine.
 */
int
session_read_line(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	long long	deadline = session_now_ms() + timeout_ms, left;
	size_t		len = 0;
	ssize_t		n;
	char		c;

	for (;;) {
		left = deadline - session_now_ms();
		n = left <= 0 ? 0 : poll(&pfd, 1, (int)left);
		if (n == -1 && errno == EINTR && !session_silent)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		n = read(fd, &c, 1);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return (int)n;
		if (c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	return (int)len;
}

/*
 * The daemon's reason for a refusal (the TEXT of "bye TEXT", not trusted,
 * NUL-terminated), safe to print and cut to SESSION_BYE_SHOWN bytes, into
 * why, which holds SESSION_WHY_SIZE bytes.
 */
void
session_why(char *why, const char *text)
{
	size_t	len = utf8_cut(text, strlen(text), SESSION_BYE_SHOWN);

	why[sanitize(why, text, len)] = '\0';
}


/*
 * Is this word of a bye or welcome a FIELDS word?  "-", or items that
 * start with one we know ("t=", "h", "self"): a reason's first word is
 * English, which never looks like that.
 */
int
session_is_fields(const char *w, size_t len)
{
	if (len == 1 && (w[0] == '-' || w[0] == 'h'))
		return 1;
	if (len >= 2 && w[0] == 't' && w[1] == '=')
		return 1;
	if (len >= 2 && w[0] == 'h' && w[1] == ';')
		return 1;
	return len >= 4 && memcmp(w, "self", 4) == 0 &&
	    (len == 4 || w[4] == ';');
}

/*
 * The welcome's TEXT: our name, after a FIELDS word when the daemon
 * honours "fields" (a name has no space).  Sets cs->fields and cs->name.
 */
static void
session_welcome(struct client_session *cs, const char *text, size_t len)
{
	const char	*sp;
	size_t		 n;

	cs->fields = 0;
	if ((cs->flags & PROTO_JOIN_FIELDS) &&
	    (sp = memchr(text, ' ', len)) != NULL) {
		cs->fields = 1;
		len -= (size_t)(sp + 1 - text);
		text = sp + 1;
	}
	n = utf8_cut(text, len, SESSION_NAME_MAX / 4);
	cs->name[sanitize(cs->name, text, n)] = '\0';
}

/* warn() and warnx(), unless session_silent. */
#define session_warn(...) do {						\
	if (!session_silent)						\
		warn(__VA_ARGS__);					\
} while (0)
#define session_warnx(...) do {						\
	if (!session_silent)						\
		warnx(__VA_ARGS__);					\
} while (0)

/*
 * Join the room through wfd, the well-known FIFO at path (closed here):
 * make our FIFOs in dir, open our read end, announce them, and wait for
 * the daemon's welcome.  Returns 0, or an exit status after saying what
 * went wrong.
 */
static int
session_join_fd(struct client_session *cs, int wfd, const char *path,
    const char *dir, int flags)
{
	char	line[PROTO_OUT_LINE_MAX], fpath[PATH_MAX];
	char	why[SESSION_WHY_SIZE];
	size_t	off, k;
	int	status, n, fl, saved;

	memset(cs, 0, sizeof *cs);
	cs->in_fd = cs->out_fd = -1;
	cs->flags = flags;
	if ((size_t)snprintf(cs->dir, sizeof cs->dir, "%s", dir) >=
	    sizeof cs->dir) {
		session_warnx("%s: session directory name too long", dir);
		close(wfd);
		return PC_EX_CONFIG;
	}
	if (session_create(cs) == -1) {
		status = errno == EACCES || errno == EPERM ? PC_EX_NOPERM :
		    PC_EX_UNAVAILABLE;
		session_warn("%s: cannot create session FIFOs", dir);
		close(wfd);
		return status;
	}
	cs->out_fd = sessfifo_open_out(cs->dir, cs->id);
	n = proto_format_join(line, sizeof line, cs->id, flags);
	if (cs->out_fd == -1 || n == -1 || write(wfd, line, (size_t)n) != n) {
		saved = errno;
		session_warn("%s: cannot join", path);
		close(wfd);
		session_cleanup(cs);
		return saved == EPIPE ? PC_EX_UNAVAILABLE : PC_EX_IOERR;
	}
	close(wfd);

	n = session_read_line(cs->out_fd, line, sizeof line,
	    SESSION_JOIN_TIMEOUT_MS);
	if (n <= 0) {
		/* An old daemon drops a JOIN with words it does not know. */
		if (!(flags & SESSION_NEW_WORDS))
			session_warnx("%s: pipechatd did not answer the join",
			    path);
		session_cleanup(cs);
		return SESSION_NO_ANSWER;
	}
	switch (proto_parse_kind(line, (size_t)n, &off)) {
	case PROTO_WELCOME:
		session_welcome(cs, line + off, (size_t)n - off);
		break;
	case PROTO_BYE:
		for (k = off; k < (size_t)n && line[k] != ' '; k++)
			;
		if ((flags & PROTO_JOIN_FIELDS) && k < (size_t)n &&
		    session_is_fields(line + off, k - off))
			off = k + 1;
		session_why(why, line + off);
		session_warnx("pipechatd refused the session: %s", why);
		session_cleanup(cs);
		return PC_EX_UNAVAILABLE;
	default:
		session_warnx("%s: unexpected answer to the join", path);
		session_cleanup(cs);
		return PC_EX_PROTOCOL;
	}

	/* Our messages are written blocking: the daemon reads them. */
	cs->in_fd = sessfifo_open_in(cs->dir, cs->id);
	if (cs->in_fd == -1 || (fl = fcntl(cs->in_fd, F_GETFL)) == -1 ||
	    fcntl(cs->in_fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		saved = errno;
		sessfifo_path(fpath, sizeof fpath, cs->dir, cs->id,
		    PROTO_IN_SUFFIX);
		errno = saved;
		session_warn("%s", fpath);
		session_cleanup(cs);
		return PC_EX_UNAVAILABLE;
	}
	return 0;
}

/*
 * Join the room: make our FIFOs in dir, open our read end, announce them
 * on the well-known FIFO at path, and wait for the daemon's welcome.
 * Returns 0, or an exit status after saying what went wrong.
 */
int
session_join(struct client_session *cs, const char *path, const char *dir,
    int flags)
{
	int	wfd, status;

	memset(cs, 0, sizeof *cs);
	cs->in_fd = cs->out_fd = -1;
	/* The well-known FIFO first: its errors say the most. */
	if ((status = send_open(path, &wfd)) != 0)
		return status;
	status = session_join_fd(cs, wfd, path, dir, flags);
	if (status != SESSION_NO_ANSWER || !(flags & SESSION_NEW_WORDS))
		return status == SESSION_NO_ANSWER ? PC_EX_UNAVAILABLE :
		    status;
	/*
	 * No answer to "fields" or "history": a daemon from before issue 12
	 * drops such a JOIN.  Join it as it understands, once.
	 */
	if ((status = send_open(path, &wfd)) != 0)
		return status;
	status = session_join_fd(cs, wfd, path, dir,
	    flags & ~SESSION_NEW_WORDS);
	return status == SESSION_NO_ANSWER ? PC_EX_UNAVAILABLE : status;
}

/*
 * Try once, without a word, to join again after the daemon went away:
 * the fds of the old session are closed already (by the caller, who
 * owned them); its FIFOs are removed here.  Returns 0 when joined, -1
 * when the daemon is not back (yet): no FIFO at path, no reader on it,
 * no answer, or a refusal (it may still be shutting down).
 */
int
session_rejoin(struct client_session *cs, const char *path, const char *dir,
    int flags)
{
	struct stat	st;
	int		wfd, status;

	cs->in_fd = cs->out_fd = -1;
	session_cleanup(cs);
	/* No reader yet: ENXIO; no FIFO yet: ENOENT.  Not blocking. */
	wfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (wfd == -1)
		return -1;
	if (fstat(wfd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		close(wfd);
		return -1;
	}
	session_silent = 1;
	status = session_join_fd(cs, wfd, path, dir, flags);
	session_silent = 0;
	return status == 0 ? 0 : -1;
}
