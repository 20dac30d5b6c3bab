/* SPDX-License-Identifier: ISC */
/* pipechat-client: join the pipechat room, or send to it. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "config.h"
#include "pclimits.h"
#include "proto.h"
#include "send.h"
#include "session.h"
#include "xmalloc.h"

/*
 * How long to wait for pipechatd to come back after it said it is
 * shutting down: a restart (systemctl restart, an upgrade) takes a second
 * or two; 30 s covers a slow start without leaving a piped client hanging
 * for long when the daemon was stopped for good.
 */
#define CLIENT_REJOIN_WAIT_S	30
#define CLIENT_REJOIN_WAIT_MAX	86400

/* What the client needs to join again after a restart. */
struct client_rejoin {
	struct client_session	*cs;
	const char		*path;
	const char		*dir;
	int			 flags;
};

/*
 * chat_rejoin's join: as the same user, without "joined" (a quiet session
 * stays quiet; any other is announced when it leaves).
 */
static int
client_rejoin_cb(void *arg, int *sink, int *out, int *fields)
{
	struct client_rejoin	*cr = arg;

	if (session_rejoin(cr->cs, cr->path, cr->dir,
	    cr->flags | PROTO_JOIN_REJOIN) == -1)
		return -1;
	*sink = cr->cs->in_fd;
	*out = cr->cs->out_fd;
	*fields = cr->cs->fields;
	return 0;
}

/* The long options; each short one has a long one. */
enum {
	OPT_COLOR = 256,
	OPT_NO_BELL,
	OPT_NO_HISTORY_FILE,
	OPT_NO_TIMESTAMPS,
};

static const struct option client_longopts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "fifo", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "raw", no_argument, NULL, 'r' },
	{ "rejoin-wait", required_argument, NULL, 'w' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "no-bell", no_argument, NULL, OPT_NO_BELL },
	{ "no-history-file", no_argument, NULL, OPT_NO_HISTORY_FILE },
	{ "no-timestamps", no_argument, NULL, OPT_NO_TIMESTAMPS },
	{ NULL, 0, NULL, 0 }
};

/*
 * A usage error: the one line that says what is wrong has been printed
 * (by getopt_long or by us); point at --help, GNU style, and exit 64.
 */
static void __attribute__((noreturn))
client_bad_usage(void)
{
	fprintf(stderr, "Try 'pipechat-client --help' for more information.\n");
	exit(PC_EX_USAGE);
}

static void __attribute__((noreturn))
usage(void)
{
	printf(
	    "usage: pipechat-client [-hqrV] [-f file] [-p fifo] [-w seconds]"
	    " [message ...]\n"
	    "Chat with the users of pipechatd: join the room, print what\n"
	    "others say, and send each line of standard input (or the\n"
	    "arguments, as one message).  Leave with end of input (^D) or /quit.\n"
	    "\n"
	    "  -f, --config FILE   read the FIFO path from this configuration\n"
	    "                      (default %s)\n"
	    "  -p, --fifo FIFO     use this well-known FIFO; no configuration"
	    " is read and\n"
	    "                      sessions are in the \"" CONFIG_SESSION_SUBDIR
	    "\" directory beside it\n"
	    "  -q, --quiet         join without \"joined\"/\"left\" notices"
	    " (always so with\n"
	    "                      arguments)\n"
	    "  -r, --raw           write lines to the well-known FIFO only;"
	    " they show as\n"
	    "                      (anonymous)\n"
	    "  -w, --rejoin-wait SECONDS\n"
	    "                      when pipechatd restarts, wait so long for"
	    " it to come back\n"
	    "                      (default %d; 0: do not wait), then join"
	    " again and send\n"
	    "                      the rest\n"
	    "      --color WHEN    colour names and mentions on a terminal:"
	    " auto (default:\n"
	    "                      not when NO_COLOR is set or TERM is dumb),"
	    " always, never\n"
	    "      --no-bell       no bell when someone mentions your name\n"
	    "      --no-history-file\n"
	    "                      keep the lines typed in this session only,"
	    " not in\n"
	    "                      $XDG_STATE_HOME/pipechat/history\n"
	    "      --no-timestamps no HH:MM before each line on a terminal\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    "Commands: /who, /me ACTION, /msg USER TEXT, /quit, /help;"
	    " //text sends \"/text\".\n"
	    "Exit status: 0 done (the daemon took every line), 64 usage,"
	    " 66 no such FIFO,\n"
	    "69 no daemon, or it refused, ended, lost or did not answer the"
	    " session,\n"
	    "71 system error, 74 I/O error, 76 protocol error,\n"
	    "77 permission denied, 78 configuration, 128+N stopped by"
	    " signal N.\n",
	    CONFIG_DEFAULT_FILE, CLIENT_REJOIN_WAIT_S);
	exit(0);
}

/* The arguments, joined by spaces, as one message; newlines become spaces. */
static char *
client_join_args(int argc, char **argv, size_t *lenp)
{
	size_t	 len = 0, i;
	char	*msg, *p;
	int	 k;

	for (k = 0; k < argc; k++)
		len += strlen(argv[k]) + 1;
	msg = xmalloc(len);
	p = msg;
	for (k = 0; k < argc; k++) {
		if (k > 0)
			*p++ = ' ';
		i = strlen(argv[k]);
		memcpy(p, argv[k], i);
		p += i;
	}
	*lenp = (size_t)(p - msg);
	for (i = 0; i < *lenp; i++) {
		if (msg[i] == '\n')
			msg[i] = ' ';
	}
	return msg;
}

/* The session directory beside a FIFO given with -p. */
static char *
client_session_dir(const char *fifo)
{
	char	*copy, *dir;

	copy = xstrdup(fifo);
	xasprintf(&dir, "%s/%s", dirname(copy), CONFIG_SESSION_SUBDIR);
	free(copy);
	return dir;
}

/* Send the message or stdin on sink (and show out), then clean up. */
static int
client_run(int *sink, int *out, const char *name, char *msg, size_t len,
    struct chat_opts *opts, const struct chat_rejoin *rejoin)
{
	if (msg == NULL)
		return chat_run(sink, out, name, opts, rejoin);
	if (chat_send_text(*sink, msg, len, *out != -1) == -1) {
		warn("%s: write", name);
		return errno == EPIPE ? PC_EX_UNAVAILABLE : PC_EX_IOERR;
	}
	/* Close our end and wait for the daemon to close its: delivered. */
	close(*sink);
	*sink = -1;
	opts->flags = CHAT_NO_STDIN;
	return chat_run(sink, out, name, opts, NULL);
}

int
main(int argc, char **argv)
{
	struct client_session	 cs = { .in_fd = -1, .out_fd = -1 };
	const char		*file = NULL, *path = NULL;
	struct config		*conf = NULL;
	struct client_rejoin	 cr;
	struct chat_rejoin	 rejoin = { client_rejoin_cb, &cr,
				    CLIENT_REJOIN_WAIT_S };
	struct chat_opts	 opts = { .color = CHAT_COLOR_AUTO, .bell = 1,
				    .timestamps = 1, .history_file = 1 };
	char			*cause, *dir = NULL, *msg = NULL, *end;
	long			 l;
	size_t			 len = 0;
	int			 ch, fd = -1, none = -1, status, raw = 0;
	int			 flags = 0;

	while ((ch = getopt_long(argc, argv, "f:hp:qrVw:", client_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
		case 'p':
			path = optarg;
			break;
		case 'q':
			flags |= PROTO_JOIN_QUIET;
			break;
		case 'r':
			raw = 1;
			break;
		case 'V':
			printf("pipechat-client %s\n", PC_VERSION);
			return 0;
		case 'w':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    l < 0 || l > CLIENT_REJOIN_WAIT_MAX) {
				warnx("-w %s: expected seconds from 0 to %d",
				    optarg, CLIENT_REJOIN_WAIT_MAX);
				client_bad_usage();
			}
			rejoin.wait_s = (int)l;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				opts.color = CHAT_COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				opts.color = CHAT_COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				opts.color = CHAT_COLOR_NEVER;
			else {
				warnx("--color %s: expected auto, always or "
				    "never", optarg);
				client_bad_usage();
			}
			break;
		case OPT_NO_BELL:
			opts.bell = 0;
			break;
		case OPT_NO_HISTORY_FILE:
			opts.history_file = 0;
			break;
		case OPT_NO_TIMESTAMPS:
			opts.timestamps = 0;
			break;
		default:
			client_bad_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (path != NULL && file != NULL) {
		warnx("-f and -p exclude each other");
		client_bad_usage();
	}

	if (path == NULL) {
		if (file == NULL)
			file = CONFIG_DEFAULT_FILE;
		if (config_load(file, &conf, &cause) == -1) {
			warnx("%s", cause);
			free(cause);
			return PC_EX_CONFIG;
		}
		path = conf->fifo_path;
		send_set_config(file);
		dir = xstrdup(conf->session_dir);
	} else
		dir = client_session_dir(path);
	if (argc > 0) {
		msg = client_join_args(argc, argv, &len);
		flags |= PROTO_JOIN_QUIET;
	} else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		/*
		 * On a terminal: our own lines echoed, times, and what was
		 * said before we came (not for a quiet session: -q is for
		 * a quick word, not a conversation).  Piped sessions stay
		 * as they were: the others' lines, bare.
		 */
		opts.flags = CHAT_INTERACTIVE;
		if (!raw)
			flags |= PROTO_JOIN_FIELDS;
		if (!raw && !(flags & PROTO_JOIN_QUIET))
			flags |= PROTO_JOIN_HISTORY;
	}

	/* A daemon that goes away must show as EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	/* The daemon would drop every line: say so rather than lose them. */
	if (raw && conf != NULL && !conf->anonymous) {
		warnx("%s: [fifo] anonymous = no: pipechatd shows no raw lines; "
		    "send without -r", file);
		status = PC_EX_NOPERM;
	} else if (raw) {
		if ((status = send_open(path, &fd)) == 0)
			status = client_run(&fd, &none, path, msg, len, &opts,
			    NULL);
	} else if ((status = session_join(&cs, path, dir, flags)) == 0) {
		cr.cs = &cs;
		cr.path = path;
		cr.dir = dir;
		/* A rejoin does not ask for what it has seen already. */
		cr.flags = cs.flags & ~PROTO_JOIN_HISTORY;
		opts.fields = cs.fields;
		opts.name = cs.name;
		status = client_run(&cs.in_fd, &cs.out_fd, path, msg, len,
		    &opts, &rejoin);
		session_cleanup(&cs);
	}
	free(msg);
	free(dir);
	config_free(conf);
	return status;
}
