/* SPDX-License-Identifier: ISC */
/* The daemon's event loop: signals, reload, and who owns what. */
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "names.h"
#include "notify.h"
#include "output.h"
#include "room.h"
#include "server.h"
#include "sessiondir.h"
#include "spare.h"
#include "xmalloc.h"

struct server {
	struct event_base	*base;
	struct config		*conf;
	struct output		*out;
	struct room		*room;
	struct listener		*listener;
	struct event		*sigterm_ev;
	struct event		*sigint_ev;
	struct event		*sighup_ev;
	struct event		*status_ev;	/* STATUS= for systemd */
	struct event		*stop_ev;	/* stopping takes too long */
	int			 stopping;
	int			 status_clients;	/* last reported */
	unsigned long long	 status_messages;
	int			 status;	/* exit status of the run */
};

static void	server_stop_cb(int, short, void *);
static void	server_reload_cb(int, short, void *);
static void	server_reload(struct server *);
static void	server_output_fail_cb(void *);
static void	server_status_cb(int, short, void *);
static void	server_stopped_cb(int, short, void *);
static void	server_room_empty_cb(void *);

/* How often systemd's STATUS= line is brought up to date, if it changed. */
#define SERVER_STATUS_SEC	1
/* How long clients get to close their sessions when we stop. */
#define SERVER_STOP_SEC		3

/*
 * fds the daemon needs besides two per session: stdio, the FIFO and its
 * reopening, epoll, the session directory, the reserve fd, NSS lookups.
 */
#define SERVER_SPARE_FDS	16

/*
 * Every session costs two fds: raise the soft limit (and, when we may,
 * the hard one) so that max_clients sessions fit.  Returns how many fit:
 * max_clients, or fewer (and says so).
 */
int
server_raise_nofile(int max_clients)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)max_clients * 2 + SERVER_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return max_clients;
	if (rl.rlim_max < need) {
		struct rlimit	want = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return max_clients;
	}
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	/* Refused (a hard limit above fs.nr_open): what is in force counts. */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return max_clients;
	if (rl.rlim_cur < need) {
		int	fit = rl.rlim_cur > SERVER_SPARE_FDS + 2 ?
			    (int)((rl.rlim_cur - SERVER_SPARE_FDS) / 2) : 1;

		log_warnx("file descriptor limit %llu allows %d clients, not "
		    "max_clients = %d", (unsigned long long)rl.rlim_cur, fit,
		    max_clients);
		return fit > 0 ? fit : 1;
	}
	return max_clients;
}

/* Adds a persistent handler for signo. */
static struct event *
server_signal(struct server *s, int signo, event_callback_fn cb)
{
	struct event	*ev;

	if ((ev = evsignal_new(s->base, signo, cb, s)) == NULL ||
	    evsignal_add(ev, NULL) == -1)
		fatalx("cannot handle signal %d", signo);
	return ev;
}

/*
 * Set up everything the daemon runs on.  Takes conf.  Returns NULL with
 * *cause set when the configuration cannot be put into effect; *busy is
 * then set if it was because another pipechatd reads the FIFO.  Out of
 * memory, or libevent failing, is fatal.
 */
struct server *
server_new(struct config *conf, int *busy, char **cause)
{
	struct server	*s;
	struct timeval	 tv = { SERVER_STATUS_SEC, 0 };
	int		 listen_fd;

	*cause = NULL;
	*busy = 0;
	/* Before anything is made: a refused start leaves no trace. */
	if (sessiondir_check_apart(conf->session_dir, conf->fifo_path,
	    cause) == -1) {
		config_free(conf);
		return NULL;
	}
	if ((listen_fd = notify_listen_fd()) == -2) {
		config_free(conf);
		*cause = xstrdup("cannot use the fds systemd passed");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->conf = conf;
	if ((s->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	s->sigterm_ev = server_signal(s, SIGTERM, server_stop_cb);
	s->sigint_ev = server_signal(s, SIGINT, server_stop_cb);
	s->sighup_ev = server_signal(s, SIGHUP, server_reload_cb);
	s->out = output_new(s->base, STDOUT_FILENO, server_output_fail_cb, s);
	output_timestamps(s->out, conf->timestamps);
	conf->max_clients = server_raise_nofile(conf->max_clients);
	s->room = room_new(s->base, conf, s->out);
	s->listener = listener_new(s->base, conf, listen_fd, s->room, busy,
	    cause);
	if (s->listener == NULL || room_open_dir(s->room, cause) == -1)
		goto fail;
	spare_reserve();
	s->status_ev = event_new(s->base, -1, EV_PERSIST, server_status_cb, s);
	s->stop_ev = evtimer_new(s->base, server_stopped_cb, s);
	if (s->status_ev == NULL || s->stop_ev == NULL ||
	    event_add(s->status_ev, &tv) == -1)
		fatalx("server: cannot set up its timers");
	s->status_clients = -1;
	return s;

fail:
	server_free(s);
	return NULL;
}

/* Tear down in the reverse order of server_new; NULL is fine. */
void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->stop_ev != NULL)
		event_free(s->stop_ev);
	if (s->status_ev != NULL)
		event_free(s->status_ev);
	/* What raw writers wrote while sessions were closing. */
	if (s->stopping)
		listener_shutdown(s->listener);
	listener_free(s->listener);
	room_free(s->room);
	if (s->out != NULL) {
		output_flush(s->out);
		output_free(s->out);
	}
	if (s->sighup_ev != NULL)
		event_free(s->sighup_ev);
	if (s->sigint_ev != NULL)
		event_free(s->sigint_ev);
	if (s->sigterm_ev != NULL)
		event_free(s->sigterm_ev);
	if (s->base != NULL)
		event_base_free(s->base);
	config_free(s->conf);
	names_flush();
	spare_release();
	free(s);
}

/* Run until a stop signal or a failed output; returns the exit status. */
int
server_run(struct server *s)
{
	log_info("reading %s", s->conf->fifo_path);
	server_status_cb(-1, 0, s);
	notify_ready();
	if (event_base_dispatch(s->base) == -1)
		fatalx("event_base_dispatch failed");
	return s->status;
}

/* SIGTERM, SIGINT: print what is already in the pipe, then stop. */
static void
server_stop_cb(int signo, short what, void *arg)
{
	struct server	*s = arg;

	struct timeval	 tv = { SERVER_STOP_SEC, 0 };

	(void)what;
	if (s->stopping) {
		log_info("%s again: stopping now", strsignal(signo));
		event_base_loopbreak(s->base);
		return;
	}
	s->stopping = 1;
	log_info("%s: shutting down", strsignal(signo));
	notify_stopping();
	listener_shutdown(s->listener);
	/*
	 * A session's client may be writing right now, and what it writes
	 * after our last read would be lost when we close: say bye and read
	 * until it closes its end, for SERVER_STOP_SEC at most.
	 */
	if (room_stop(s->room, server_room_empty_cb, s) == 0) {
		server_room_empty_cb(s);
		return;
	}
	/* Without the deadline a client that never closes keeps us up. */
	if (evtimer_add(s->stop_ev, &tv) == -1) {
		log_warnx("cannot wait for sessions to close: stopping now");
		server_room_empty_cb(s);
	}
}

/* Every session has closed: stop. */
static void
server_room_empty_cb(void *arg)
{
	struct server	*s = arg;

	output_flush(s->out);
	event_base_loopbreak(s->base);
}

/* Some clients did not close their sessions in time: stop anyway. */
static void
server_stopped_cb(int fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	log_info("%d session%s still open after %d s: closing",
	    room_count(s->room), room_count(s->room) == 1 ? "" : "s",
	    SERVER_STOP_SEC);
	server_room_empty_cb(s);
}

/*
 * SIGHUP: read the config again into a new struct and switch to it only
 * if it loads and applies; otherwise keep running on the old one.
 */
static void
server_reload_cb(int signo, short what, void *arg)
{
	struct server	*s = arg;

	(void)signo;
	(void)what;
	notify_reloading();
	server_reload(s);
	notify_ready();
}

/* Keep systemctl status's line current: clients and messages. */
static void
server_status_cb(int fd, short what, void *arg)
{
	struct server		*s = arg;
	int			 clients = room_count(s->room);
	unsigned long long	 messages = room_messages(s->room);

	(void)fd;
	(void)what;
	if (clients == s->status_clients && messages == s->status_messages)
		return;
	s->status_clients = clients;
	s->status_messages = messages;
	notify_status("%d client%s, %llu message%s", clients,
	    clients == 1 ? "" : "s", messages, messages == 1 ? "" : "s");
}

/* Load the configuration again and apply it, or keep the old one. */
static void
server_reload(struct server *s)
{
	struct config	*conf;
	char		*cause;

	if (config_load(s->conf->file, &conf, &cause) == -1) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", cause);
		free(cause);
		return;
	}
	if (listener_reconfigure(s->listener, conf, &cause) == -1) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", cause);
		free(cause);
		listener_reconfigure(s->listener, s->conf, &cause);
		free(cause);
		config_free(conf);
		return;
	}
	conf->max_clients = server_raise_nofile(conf->max_clients);
	if ((conf->daemon_user == NULL) != (s->conf->daemon_user == NULL) ||
	    (conf->daemon_user != NULL &&
	    strcmp(conf->daemon_user, s->conf->daemon_user) != 0))
		log_warnx("%s: new user %s takes effect at restart",
		    conf->file, conf->daemon_user != NULL ?
		    conf->daemon_user : "(none)");
	room_reconfigure(s->room, conf);
	output_timestamps(s->out, conf->timestamps);
	names_flush();
	config_free(s->conf);
	s->conf = conf;
	log_info("%s: configuration reloaded", conf->file);
}

/* Nowhere left to print messages to: say so (output did) and exit 1. */
static void
server_output_fail_cb(void *arg)
{
	struct server	*s = arg;

	s->status = 1;
	event_base_loopbreak(s->base);
}
