/* SPDX-License-Identifier: ISC */
/* pipechatd: start-up and shutdown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "pclimits.h"
#include "log.h"
#include "server.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: pipechatd [-dhnvV] [-f file]\n"
	    "Print every message that clients write to the pipechat FIFO.\n"
	    "\n"
	    "  -f file  read this configuration (default %s)\n"
	    "  -n       check the configuration and what it names (FIFO,"
	    " group, session\n"
	    "           directory), print \"configuration OK\" and exit\n"
	    "  -d       debug: log more (pipechatd always stays in the"
	    " foreground)\n"
	    "  -v       verbose: same as -d\n"
	    "  -h       show this help and exit\n"
	    "  -V       show the version and exit\n"
	    "\n"
	    "Messages go to standard output, diagnostics to standard error.\n"
	    "Signals: TERM/INT drain the FIFO and exit, HUP reloads the"
	    " configuration.\n"
	    "Exit status: 0 stopped by a signal, 1 output failed,"
	    " 64 usage, 70 internal error,\n"
	    "75 another pipechatd reads the FIFO, 78 configuration.\n",
	    CONFIG_DEFAULT_FILE);
	exit(status);
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
	while ((ch = getopt(argc, argv, "df:hnvV")) != -1) {
		switch (ch) {
		case 'd':
		case 'v':
			verbose = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(0);
		case 'n':
			checkonly = 1;
			break;
		case 'V':
			printf("pipechatd %s\n", PC_VERSION);
			return 0;
		default:
			usage(PC_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(PC_EX_USAGE);
	log_init("pipechatd", verbose);

	if (config_load(file, &conf, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
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
