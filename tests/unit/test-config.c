/* SPDX-License-Identifier: ISC */
/* Tests for lib/config.c against the fixtures in tests/data. */
#include <sys/stat.h>
#include <sys/types.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "tap.h"

/* Where meson says the fixtures are (tests/unit/meson.build). */
static const char	*data_dir;

/*
 * Fixtures are loaded from copies of mode 0644 in a directory of our own:
 * config_load refuses a file that others may write, and the checkout's
 * modes follow whoever's umask made it.
 */
static char		 scratch[] = "/tmp/test-config.XXXXXX";

/* A bad file and the whole message it must give; line 0: no line number. */
struct bad_case {
	const char	*file;
	int		 line;
	const char	*msg;
};

static const struct bad_case bad_cases[] = {
	{ "bad-key.ini", 3, "colour: unknown key in section [fifo]" },
	{ "bad-section.ini", 4,
	    "[colour]: unknown section (expected [fifo], [session], "
	    "[chat], [log] or [daemon])" },
	/* inih calls no handler for a section without keys */
	{ "bad-empty-section.ini", 4,
	    "[colour]: unknown section (expected [fifo], [session], "
	    "[chat], [log] or [daemon])" },
	{ "bad-indented-section.ini", 4, "mode: already set on line 3" },
	{ "bad-no-section.ini", 1, "path: unknown key in section []" },
	{ "bad-duplicate.ini", 4, "mode: already set on line 2" },
	{ "bad-mode-rw.ini", 2,
	    "mode: expected an octal mode like 0620, got \"rw\"" },
	{ "bad-mode-5-digits.ini", 2,
	    "mode: expected an octal mode like 0620, got \"10620\"" },
	{ "bad-mode-01620.ini", 2, "mode: 1620 sets setuid, setgid or sticky "
	    "bits, which mean nothing on a FIFO" },
	{ "bad-mode-0640.ini", 2, "mode: 0640 lets the group read the FIFO, "
	    "so they could steal messages; allow group/others to write only, "
	    "like 0620" },
	{ "bad-mode-0666.ini", 2, "mode: 0666 lets the group and others read "
	    "the FIFO, so they could steal messages; allow group/others to "
	    "write only, like 0620" },
	{ "bad-mode-8.ini", 2,
	    "mode: expected an octal mode like 0620, got \"0680\"" },
	{ "bad-mode-0644.ini", 2, "mode: 0644 lets the group and others read "
	    "the FIFO, so they could steal messages; allow group/others to "
	    "write only, like 0620" },
	{ "bad-mode-0624.ini", 2, "mode: 0624 lets others read the FIFO, so "
	    "they could steal messages; allow group/others to write only, "
	    "like 0620" },
	{ "bad-mode-0220.ini", 2,
	    "mode: 0220 does not let the owner (the daemon) read the FIFO" },
	{ "bad-mode-4620.ini", 2, "mode: 4620 sets setuid, setgid or sticky "
	    "bits, which mean nothing on a FIFO" },
	{ "bad-path-relative.ini", 2,
	    "path: expected an absolute path, got \"run/pipechat.fifo\"" },
	{ "bad-path-slash.ini", 2,
	    "path: \"/run/pipechat/\" is not a usable file name" },
	{ "bad-group.ini", 2,
	    "group: no such group \"no-such-group-pipechat\"" },
	{ "bad-group-number.ini", 2, "group: no such group \"4294967295\"" },
	{ "bad-user.ini", 2, "user: no such user \"no-such-user-pipechat\"" },
	/* a number must have a name: the groups come with the name */
	{ "bad-user-number.ini", 2, "user: no such user \"4294967294\"" },
	{ "bad-syntax.ini", 3, "syntax error: expected \"[section]\", "
	    "\"key = value\" or a comment" },
	{ "bad-long-line.ini", 2, "line longer than 198 bytes" },
	{ "bad-line-199.ini", 2, "line longer than 198 bytes" },
	/* A NUL must not hide the length of the line, nor split it in two. */
	{ "bad-nul-byte.ini", 2, "NUL byte in the line" },
	{ "bad-two-errors.ini", 3, "colour: unknown key in section [fifo]" },
	/* a syntax error is an error like any other: the first one counts */
	{ "bad-first-error.ini", 2, "syntax error: expected \"[section]\", "
	    "\"key = value\" or a comment" },
	{ "bad-session-dir.ini", 2,
	    "dir: expected an absolute path, got \"sessions\"" },
	{ "bad-session-dir-fifo-dir.ini", 5, "dir: /run/pipechat is the "
	    "directory of [fifo] path /run/pipechat/pipechat.fifo, but "
	    "pipechatd empties the session directory and lets everyone "
	    "create files there: give it a directory of its own (the default "
	    "is \"sessions\" beside the FIFO)" },
	{ "bad-session-dir-dots.ini", 4, "dir: /run//pipechat/x/.. is the "
	    "directory of [fifo] path /run/pipechat/pipechat.fifo, but "
	    "pipechatd empties the session directory and lets everyone "
	    "create files there: give it a directory of its own (the default "
	    "is \"sessions\" beside the FIFO)" },
	{ "bad-history-file-in-sessions.ini", 4, "history_file: "
	    "/run/pipechat/sessions/history is in the session directory "
	    "/run/pipechat/sessions, where everyone may create files: put it "
	    "beside the FIFO (the default is \"history\" there)" },
	{ "bad-history-file-is-fifo.ini", 4, "history_file: "
	    "/run/pipechat//pipechat.fifo is [fifo] path itself" },
	{ "bad-history-file-relative.ini", 4, "history_file: expected an "
	    "absolute path, got \"history\"" },
	{ "bad-session-dir-is-fifo.ini", 4,
	    "dir: /run/pipechat/pipechat.fifo is [fifo] path itself" },
	{ "bad-path-is-default-dir.ini", 2,
	    "dir: /srv/sessions (the default) is [fifo] path itself" },
	{ "bad-session-dir-above.ini", 2, "dir: /run holds the "
	    "directory of [fifo] path /run/pipechat/pipechat.fifo, but "
	    "pipechatd empties the session directory and lets everyone "
	    "create files there: give it a directory of its own (the default "
	    "is \"sessions\" beside the FIFO)" },
	{ "bad-max-clients.ini", 2,
	    "max_clients: expected a number, got \"many\"" },
	{ "bad-max-clients-zero.ini", 2,
	    "max_clients: 0 is out of range (1 to 100000)" },
	{ "bad-rate.ini", 2, "rate: expected a number, got \"fast\"" },
	{ "bad-rate-max.ini", 2,
	    "rate: 1000001 is out of range (0 to 1000000)" },
	{ "bad-burst-zero.ini", 3,
	    "burst: 0 is out of range (1 to 1000000)" },
	{ "bad-anonymous.ini", 2,
	    "anonymous: expected yes or no, got \"maybe\"" },
	{ "bad-max-per-user.ini", 2,
	    "max_per_user: 20 is more than max_clients (10)" },
	{ "bad-queue-max.ini", 2,
	    "queue_max: 100 is out of range (16384 to 67108864)" },
	{ "bad-history-max.ini", 2,
	    "history: 10001 is out of range (0 to 10000)" },
	{ "bad-history-negative.ini", 2,
	    "history: expected a number, got \"-1\"" },
	{ "bad-history-bytes.ini", 2,
	    "history_bytes: 16777217 is out of range (0 to 16777216)" },
	{ "bad-timestamps.ini", 2,
	    "timestamps: expected auto, yes or no, got \"always\"" },
	{ "bad-chat-key.ini", 2, "colour: unknown key in section [chat]" },
};

/* Write len bytes at p to path, with mode. */
static void
write_file(const char *path, const void *p, size_t len, mode_t mode)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(p, 1, len, fp) != len || fclose(fp) != 0 ||
	    chmod(path, mode) == -1) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/*
 * The fixture's copy (see scratch), as given to config_load and so as in
 * messages.  A fixture that does not exist has no copy.
 */
static char *
fixture(const char *name)
{
	char	*src, *path, buf[4096];
	FILE	*fp;
	size_t	 len;

	if (asprintf(&src, "%s/%s", data_dir, name) == -1 ||
	    asprintf(&path, "%s/%s", scratch, name) == -1)
		abort();
	if ((fp = fopen(src, "r")) != NULL) {
		len = fread(buf, 1, sizeof buf, fp);
		if (ferror(fp) || !feof(fp))
			abort();
		fclose(fp);
		write_file(path, buf, len, 0644);
	}
	free(src);
	return path;
}

/* Load a fixture that must load; NULL (and a failed test) if it does not. */
static struct config *
load_good(const char *name)
{
	struct config	*conf = NULL;
	char		*path = fixture(name), *cause = NULL;
	int		 rc;

	rc = config_load(path, &conf, &cause);
	if (!ok(rc == 0 && conf != NULL && cause == NULL, "%s loads", name))
		diag("config_load: %d, cause %s", rc,
		    cause != NULL ? cause : "NULL");
	if (conf != NULL)
		is_str(conf->file, path, "%s: file is the name given", name);
	free(cause);
	free(path);
	return conf;
}

/* Every key set. */
static void
test_good(void)
{
	struct config	*conf;
	struct group	*gr;

	if ((conf = load_good("good.ini")) == NULL)
		return;
	is_str(conf->fifo_path, "/tmp/pipechat-test/chat.fifo", "good: path");
	is_uint(conf->fifo_mode, 0600,
	    "good: mode, with an inline comment after it");
	is_str(conf->fifo_group, "root", "good: group as written");
	if ((gr = getgrnam("root")) != NULL)
		is_uint(conf->fifo_gid, gr->gr_gid, "good: group resolved");
	else
		ok(0, "good: the system has no group \"root\" to resolve");
	is_str(conf->session_dir, "/tmp/pipechat-test/sessions.d",
	    "good: session dir");
	is_int(conf->max_clients, 50, "good: max_clients");
	is_int(conf->max_per_user, 5, "good: max_per_user");
	is_uint(conf->queue_max, 65536, "good: queue_max");
	is_int(config_line(conf, "fifo", "path"), 3, "good: path on line 3");
	is_int(config_line(conf, "fifo", "mode"), 4, "good: mode on line 4");
	is_int(config_line(conf, "session", "dir"), 8, "good: dir on line 8");
	is_int(config_line(conf, "fifo", "pipe_size"), 0,
	    "good: pipe_size not set: line 0");
	config_free(conf);
}

/* Nothing set, whether the file is empty or has bare sections. */
static void
test_defaults(void)
{
	static const char	*files[] = { "empty.ini", "sections-only.ini" };
	struct config		*conf;
	size_t			 i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if ((conf = load_good(files[i])) == NULL)
			continue;
		is_str(conf->fifo_path, CONFIG_DEFAULT_FIFO,
		    "%s: default path", files[i]);
		is_uint(conf->fifo_mode, CONFIG_DEFAULT_MODE,
		    "%s: default mode", files[i]);
		is_uint(conf->fifo_mode, 0620, "%s: default mode is 0620",
		    files[i]);
		is_str(conf->fifo_group, NULL, "%s: no group", files[i]);
		is_uint(conf->fifo_gid, (gid_t)-1, "%s: gid unset", files[i]);
		is_str(conf->session_dir, "/run/pipechat/sessions",
		    "%s: session dir beside the FIFO", files[i]);
		is_str(conf->history_file, "/run/pipechat/history",
		    "%s: history file beside the FIFO", files[i]);
		is_int(conf->max_clients, CONFIG_DEFAULT_MAX_CLIENTS,
		    "%s: default max_clients", files[i]);
		is_int(conf->max_per_user, CONFIG_DEFAULT_MAX_PER_USER,
		    "%s: default max_per_user", files[i]);
		is_uint(conf->queue_max, CONFIG_DEFAULT_QUEUE_MAX,
		    "%s: default queue_max", files[i]);
		is_int(conf->rate, 20, "%s: default rate 20", files[i]);
		is_int(conf->burst, 100, "%s: default burst 100", files[i]);
		is_int(conf->anonymous, 1, "%s: anonymous lines by default",
		    files[i]);
		is_int(conf->history, 20, "%s: default history 20", files[i]);
		is_uint(conf->history_bytes, 65536,
		    "%s: default history_bytes 64 KiB", files[i]);
		is_int(conf->timestamps, CONFIG_TIMESTAMPS_AUTO,
		    "%s: timestamps auto by default", files[i]);
		config_free(conf);
	}
}

/* Values that load, and what the defaults derived from them become. */
static void
test_other_good(void)
{
	struct config	*conf;
	char		 want[256];

	if ((conf = load_good("group-empty.ini")) != NULL) {
		is_str(conf->fifo_group, NULL, "empty group: unset");
		is_uint(conf->fifo_gid, (gid_t)-1, "empty group: gid unset");
		config_free(conf);
	}
	if ((conf = load_good("group-numeric.ini")) != NULL) {
		is_str(conf->fifo_group, "4242", "numeric group: as written");
		is_uint(conf->fifo_gid, 4242, "numeric group: the number");
		config_free(conf);
	}
	if ((conf = load_good("mode-leading-zero.ini")) != NULL) {
		is_uint(conf->fifo_mode, 0620, "mode 00620 is 0620");
		config_free(conf);
	}
	if ((conf = load_good("session-dir-sibling.ini")) != NULL) {
		is_str(conf->session_dir, "/run/pipechat-sessions",
		    "a session dir whose name starts like the FIFO's dir");
		config_free(conf);
	}
	if ((conf = load_good("mode-short.ini")) != NULL) {
		is_uint(conf->fifo_mode, 0600, "mode 600 is octal 0600");
		config_free(conf);
	}
	if ((conf = load_good("path-only.ini")) != NULL) {
		is_str(conf->fifo_path, "/srv/chat/in.fifo", "path only: path");
		is_str(conf->session_dir, "/srv/chat/sessions",
		    "path only: session dir follows the FIFO");
		config_free(conf);
	}
	if ((conf = load_good("max-clients-only.ini")) != NULL) {
		is_int(conf->max_clients, 4, "max_clients 4");
		is_int(conf->max_per_user, 4,
		    "max_per_user unset: lowered to max_clients");
		config_free(conf);
	}
	if ((conf = load_good("line-198.ini")) != NULL) {
		want[0] = '/';
		memset(want + 1, 'a', 190);
		want[191] = '\0';
		is_str(conf->fifo_path, want, "a 198-byte line is whole");
		config_free(conf);
	}
}

/* [session] rate and burst, [fifo] anonymous. */
static void
test_rate(void)
{
	struct config	*conf;

	if ((conf = load_good("rate.ini")) != NULL) {
		is_int(conf->rate, 5, "rate 5");
		is_int(conf->burst, 10, "burst 10");
		is_int(conf->anonymous, 0, "anonymous = no");
		config_free(conf);
	}
	if ((conf = load_good("rate-zero.ini")) != NULL) {
		is_int(conf->rate, 0, "rate 0: unlimited");
		is_int(conf->burst, CONFIG_DEFAULT_BURST,
		    "rate 0: burst stays the default");
		config_free(conf);
	}
}

/* [chat] history and history_bytes, [log] timestamps. */
static void
test_chat(void)
{
	struct config	*conf;

	if ((conf = load_good("chat.ini")) != NULL) {
		is_int(conf->history, 5, "history 5");
		is_uint(conf->history_bytes, 1000, "history_bytes 1000");
		is_int(conf->timestamps, CONFIG_TIMESTAMPS_NO,
		    "timestamps = no");
		config_free(conf);
	}
	if ((conf = load_good("history-zero.ini")) != NULL) {
		is_int(conf->history, 0, "history 0: none");
		is_uint(conf->history_bytes, 0, "history_bytes 0");
		is_int(conf->timestamps, CONFIG_TIMESTAMPS_YES,
		    "timestamps = yes");
		config_free(conf);
	}
}

/* Each bad file: config_load fails with exactly the expected message. */
static void
test_bad(void)
{
	static struct config	 untouched;
	const struct bad_case	*c;
	struct config		*conf;
	char			*path, *cause, *want;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		c = &bad_cases[i];
		path = fixture(c->file);
		conf = &untouched;
		cause = NULL;
		rc = config_load(path, &conf, &cause);
		if (asprintf(&want, "%s:%d: %s", path, c->line, c->msg) == -1)
			abort();
		ok(rc == -1 && conf == NULL, "%s: fails, no config", c->file);
		is_str(cause, want, "%s: message", c->file);
		if (conf != &untouched)
			config_free(conf);
		free(want);
		free(cause);
		free(path);
	}
}

/* Files that cannot be read at all name the file, and no line. */
static void
test_unreadable(void)
{
	struct config	*conf;
	char		*path, *cause, *want, dir[] = "/tmp/test-config.XXXXXX";
	int		 rc;

	path = fixture("no-such-file.ini");
	rc = config_load(path, &conf, &cause);
	if (asprintf(&want, "%s: No such file or directory", path) == -1)
		abort();
	ok(rc == -1 && conf == NULL, "missing file: fails, no config");
	is_str(cause, want, "missing file: message");
	free(want);
	free(cause);
	free(path);

	rc = config_load(data_dir, &conf, &cause);
	if (asprintf(&want, "%s: not a regular file", data_dir) == -1)
		abort();
	ok(rc == -1 && conf == NULL, "directory: fails, no config");
	is_str(cause, want, "directory: message");
	free(want);
	free(cause);

	/* with no writer, opening a FIFO would hang a careless loader */
	if (mkdtemp(dir) == NULL || asprintf(&path, "%s/fifo.ini", dir) == -1)
		abort();
	if (mkfifo(path, 0600) == -1)
		abort();
	rc = config_load(path, &conf, &cause);
	if (asprintf(&want, "%s: not a regular file", path) == -1)
		abort();
	ok(rc == -1 && conf == NULL, "FIFO: fails at once, no config");
	is_str(cause, want, "FIFO: message");
	unlink(path);
	rmdir(dir);
	free(want);
	free(cause);
	free(path);
}

/* config_load of path fails with "path: refusing to read it: " + msg. */
static void
is_refused(const char *path, const char *msg, const char *what)
{
	struct config	*conf = NULL;
	char		*cause = NULL, *want;
	int		 rc;

	rc = config_load(path, &conf, &cause);
	if (asprintf(&want, "%s: refusing to read it: %s", path, msg) == -1)
		abort();
	ok(rc == -1 && conf == NULL, "%s: refused", what);
	is_str(cause, want, "%s: message", what);
	config_free(conf);
	free(cause);
	free(want);
}

/*
 * As sshd's StrictModes: a file that someone else may write, or replace,
 * is refused, since it chooses the FIFO everyone writes to.
 */
static void
test_strict_modes(void)
{
	static const char	 ini[] = "[fifo]\nmode = 0620\n";
	struct config		*conf;
	char			*dir, *path, *cause, *msg;

	if (asprintf(&dir, "%s/d", scratch) == -1 ||
	    asprintf(&path, "%s/d/p.ini", scratch) == -1 ||
	    mkdir(dir, 0755) == -1)
		abort();
	write_file(path, ini, sizeof ini - 1, 0664);
	if (asprintf(&msg, "it is writable by its group (mode 0664), who "
	    "could choose the FIFO everyone writes to; make it writable by "
	    "its owner only (chmod go-w %s)", path) == -1)
		abort();
	is_refused(path, msg, "group-writable file");
	free(msg);

	write_file(path, ini, sizeof ini - 1, 0602);
	if (asprintf(&msg, "it is writable by others (mode 0602), who "
	    "could choose the FIFO everyone writes to; make it writable by "
	    "its owner only (chmod go-w %s)", path) == -1)
		abort();
	is_refused(path, msg, "world-writable file");
	free(msg);

	write_file(path, ini, sizeof ini - 1, 0644);
	if (chmod(dir, 0775) == -1)
		abort();
	if (asprintf(&msg, "the directory %s is writable by its group (mode "
	    "0775), who could choose the FIFO everyone writes to; make it "
	    "writable by its owner only (chmod go-w %s)", dir, dir) == -1)
		abort();
	is_refused(path, msg, "group-writable directory");
	free(msg);

	/* like /tmp: others cannot remove or rename what is ours */
	if (chmod(dir, 01777) == -1)
		abort();
	ok(config_load(path, &conf, &cause) == 0, "sticky directory: loads");
	config_free(conf);
	free(cause);
	if (chmod(dir, 0755) == -1)
		abort();

	if (geteuid() == 0) {
		if (chown(path, 65534, (gid_t)-1) == -1)
			abort();
		cause = NULL;
		ok(config_load(path, &conf, &cause) == -1 && cause != NULL &&
		    strstr(cause, ": refusing to read it: it is owned by ") !=
		    NULL && strstr(cause, "uid 65534), not by root or by you")
		    != NULL, "file of another user: refused");
		diag("%s", cause != NULL ? cause : "NULL");
		free(cause);
	} else
		skip("a file of another user: needs root to chown");
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* Remove the fixtures' copies. */
static void
remove_scratch(void)
{
	char	*cmd;

	if (asprintf(&cmd, "rm -rf '%s'", scratch) == -1 || system(cmd) != 0)
		diag("cannot remove %s", scratch);
	free(cmd);
}

/* Run every test on the fixtures in $PC_TEST_DATA. */
int
main(void)
{
	if ((data_dir = getenv("PC_TEST_DATA")) == NULL) {
		printf("Bail out! PC_TEST_DATA is not set\n");
		return 1;
	}
	if (mkdtemp(scratch) == NULL) {
		printf("Bail out! mkdtemp %s failed\n", scratch);
		return 1;
	}
	config_free(NULL);
	test_good();
	test_defaults();
	test_other_good();
	test_rate();
	test_chat();
	test_bad();
	test_unreadable();
	test_strict_modes();
	remove_scratch();
	return done_testing();
}
