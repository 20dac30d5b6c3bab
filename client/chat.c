/* SPDX-License-Identifier: ISC */
/* The client's loop: stdin lines out, the daemon's lines in. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"
#include "display.h"
#include "edit.h"
#include "lines.h"
#include "pclimits.h"
#include "proto.h"
#include "send.h"
#include "session.h"
#include "style.h"
#include "xmalloc.h"

#define CHAT_PROMPT	"Please say# "

/*
 * After we stop sending, how long the daemon may stay silent before we
 * stop waiting for it to close the session.
 */
#define CHAT_LEAVE_TIMEOUT_MS	10000

/* While pipechatd restarts, how often we look for it. */
#define CHAT_REJOIN_POLL_MS	100

/* The notices, on a terminal, when pipechatd goes and when it is back. */
#define CHAT_NOTICE_GONE	PROTO_NOTICE " pipechatd is restarting"
#define CHAT_NOTICE_BACK	PROTO_NOTICE " back"

/*
 * Lines waiting to be written: stdin is not read while this much waits,
 * so a daemon that is slow to read slows us down without stopping us from
 * reading what it sends (which would make us the slow reader).
 */
#define CHAT_SENDQ_MAX	(64 * 1024)

/*
 * The longest line typed on a terminal that is sent; the rest of it is
 * dropped.  Four messages' worth: nobody types more in one go.
 */
#define CHAT_TYPED_MAX	(PC_TEXT_MAX * 4)

/*
 * What one read of stdin can add to the send queue, which it is read
 * only below CHAT_SENDQ_MAX: the lines it completes hold at most LINES_BUF
 * bytes of text (on a terminal, one line: the editor takes one key a
 * read), each cut into pieces that add a '\n', and a '/' to each piece
 * after a line's first, which follows a full one: at most twice the text.
 * PC_LINE_MAX more is what chat_queue_line checks before each piece.
 */
#define CHAT_SENDQ_HEADROOM	(2 * LINES_BUF + PC_LINE_MAX)
_Static_assert(CHAT_TYPED_MAX <= LINES_BUF,
    "what the editor completes in one read fits in CHAT_SENDQ_HEADROOM");

struct chat {
	int			 sink;		/* where our lines go, or -1 */
	const char		*sink_name;
	int			 out;		/* the daemon's lines, or -1 */
	int			 editing;	/* the line editor is on */
	struct display_style	 style;		/* how lines are shown */
	int			 fields;	/* the daemon sends FIELDS */
	int			 bell;		/* ring on a mention */
	struct lines		 in;		/* from stdin */
	struct lines		 from;		/* from the daemon */
	char			 sendq[CHAT_SENDQ_MAX + CHAT_SENDQ_HEADROOM];
	size_t			 sendq_len;	/* whole lines, '\n' each */
	unsigned long		 sent;		/* messages written */
	int			 status;
	int			 stdin_eof;	/* nothing more to read */
	int			 bye;		/* the daemon ended the session */
	int			 cut_short;	/* ... before we were done */
	int			 confirmed;	/* it said we left: all taken */
	int			 quit;		/* /quit queued: send no more */
	int			 session;	/* a session, not raw lines */
	const struct chat_rejoin *rejoin;	/* or NULL */
	int			 restarting;	/* bye: the daemon restarts */
	int			 waiting;	/* ... and the session is over */
	long long		 deadline;	/* give up waiting then (ms) */
	int			 lost;		/* it may have lost lines */
};

static volatile sig_atomic_t	chat_signalled;
static volatile sig_atomic_t	chat_stopped;
static volatile sig_atomic_t	chat_winched;

static void
chat_signal_handler(int signo)
{
	if (signo == SIGTSTP)
		chat_stopped = 1;
	else if (signo == SIGWINCH)
		chat_winched = 1;
	else
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

/* Strip the CR of a CRLF line end. */
static size_t
chat_trim_cr(const char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\r')
		len--;
	return len;
}

/*
 * Send one line on a blocking fd (the CR of a CRLF stripped).  Blank
 * lines are not sent.  Returns 1 if sent, 0 if blank, -1 on error.
 */
int
chat_send_text(int fd, const char *text, size_t len, int session)
{
	len = chat_trim_cr(text, len);
	if (len == 0)
		return 0;
	return send_message(fd, text, len, session) == -1 ? -1 : 1;
}

/* Is this line the /quit command, as the daemon reads it? */
static int
chat_is_quit(const char *line, size_t len)
{
	return len >= 5 && memcmp(line, "/quit", 5) == 0 &&
	    (len == 5 || line[5] == ' ');
}

/* Queue a stdin line as one message per PC_TEXT_MAX bytes. */
static void
chat_queue_line(void *arg, const char *line, size_t len)
{
	struct chat	*c = arg;
	size_t		 cut, piece;
	int		 first = 1;

	len = chat_trim_cr(line, len);
	if (len == 0 || (c->sink == -1 && !c->restarting) || c->quit)
		return;
	/* The daemon ends the session on /quit: what follows would be lost. */
	if (c->session && chat_is_quit(line, len)) {
		c->quit = 1;
		/* No session to end while waiting: just send the rest. */
		if (c->restarting)
			return;
	}
	while (len > 0) {
		/* Cannot happen: stdin is read only below CHAT_SENDQ_MAX. */
		if (sizeof c->sendq - c->sendq_len < PC_LINE_MAX)
			errx(PC_EX_SOFTWARE, "send queue full (%zu bytes): "
			    "CHAT_SENDQ_HEADROOM is too small", c->sendq_len);
		cut = send_piece(line, len, first, c->session,
		    c->sendq + c->sendq_len, &piece);
		c->sendq_len += piece;
		line += cut;
		len -= cut;
		first = 0;
	}
}

/*
 * Write queued lines, one write(2) each so each stays atomic, until the
 * FIFO is full.  Returns -1 (with c->status set) if the daemon is gone.
 */
static int
chat_flush(struct chat *c)
{
	size_t	used = 0, len;
	char	*nl;
	ssize_t	n;

	while (used < c->sendq_len) {
		/* Skip the first byte: a line's text, or PROTO_FIFO_LEAD. */
		nl = memchr(c->sendq + used + 1, '\n',
		    c->sendq_len - used - 1);
		len = (size_t)(nl - (c->sendq + used)) + 1;
		n = write(c->sink, c->sendq + used, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n != (ssize_t)len) {
			if (n >= 0)
				errno = EIO;
			c->status = chat_send_failed(c->sink_name, c->sent);
			return -1;
		}
		used += len;
		c->sent++;
	}
	memmove(c->sendq, c->sendq + used, c->sendq_len - used);
	c->sendq_len -= used;
	return 0;
}

/* Print a line of safe text: above what is being typed, or on stdout. */
static void
chat_print(struct chat *c, const char *shown, size_t n)
{
	if (c->editing)
		edit_print(shown, n);
	else {
		fwrite(shown, 1, n, stdout);
		putchar('\n');
		fflush(stdout);
	}
}

/*
 * The names a line shows (safe text), for Tab: the sender of a message or
 * action, who joined or left, who /who says is there.
 */
static void
chat_names(enum proto_kind kind, const char *s, size_t len)
{
	const char	*p, *end = s + len;
	size_t		 n;

	switch (kind) {
	case PROTO_MSG:
		if ((p = memmem(s, len, ": ", 2)) != NULL)
			edit_add_name(s, (size_t)(p - s));
		break;
	case PROTO_ACTION:
		if (len > 2 && (p = memchr(s + 2, ' ', len - 2)) != NULL)
			edit_add_name(s + 2, (size_t)(p - s) - 2);
		break;
	case PROTO_PRIVATE:
		if ((p = memmem(s, len, " -> ", 4)) != NULL)
			edit_add_name(s, (size_t)(p - s));
		break;
	case PROTO_INFO:
		if (len > 4 && (memcmp(s, PROTO_NOTICE_JOIN " ", 4) == 0 ||
		    memcmp(s, PROTO_NOTICE_LEAVE " ", 4) == 0)) {
			for (n = 4; n < len && s[n] != ' '; n++)
				;
			edit_add_name(s + 4, n - 4);
		} else if ((p = memmem(s, len, " connected: ", 12)) != NULL) {
			/* "alice bob (idle 5m) carol": not "(idle", "5m)". */
			for (p += 12; p < end; p += n + 1) {
				for (n = 0; p + n < end && p[n] != ' '; n++)
					;
				if (n > 0 && (p[0] == '(' || p[n - 1] == ')'))
					continue;
				edit_add_name(p, n);
			}
		}
		break;
	default:
		break;
	}
}

/*
 * Show one line from the daemon: "KIND TEXT", or "KIND FIELDS TEXT" in a
 * session that has them; not trusted.  fields is 0 for our own lines,
 * which we make.
 */
static void
chat_show_line(struct chat *c, const char *line, size_t len, int fields)
{
	struct proto_fields	 f;
	const struct proto_fields *fp = NULL;
	char			*copy = NULL;
	const char		*shown;
	size_t			 off, n, k;
	int			 found;
	enum proto_kind		 kind = proto_parse_kind(line, len, &off);

	for (k = off; k < len && line[k] != ' '; k++)
		;
	/*
	 * A bye may come from a part of the daemon that does not know the
	 * session's words (a refusal, a shutdown): FIELDS only if it looks
	 * like one.
	 */
	if (fields && kind == PROTO_BYE && !session_is_fields(line + off,
	    k - off))
		fields = 0;
	if (fields && kind != PROTO_UNKNOWN) {
		/* Take the FIELDS word out: the rest reads as without. */
		k = off + proto_parse_fields(line + off, len - off, &f);
		fp = &f;
		if (k > off) {
			copy = xmalloc(len - (k - off));
			memcpy(copy, line, off);
			memcpy(copy + off, line + k, len - k);
			len -= k - off;
			line = copy;
		}
	}
	if (c->editing)
		c->style.cols = edit_columns();
	switch (kind) {
	case PROTO_WELCOME:
		free(copy);
		return;
	case PROTO_ERROR:
		if (!c->editing) {
			shown = display_line(line, len, 0, &n);
			warnx("%s", shown);
			free(copy);
			return;
		}
		break;
	case PROTO_BYE:
		/* The answer to our leaving: everything we sent was taken. */
		if (len - off == sizeof PROTO_BYE_LEFT - 1 &&
		    memcmp(line + off, PROTO_BYE_LEFT, len - off) == 0) {
			c->confirmed = 1;
			free(copy);
			return;
		}
		/*
		 * Ended by the daemon.  Stop sending at once and close our
		 * end: it reads what we wrote until then (and confirms),
		 * so every line counted as sent is taken.  If it is only
		 * restarting, keep the rest to send to the next one.
		 */
		if (c->rejoin != NULL && !c->restarting &&
		    len - off == sizeof PROTO_BYE_SHUTDOWN - 1 &&
		    memcmp(line + off, PROTO_BYE_SHUTDOWN, len - off) == 0) {
			c->restarting = 1;
			if (c->sink != -1) {
				close(c->sink);
				c->sink = -1;
			}
			if (c->editing)
				edit_print(CHAT_NOTICE_GONE,
				    sizeof CHAT_NOTICE_GONE - 1);
			free(copy);
			return;
		}
		c->bye = 1;
		c->cut_short = !c->stdin_eof || c->sendq_len > 0;
		if (c->editing) {
			edit_stop();
			c->editing = 0;
		}
		if (c->sink != -1) {
			close(c->sink);
			c->sink = -1;
		}
		/* Said only if it cost us something. */
		if (c->cut_short) {
			shown = display_line(line, len, 0, &n);
			warnx("session ended by pipechatd: %s; %lu line%s "
			    "sent, the rest not", shown, c->sent,
			    c->sent == 1 ? "" : "s");
		}
		c->sendq_len = 0;
		free(copy);
		return;
	default:
		break;
	}
	if (!c->editing && fp == NULL && !c->style.timestamps &&
	    !c->style.color) {
		/* As before issue 12: what scripts read. */
		shown = display_line(line, len, c->style.cols, &n);
		chat_print(c, shown, n);
		free(copy);
		return;
	}
	shown = display_show(line, len, fp, &c->style, &found, &n);
	if (c->editing)
		chat_names(kind, line + off, len - off);
	chat_print(c, shown, n);
	if ((found & DISPLAY_MENTION) && c->bell && c->editing)
		edit_bell();
	free(copy);
}

/* A line from the daemon. */
static void
chat_show(void *arg, const char *line, size_t len)
{
	struct chat	*c = arg;

	chat_show_line(c, line, len, c->fields);
}

/*
 * Without the daemon's echo (one from before issue 12, or raw lines),
 * show our own message, as it shows to the others, once it is queued.
 */
static void
chat_echo(struct chat *c, const char *line, size_t len)
{
	char		*buf;
	const char	*me = c->style.me != NULL ? c->style.me :
			    "(anonymous)";
	int		 n;

	if (len > PC_TEXT_MAX)
		len = PC_TEXT_MAX;
	if (c->session && len >= 4 && memcmp(line, "/me ", 4) == 0)
		n = xasprintf(&buf, "action * %s %.*s", me, (int)len - 4,
		    line + 4);
	else if (c->session && len >= 1 && line[0] == '/' &&
	    (len < 2 || line[1] != '/'))
		return;		/* a command: the daemon answers */
	else {
		if (c->session && len >= 2 && line[0] == '/')
			line++, len--;
		n = xasprintf(&buf, "msg %s: %.*s", me, (int)len, line);
	}
	chat_show_line(c, buf, (size_t)n, 0);
	free(buf);
}

/* A line typed on the terminal (NULL: ^D on an empty line). */
static void
chat_typed(void *arg, const char *line, size_t len)
{
	struct chat	*c = arg;

	if (line == NULL) {
		c->stdin_eof = 1;
		return;
	}
	if (len > CHAT_TYPED_MAX)
		len = CHAT_TYPED_MAX;
	if (len == 0 || (c->sink == -1 && !c->restarting) || c->quit)
		return;
	chat_queue_line(c, line, len);
	if (!c->fields)
		chat_echo(c, line, len);
}

/* Read stdin into the send queue; sets *eof at its end. */
static int
chat_stdin(struct chat *c, int *eof)
{
	ssize_t		n;

	if (c->editing) {
		if (edit_read() == -1)
			*eof = 1;	/* the terminal is gone */
		return 0;
	}
	n = lines_read(&c->in, STDIN_FILENO, chat_queue_line, c);
	if (n == 0) {
		lines_rest(&c->in, chat_queue_line, c);
		*eof = 1;
	} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
		warn("stdin");
		c->status = PC_EX_IOERR;
		return -1;
	}
	return 0;
}

/*
 * ^Z: give the terminal back, stop, and take it again when continued,
 * with the half-typed line as it was.
 */
static void
chat_suspend(struct chat *c)
{
	chat_stopped = 0;
	if (c->editing)
		edit_suspend();
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	signal(SIGTSTP, chat_signal_handler);
	if (c->editing)
		edit_resume();
}

/* Milliseconds on the monotonic clock. */
static long long
chat_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The old session is over (the daemon restarts): wait for the next one.
 * What it did not confirm may be lost: say so once, as when it dies.
 */
static void
chat_gone(struct chat *c, int said_bye)
{
	if (!c->confirmed && !c->lost) {
		warnx("pipechatd closed the session %s; %lu line%s sent, not "
		    "all may have been read", said_bye ?
		    "before it confirmed our leaving" : "without a word",
		    c->sent, c->sent == 1 ? "" : "s");
		c->lost = 1;
	}
	c->confirmed = 0;
	c->from.len = 0;
	c->waiting = 1;
	c->deadline = chat_now_ms() + (long long)c->rejoin->wait_s * 1000;
}

/*
 * Waiting for the daemon: try to join again.  Returns 1 when back, 0 when
 * not yet, -1 when the wait is over: nothing is left to send (status 0),
 * or the bound has passed (c->status set).
 */
static int
chat_try_rejoin(struct chat *c)
{
	int	fl, fields = 0;

	if (c->stdin_eof && c->sendq_len == 0) {
		/* Nothing left to send: every line was taken. */
		return -1;
	}
	if (c->rejoin->join(c->rejoin->arg, &c->sink, &c->out, &fields) == 0) {
		if ((fl = fcntl(c->sink, F_GETFL)) == -1 ||
		    fcntl(c->sink, F_SETFL, fl | O_NONBLOCK) == -1)
			err(PC_EX_OSERR, "%s", c->sink_name);
		c->waiting = c->restarting = 0;
		c->fields = fields;
		if (c->editing)
			edit_print(CHAT_NOTICE_BACK,
			    sizeof CHAT_NOTICE_BACK - 1);
		return 1;
	}
	if (chat_now_ms() >= c->deadline) {
		if (c->editing) {
			edit_stop();
			c->editing = 0;
		}
		warnx("pipechatd did not come back within %d s; %lu line%s "
		    "sent, the rest not", c->rejoin->wait_s, c->sent,
		    c->sent == 1 ? "" : "s");
		c->status = PC_EX_UNAVAILABLE;
		return -1;
	}
	return 0;
}

static void
chat_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = chat_signal_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
}

/*
 * Send stdin's lines to *sink and show what the daemon sends on *out (-1
 * when there is no session) until stdin ends and the daemon has closed
 * the session, or the daemon ends it.  Closes both fds and sets them to
 * -1.  Returns the exit status.
 */
int
chat_run(int *sink, int *out, const char *sink_name,
    const struct chat_opts *opts, const struct chat_rejoin *rejoin)
{
	static struct chat	 c;
	struct pollfd		 pfd[3];
	int			 timeout, n, fl;
	ssize_t			 r;

	memset(&c, 0, sizeof c);
	c.sink = *sink;
	c.sink_name = sink_name;
	c.out = *out;
	c.session = c.out != -1;
	c.rejoin = c.session && rejoin != NULL && rejoin->wait_s > 0 ?
	    rejoin : NULL;
	c.stdin_eof = (opts->flags & CHAT_NO_STDIN) != 0;
	c.fields = opts->fields;
	c.bell = opts->bell;
	c.style.me = opts->name != NULL && opts->name[0] != '\0' ?
	    opts->name : NULL;
	if (opts->flags & CHAT_INTERACTIVE) {
		c.style.color = style_want(opts->color);
		c.style.timestamps = opts->timestamps;
	} else
		c.style.color = opts->color == CHAT_COLOR_ALWAYS;
	c.style.cols = display_columns(STDOUT_FILENO);
	if (c.sink != -1 && ((fl = fcntl(c.sink, F_GETFL)) == -1 ||
	    fcntl(c.sink, F_SETFL, fl | O_NONBLOCK) == -1))
		err(PC_EX_OSERR, "%s", sink_name);
	chat_signals();
	display_init();
	if ((opts->flags & CHAT_INTERACTIVE) &&
	    edit_start(CHAT_PROMPT, opts->history_file, chat_typed, &c) == 0)
		c.editing = 1;

	while (!chat_signalled) {
		if (chat_stopped)
			chat_suspend(&c);
		if (chat_winched) {
			chat_winched = 0;
			if (c.editing)
				edit_resize();
		}
		if (c.waiting && chat_try_rejoin(&c) == -1)
			break;
		if (c.stdin_eof && c.sink != -1 && c.sendq_len == 0) {
			/* Closing our end is how we leave. */
			close(c.sink);
			c.sink = -1;
		}
		if (c.stdin_eof && c.sink == -1 && c.out == -1 && !c.waiting)
			break;
		pfd[0].fd = c.stdin_eof || c.sendq_len >= CHAT_SENDQ_MAX ? -1 :
		    STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = c.out;
		pfd[1].events = POLLIN;
		pfd[2].fd = c.sendq_len > 0 ? c.sink : -1;
		pfd[2].events = POLLOUT;
		if (c.waiting)
			timeout = CHAT_REJOIN_POLL_MS;
		else
			timeout = c.stdin_eof && c.sendq_len == 0 ?
			    CHAT_LEAVE_TIMEOUT_MS : -1;
		n = poll(pfd, 3, timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(PC_EX_OSERR, "poll");
		if (n == 0 && c.waiting)
			continue;
		if (n == 0) {
			warnx("pipechatd did not close the session in %d s; "
			    "%lu line%s sent, not all may have been read",
			    CHAT_LEAVE_TIMEOUT_MS / 1000, c.sent,
			    c.sent == 1 ? "" : "s");
			c.status = PC_EX_UNAVAILABLE;
			break;
		}
		if (pfd[1].revents != 0) {
			r = lines_read(&c.from, c.out, chat_show, &c);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				/* The daemon closed the session. */
				close(c.out);
				c.out = -1;
				/*
				 * Restarting, or killed (no word at all):
				 * join the next daemon and send the rest.
				 */
				if (c.rejoin != NULL && (c.restarting ||
				    (!c.bye && !c.confirmed))) {
					if (!c.restarting && c.editing)
						edit_print(CHAT_NOTICE_GONE,
						    sizeof CHAT_NOTICE_GONE - 1);
					chat_gone(&c, c.restarting);
					c.restarting = 1;
					if (c.sink != -1) {
						close(c.sink);
						c.sink = -1;
					}
					continue;
				}
				break;
			}
		}
		if (c.bye || (c.quit && !c.restarting))
			c.stdin_eof = 1;
		else if (pfd[0].revents != 0 &&
		    chat_stdin(&c, &c.stdin_eof) == -1)
			break;
		/* /quit while the daemon restarts: send what is left. */
		if (c.quit && c.restarting)
			c.stdin_eof = 1;
		if (c.sendq_len > 0 && c.sink != -1 && chat_flush(&c) == -1)
			break;
	}
	if (c.editing) {
		edit_stop();
		c.editing = 0;
	}
	if (chat_signalled == 0 && c.status == 0 && c.out == -1 &&
	    c.session && !c.waiting) {
		/*
		 * The session is over.  Without the daemon's word that we
		 * left, it died or was killed: what it had not read yet is
		 * lost, and we cannot know how much.
		 */
		if (c.bye && c.cut_short)
			c.status = PC_EX_UNAVAILABLE;
		else if (!c.confirmed) {
			warnx("pipechatd closed the session %s; %lu line%s "
			    "sent, not all may have been read",
			    c.bye ? "before it confirmed our leaving" :
			    "without a word", c.sent, c.sent == 1 ? "" : "s");
			c.status = PC_EX_UNAVAILABLE;
		}
	}
	/* A daemon killed hard may have lost lines: said in chat_gone. */
	if (chat_signalled == 0 && c.status == 0 && c.lost)
		c.status = PC_EX_UNAVAILABLE;
	if (c.sink != -1)
		close(c.sink);
	if (c.out != -1)
		close(c.out);
	*sink = *out = -1;
	if (chat_signalled && c.status == 0)
		c.status = 128 + chat_signalled;
	return c.status;
}
