/* SPDX-License-Identifier: ISC */
/* Tests for client/histfile.c: the history file, its directory, bounds. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histfile.h"

#include "tap.h"

static char	base[PATH_MAX];

/* Count the lines load passes on; remember the first and the last. */
struct seen {
	int	n;
	char	first[64], last[64];
};

static void
count_cb(void *arg, const char *line)
{
	struct seen	*s = arg;

	if (s->n++ == 0)
		snprintf(s->first, sizeof s->first, "%s", line);
	snprintf(s->last, sizeof s->last, "%s", line);
}

/* $base/NAME as a path, valid until the next call but one. */
static const char *
at(const char *name)
{
	static char	path[2][PATH_MAX + 64];
	static int	k;

	k = !k;
	snprintf(path[k], sizeof path[k], "%s/%s", base, name);
	return path[k];
}

static int
mode_of(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == -1 ? -1 : (int)(st.st_mode & 07777);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		exit(99);
	fputs(text, f);
	fclose(f);
}

/* The directory: made 0700 under XDG_STATE_HOME, or under ~/.local/state. */
static void
test_dir(void)
{
	int	fd;

	setenv("XDG_STATE_HOME", at("state"), 1);
	fd = histfile_open();
	ok(fd != -1, "XDG_STATE_HOME/pipechat is made");
	is_int(mode_of(at("state/pipechat")), 0700, "... with mode 0700");
	histfile_close(fd);
	chmod(at("state/pipechat"), 0755);
	fd = histfile_open();
	is_int(mode_of(at("state/pipechat")), 0700,
	    "a directory of ours open to others is made 0700");
	histfile_close(fd);
	chmod(at("state/pipechat"), 0777);
	ok(histfile_open() == -1, "one others may write is refused");
	chmod(at("state/pipechat"), 0700);

	setenv("XDG_STATE_HOME", "relative/path", 1);
	setenv("HOME", at("home"), 1);
	mkdir(at("home"), 0755);
	fd = histfile_open();
	ok(fd != -1 && mode_of(at("home/.local/state/pipechat")) == 0700,
	    "a relative XDG_STATE_HOME: ~/.local/state/pipechat");
	histfile_close(fd);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	ok(histfile_open() == -1, "neither XDG_STATE_HOME nor HOME: none");

	mkdir(at("elsewhere"), 0700);
	mkdir(at("linked"), 0700);
	if (symlink(at("elsewhere"), at("linked/pipechat")) == -1)
		exit(99);
	setenv("XDG_STATE_HOME", at("linked"), 1);
	ok(histfile_open() == -1, "a symbolic link at pipechat/ is refused");
}

/* Saving keeps the last HISTFILE_LINES, 0600; loading reads them back. */
static void
test_save_load(void)
{
	const char	**lines;
	struct seen	  s;
	size_t		  i, n = HISTFILE_LINES + 500;
	int		  fd;

	setenv("XDG_STATE_HOME", at("state"), 1);
	fd = histfile_open();
	memset(&s, 0, sizeof s);
	ok(histfile_load(fd, count_cb, &s) == 0 && s.n == 0,
	    "no file yet: an empty history");
	lines = calloc(n, sizeof *lines);
	for (i = 0; i < n; i++) {
		char	*l;

		if (asprintf(&l, "line %zu", i) == -1)
			exit(99);
		lines[i] = l;
	}
	ok(histfile_save(fd, lines, n) == 0, "save %zu lines", n);
	is_int(mode_of(at("state/pipechat/history")), 0600, "mode 0600");
	memset(&s, 0, sizeof s);
	histfile_load(fd, count_cb, &s);
	is_int(s.n, HISTFILE_LINES, "the last %d are kept", HISTFILE_LINES);
	is_str(s.first, "line 500", "... oldest first");
	is_str(s.last, "line 1499", "... to the newest");
	for (i = 0; i < n; i++)
		free((char *)lines[i]);
	free(lines);

	write_file(at("state/pipechat/history"), "a\n\nb\nno newline");
	memset(&s, 0, sizeof s);
	histfile_load(fd, count_cb, &s);
	ok(s.n == 3 && strcmp(s.last, "no newline") == 0,
	    "empty lines skipped, a last line without newline kept");

	write_file(at("secret"), "secret\n");
	chmod(at("secret"), 0644);
	unlink(at("state/pipechat/history"));
	if (symlink(at("secret"), at("state/pipechat/history")) == -1)
		exit(99);
	memset(&s, 0, sizeof s);
	ok(histfile_load(fd, count_cb, &s) == -1 && s.n == 0,
	    "a symbolic link at history is not read through");
	lines = calloc(1, sizeof *lines);
	lines[0] = "mine";
	ok(histfile_save(fd, lines, 1) == 0, "save over the link");
	free(lines);
	is_int(mode_of(at("state/pipechat/history")), 0600,
	    "... which is now a file of ours, 0600");
	memset(&s, 0, sizeof s);
	{
		FILE	*f = fopen(at("secret"), "r");
		char	 line[64] = "";

		if (f != NULL) {
			if (fgets(line, sizeof line, f) == NULL)
				line[0] = '\0';
			fclose(f);
		}
		is_str(line, "secret\n", "... and the link's target untouched");
	}
	histfile_close(fd);
}

int
main(void)
{
	char	cmd[PATH_MAX + 16];
	int	r;

	umask(022);
	snprintf(base, sizeof base, "%s/test-histfile.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(base) == NULL)
		return 99;
	test_dir();
	test_save_load();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	r = system(cmd);
	(void)r;
	return done_testing();
}
