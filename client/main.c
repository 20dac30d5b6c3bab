/* pipechat-client: send lines to pipechatd. */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pclimits.h"
#include "send.h"
#include "utf8.h"

#define CLIENT_PROMPT	"Please say# "

/* Bytes read from stdin that are not yet a whole message. */
struct client_input {
	char	buf[65536];
	size_t	len;
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: pipechat-client [-hV] [-f file] [-p fifo] [message ...]\n"
	    "Send a message to pipechatd: the arguments as one message, or\n"
	    "else each line of standard input.\n"
	    "\n"
	    "  -f file  read the FIFO path from this configuration"
	    " (default %s)\n"
	    "  -p fifo  write to this FIFO; no configuration is read\n"
	    "  -h       show this help and exit\n"
	    "  -V       show the version and exit\n"
	    "\n"
	    "Exit status: 0 sent, 64 usage, 66 no such FIFO, 69 no daemon"
	    " or it went away,\n"
	    "77 permission denied, 78 configuration.\n",
	    CONFIG_DEFAULT_FILE);
	exit(status);
}

/* Report a failed send and return the exit status for it. */
static int
client_send_failed(const char *path, unsigned long sent)
{
	if (errno == EPIPE) {
		warnx("%s: the daemon went away; %lu line%s sent, the rest "
		    "not", path, sent, sent == 1 ? "" : "s");
		return PC_EX_UNAVAILABLE;
	}
	warn("%s: write (%lu line%s sent)", path, sent, sent == 1 ? "" : "s");
	return PC_EX_IOERR;
}

/* Join the arguments with spaces into one message; newlines become spaces. */
static int
client_send_args(int fd, const char *path, int argc, char **argv)
{
	size_t	 len = 0, i;
	char	*msg, *p;
	int	 k;

	for (k = 0; k < argc; k++)
		len += strlen(argv[k]) + 1;
	if ((msg = malloc(len)) == NULL)
		err(PC_EX_OSERR, NULL);
	p = msg;
	for (k = 0; k < argc; k++) {
		if (k > 0)
			*p++ = ' ';
		i = strlen(argv[k]);
		memcpy(p, argv[k], i);
		p += i;
	}
	len = (size_t)(p - msg);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n')
			msg[i] = ' ';
	}
	if (send_message(fd, msg, len) == -1) {
		free(msg);
		return client_send_failed(path, 0);
	}
	free(msg);
	return 0;
}

/* Send one stdin line: strip a CR from CRLF; blank lines are not sent. */
static int
client_send_line(int fd, char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	return send_message(fd, line, len) == -1 ? -1 : 1;
}

/*
 * Send each line of stdin.  Lines are framed here rather than with
 * getline() so that one endless line cannot use unbounded memory: what
 * does not fit is sent in pieces, as send_message would cut it anyway.
 */
static int
client_send_stdin(int fd, const char *path)
{
	struct client_input	 in = { .len = 0 };
	int			 prompt = isatty(STDIN_FILENO) &&
				     isatty(STDERR_FILENO);
	unsigned long		 sent = 0;
	char			*nl;
	size_t			 used, cut;
	ssize_t			 n;
	int			 rc;

	for (;;) {
		if (prompt && in.len == 0) {
			fputs(CLIENT_PROMPT, stderr);
			fflush(stderr);
		}
		n = read(STDIN_FILENO, in.buf + in.len, sizeof in.buf - in.len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			warn("stdin");
			return PC_EX_IOERR;
		}
		if (n == 0)
			break;
		in.len += (size_t)n;
		used = 0;
		while ((nl = memchr(in.buf + used, '\n', in.len - used)) !=
		    NULL) {
			rc = client_send_line(fd, in.buf + used,
			    (size_t)(nl - (in.buf + used)));
			if (rc == -1)
				return client_send_failed(path, sent);
			sent += (unsigned long)rc;
			used = (size_t)(nl - in.buf) + 1;
		}
		if (used == 0 && in.len == sizeof in.buf) {
			/* A line longer than the buffer: send its head. */
			cut = utf8_cut(in.buf, in.len, in.len - 4);
			if (send_message(fd, in.buf, cut) == -1)
				return client_send_failed(path, sent);
			used = cut;
		}
		memmove(in.buf, in.buf + used, in.len - used);
		in.len -= used;
	}
	if (in.len > 0) {
		rc = client_send_line(fd, in.buf, in.len);
		if (rc == -1)
			return client_send_failed(path, sent);
	}
	if (prompt)
		fputc('\n', stderr);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*file = NULL, *path = NULL;
	struct config	*conf = NULL;
	char		*cause;
	int		 ch, fd, status;

	while ((ch = getopt(argc, argv, "f:hp:V")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(0);
		case 'p':
			path = optarg;
			break;
		case 'V':
			printf("pipechat-client %s\n", PC_VERSION);
			return 0;
		default:
			usage(PC_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	if (path == NULL) {
		if (file == NULL)
			file = CONFIG_DEFAULT_FILE;
		if (config_load(file, &conf, &cause) == -1) {
			warnx("%s", cause != NULL ? cause : "out of memory");
			free(cause);
			return PC_EX_CONFIG;
		}
		path = conf->fifo_path;
	}

	/* A daemon that goes away must show as EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if ((status = send_open(path, &fd)) == 0) {
		if (argc > 0)
			status = client_send_args(fd, path, argc, argv);
		else
			status = client_send_stdin(fd, path);
		close(fd);
	}
	config_free(conf);
	return status;
}
