/* SPDX-License-Identifier: ISC */
/* pipechatd: start-up and shutdown. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "pclimits.h"
#include "log.h"
#include "privs.h"
#include "server.h"

/* The name in messages about the command line, whatever argv[0] is. */
#define MAIN_NAME	"pipechatd"

static const struct option main_options[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "check", no_argument, NULL, 'n' },
	{ "debug", no_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(void)
{
	printf("usage: pipechatd [-dhnvV] [-f file]\n"
	    "Print every message that clients write to the pipechat FIFO.\n"
	    "\n"
	    "  -f, --config=FILE  read this configuration (default %s)\n"
	    "  -n, --check        check the configuration and what it names"
	    " (FIFO, group,\n"
	    "                     session directory), print \"configuration"
	    " OK\" and exit\n"
	    "  -d, --debug        debug: log more (pipechatd always stays in"
	    " the foreground)\n"
	    "  -v, --verbose      verbose: same as -d\n"
	    "  -h, --help         show this help and exit\n"
	    "  -V, --version      show the version and exit\n"
	    "\n"
	    "Messages go to standard output, diagnostics to standard error.\n"
	    "Signals: TERM/INT drain the FIFO and exit, HUP reloads the"
	    " configuration.\n"
	    "Exit status: 0 stopped by a signal, 1 output failed,"
	    " 64 usage, 70 internal error,\n"
	    "75 another pipechatd reads the FIFO, 78 configuration.\n",
	    CONFIG_DEFAULT_FILE);
	exit(0);
}

/*
 * A wrong command line: one line that says what is wrong (getopt's own,
 * or why), one that says where to look, exit 64; not the whole help.
 */
static void __attribute__((noreturn))
usage_error(const char *why, const char *what)
{
	if (why != NULL)
		fprintf(stderr, "%s: %s '%s'\n", MAIN_NAME, why, what);
	fprintf(stderr, "Try '%s --help' for more information.\n", MAIN_NAME);
	exit(PC_EX_USAGE);
}

int
main(int argc, char **argv)
{
	const char	*file = CONFIG_DEFAULT_FILE;
	struct config	*conf;
	struct server	*server;
	char		*cause;
	int		 ch, checkonly = 0, verbose = 0, status, busy;

	log_init("pipechatd", 0);
	/* getopt_long's messages start with argv[0]: ours, not a path. */
	if (argc > 0)
		argv[0] = (char *)MAIN_NAME;
	while ((ch = getopt_long(argc, argv, "df:hnvV", main_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
		case 'v':
			verbose = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
		case 'n':
			checkonly = 1;
			break;
		case 'V':
			printf("pipechatd %s\n", PC_VERSION);
			return 0;
		default:
			usage_error(NULL, NULL);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument", argv[optind]);
	log_init("pipechatd", verbose);

	if (config_load(file, &conf, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return PC_EX_CONFIG;
	}
	/*
	 * Root gives way to [daemon] user before anything is opened, and
	 * before a check, which must find what that user may do.  Past the
	 * hard limit on open files only root may go: raise it first.
	 */
	if (!checkonly)
		conf->max_clients = server_raise_nofile(conf->max_clients);
	if (privs_drop(conf, !checkonly, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		config_free(conf);
		return PC_EX_CONFIG;
	}
	if (checkonly) {
		status = check_config(conf) == 0 ? 0 : PC_EX_CONFIG;
		config_free(conf);
		if (status == 0)
			printf("configuration OK\n");
		return status;
	}

	/* A vanished reader must show as EPIPE from write(), not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if ((server = server_new(conf, &busy, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		return busy ? PC_EX_TEMPFAIL : PC_EX_CONFIG;
	}
	status = server_run(server);
	server_free(server);
	return status;
}
