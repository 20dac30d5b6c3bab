/* The client's loop: stdin lines out, the daemon's lines in. */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "pclimits.h"
#include "proto.h"
#include "sanitize.h"
#include "send.h"
#include "term.h"
#include "utf8.h"

#define CHAT_PROMPT	"Please say# "

/* After we stop sending, how long the daemon may take to close our session. */
#define CHAT_LEAVE_TIMEOUT_MS	2000

/* Bytes read from an fd that are not yet a whole line. */
struct chat_lines {
	char	buf[PROTO_OUT_LINE_MAX * 2];
	size_t	len;
};

struct chat {
	int			 sink;		/* where our lines go, or -1 */
	const char		*sink_name;
	int			 out;		/* the daemon's lines, or -1 */
	struct term		 term;		/* when on a terminal */
	struct chat_lines	 in;		/* from stdin */
	struct chat_lines	 from;		/* from the daemon */
	unsigned long		 sent;
	int			 status;
	int			 bye;		/* the daemon ended the session */
	int			 quit;		/* we asked it to, with /quit */
};

static volatile sig_atomic_t	chat_signalled;

static void
chat_signal_handler(int signo)
{
	chat_signalled = signo;
}

/* Report a failed send and return the exit status for it. */
static int
chat_send_failed(const char *name, unsigned long sent)
{
	if (errno == EPIPE) {
		warnx("%s: the daemon went away; %lu line%s sent, the rest "
		    "not", name, sent, sent == 1 ? "" : "s");
		return PC_EX_UNAVAILABLE;
	}
	warn("%s: write (%lu line%s sent)", name, sent, sent == 1 ? "" : "s");
	return PC_EX_IOERR;
}

/*
 * Send one line (the CR of a CRLF stripped).  Blank lines are not sent.
 * Returns 1 if sent, 0 if blank, -1 on error.
 */
int
chat_send_text(int fd, const char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	return send_message(fd, text, len) == -1 ? -1 : 1;
}

/* Show one line from the daemon: "KIND TEXT". */
static void
chat_show(struct chat *c, const char *line, size_t len)
{
	char		safe[PC_SANITIZED_MAX(PROTO_OUT_LINE_MAX) + 1];
	size_t		off, n;
	enum proto_kind	kind = proto_parse_kind(line, len, &off);

	/* The daemon sanitises; doing it again here costs little. */
	n = sanitize(safe, line + off, len - off);
	switch (kind) {
	case PROTO_MSG:
	case PROTO_INFO:
		break;
	case PROTO_ERROR:
		if (!c->term.active) {
			warnx("%.*s", (int)n, safe);
			return;
		}
		break;
	case PROTO_BYE:
		c->bye = 1;
		warnx("session ended by pipechatd: %.*s", (int)n, safe);
		return;
	default:
		return;
	}
	if (c->term.active)
		term_show(&c->term, safe, n);
	else {
		safe[n++] = '\n';
		fwrite(safe, 1, n, stdout);
		fflush(stdout);
	}
}

/*
 * Read what fd has into lb and call fn for each complete line.  A line
 * longer than the buffer is passed on in pieces.  Returns the read's
 * result: >0 bytes, 0 end of file, -1 error (EAGAIN/EINTR: try again).
 */
static ssize_t
chat_read_lines(struct chat *c, int fd, struct chat_lines *lb,
    int (*fn)(struct chat *, char *, size_t))
{
	size_t	used = 0, cut;
	ssize_t	n;
	char	*nl;

	n = read(fd, lb->buf + lb->len, sizeof lb->buf - lb->len);
	if (n <= 0)
		return n;
	lb->len += (size_t)n;
	while ((nl = memchr(lb->buf + used, '\n', lb->len - used)) != NULL) {
		if (fn(c, lb->buf + used, (size_t)(nl - (lb->buf + used))) == -1)
			return -1;
		used = (size_t)(nl - lb->buf) + 1;
	}
	if (used == 0 && lb->len == sizeof lb->buf) {
		cut = utf8_cut(lb->buf, lb->len, lb->len - 4);
		if (fn(c, lb->buf, cut) == -1)
			return -1;
		used = cut;
	}
	memmove(lb->buf, lb->buf + used, lb->len - used);
	lb->len -= used;
	return n;
}

static int
chat_stdin_line(struct chat *c, char *line, size_t len)
{
	int	rc;

	if (c->sink == -1)
		return 0;
	if ((rc = chat_send_text(c->sink, line, len)) == -1) {
		c->status = chat_send_failed(c->sink_name, c->sent);
		return -1;
	}
	c->sent += (unsigned long)rc;
	if (len == 5 && memcmp(line, "/quit", 5) == 0)
		c->quit = 1;
	return 0;
}

static int
chat_daemon_line(struct chat *c, char *line, size_t len)
{
	chat_show(c, line, len);
	return 0;
}

/* Typed bytes, on a terminal: the editor says when a line is done. */
static int
chat_typed(struct chat *c, const unsigned char *buf, size_t len, int *eof)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		switch (term_key(&c->term, buf[i])) {
		case TERM_LINE:
			if (chat_stdin_line(c, c->term.line,
			    c->term.linelen) == -1)
				return -1;
			break;
		case TERM_EOF:
			*eof = 1;
			return 0;
		}
	}
	return 0;
}

/* Read stdin; sets *eof at its end.  Returns -1 if sending failed. */
static int
chat_stdin(struct chat *c, int *eof)
{
	unsigned char	buf[4096];
	ssize_t		n;

	if (c->term.active) {
		n = read(STDIN_FILENO, buf, sizeof buf);
		if (n > 0)
			return chat_typed(c, buf, (size_t)n, eof);
	} else
		n = chat_read_lines(c, STDIN_FILENO, &c->in, chat_stdin_line);
	if (n == 0) {
		/* A last line without '\n' is still a line. */
		if (c->in.len > 0 && chat_stdin_line(c, c->in.buf,
		    c->in.len) == -1)
			return -1;
		c->in.len = 0;
		*eof = 1;
	} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
		if (c->status != 0)
			return -1;
		warn("stdin");
		c->status = PC_EX_IOERR;
		return -1;
	}
	return 0;
}

/*
 * Send stdin's lines to *sink and show what the daemon sends on *out (-1
 * when there is no session) until stdin ends and the daemon has closed
 * the session, or the daemon ends it.  Closes both fds and sets them to
 * -1.  Returns the exit status.
 */
int
chat_run(int *sink, int *out, const char *sink_name, int flags)
{
	struct chat		 c;
	struct pollfd		 pfd[2];
	struct sigaction	 sa;
	int			 stdin_eof = (flags & CHAT_NO_STDIN) != 0;
	int			 timeout, n;
	ssize_t			 r;

	memset(&c, 0, sizeof c);
	c.sink = *sink;
	c.sink_name = sink_name;
	c.out = *out;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = chat_signal_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if ((flags & CHAT_INTERACTIVE) &&
	    term_start(&c.term, STDIN_FILENO, CHAT_PROMPT) == -1)
		memset(&c.term, 0, sizeof c.term);

	while (!chat_signalled) {
		if (stdin_eof && c.sink != -1) {
			/* Closing our end is how we leave. */
			close(c.sink);
			c.sink = -1;
		}
		if (stdin_eof && c.out == -1)
			break;
		pfd[0].fd = stdin_eof ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = c.out;
		pfd[1].events = POLLIN;
		timeout = stdin_eof ? CHAT_LEAVE_TIMEOUT_MS : -1;
		n = poll(pfd, 2, timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(PC_EX_OSERR, "poll");
		if (n == 0)
			break;
		if (pfd[1].revents != 0) {
			r = chat_read_lines(&c, c.out, &c.from,
			    chat_daemon_line);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				/* The daemon closed the session. */
				close(c.out);
				c.out = -1;
				if (!stdin_eof && !c.quit && c.status == 0) {
					if (!c.bye)
						warnx("pipechatd closed the "
						    "session");
					c.status = PC_EX_UNAVAILABLE;
				}
				break;
			}
		}
		if (pfd[0].revents != 0 && chat_stdin(&c, &stdin_eof) == -1)
			break;
	}
	term_stop(&c.term);
	if (c.sink != -1)
		close(c.sink);
	if (c.out != -1)
		close(c.out);
	*sink = *out = -1;
	if (chat_signalled && c.status == 0)
		c.status = 128 + chat_signalled;
	return c.status;
}
