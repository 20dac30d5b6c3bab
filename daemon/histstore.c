/* SPDX-License-Identifier: ISC */
/*
 * The history across a restart: written to [chat] history_file when
 * pipechatd stops, read back when the next one starts, and removed then,
 * so that a daemon that dies without writing it never brings back an
 * older stretch of the chat with a gap after it.  The file is the
 * daemon's alone (mode 0600): the chat group must not read what it did
 * not hear.  One line per entry, after a first line that says what the
 * file is: "KIND SECONDS TEXT", the text as it was shown (sanitised).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histstore.h"
#include "history.h"
#include "log.h"
#include "pclimits.h"
#include "proto.h"
#include "sanitize.h"
#include "xmalloc.h"

#define HISTSTORE_MAGIC		"pipechat-history 1"
/* A line of the file at most: kind, time, and the longest text kept. */
#define HISTSTORE_LINE_MAX	(PROTO_OUT_LINE_MAX + 64)

/*
 * Whether st is a history file we may read: a regular file of ours that
 * nobody else may read or write.
 */
int
histstore_is_ours(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	    (st->st_mode & 077) == 0;
}

/* Where histstore_save writes before it renames. */
static char *
histstore_tmp(const char *path)
{
	char	*tmp;

	xasprintf(&tmp, "%s.new", path);
	return tmp;
}

static void
histstore_write_cb(int kind, long long t, const char *text, size_t len,
    void *arg)
{
	FILE	*fp = arg;

	fprintf(fp, "%s %lld %.*s\n", proto_kind_name((enum proto_kind)kind),
	    t, (int)len, text);
}

/*
 * Write the history to path, for the next pipechatd: to path.new, then
 * renamed over path, so that a reader sees the old file or the new one.
 * Nothing kept: path is removed.  Failures are logged.
 */
void
histstore_save(const struct history *h, const char *path)
{
	char	*tmp;
	FILE	*fp;
	int	 fd;

	if (path == NULL)
		return;
	if (history_count(h) == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("%s: cannot remove the history file", path);
		return;
	}
	tmp = histstore_tmp(path);
	/* Ours if anything is there: left by a daemon that died writing. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		log_warn("%s: cannot keep the history", tmp);
		free(tmp);
		return;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s: cannot keep the history", tmp);
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return;
	}
	fprintf(fp, "%s\n", HISTSTORE_MAGIC);
	history_foreach(h, histstore_write_cb, fp);
	if (fflush(fp) == EOF || fsync(fd) == -1 || ferror(fp)) {
		log_warn("%s: cannot keep the history", tmp);
		fclose(fp);
		unlink(tmp);
	} else if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		log_warn("%s: cannot keep the history", path);
		unlink(tmp);
	} else
		log_info("%s: kept %d line%s of history for the next start",
		    path, history_count(h), history_count(h) == 1 ? "" : "s");
	free(tmp);
}

/*
 * One line of the file into the history; returns -1 if it is not one of
 * ours (the rest is not read): a kind of the history, a time, and a
 * text as pipechatd shows one, safe and not too long.
 */
static int
histstore_line(struct history *h, const char *line, size_t len)
{
	char		 safe[PC_SANITIZED_MAX(PROTO_TEXT_OUT_MAX)];
	const char	*p, *end = line + len;
	enum proto_kind	 kind;
	long long	 t = 0;
	size_t		 off, tlen;

	kind = proto_parse_kind(line, len, &off);
	if (kind != PROTO_MSG && kind != PROTO_ACTION)
		return -1;
	for (p = line + off; p < end && *p >= '0' && *p <= '9'; p++) {
		if (t > (LLONG_MAX - (*p - '0')) / 10)
			return -1;
		t = t * 10 + (*p - '0');
	}
	if (p == line + off || p == end || *p != ' ' || p + 1 == end)
		return -1;
	p++;
	tlen = (size_t)(end - p);
	/*
	 * Written safe and no longer than a line sent: anything else did not
	 * come from us, and is not taken.
	 */
	if (tlen > PROTO_TEXT_OUT_MAX || sanitize(safe, p, tlen) != tlen ||
	    memcmp(safe, p, tlen) != 0)
		return -1;
	history_add(h, kind, t, p, tlen);
	return 0;
}

/*
 * Read what the last pipechatd kept at path into the history, and remove
 * the file.  Only a regular file of ours that nobody else may read or
 * write is read; anything else is logged and left alone.
 */
void
histstore_load(struct history *h, const char *path)
{
	struct stat	 st;
	FILE		*fp;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;
	int		 fd, n = 0, bad = 0;

	if (path == NULL)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			log_warnx("%s: a symbolic link, not the history file: "
			    "left alone", path);
		else if (errno != ENOENT)
			log_warn("%s: cannot read the history kept", path);
		return;
	}
	if (fstat(fd, &st) == -1 || !histstore_is_ours(&st)) {
		log_warnx("%s: not a history file of ours (a regular file of "
		    "uid %u, mode 0600): left alone", path,
		    (unsigned int)geteuid());
		close(fd);
		return;
	}
	if ((fp = fdopen(fd, "r")) == NULL)
		fatal("fdopen");
	/* Read once: a daemon that dies from now on must not replay it. */
	if (unlink(path) == -1)
		log_warn("%s: cannot remove the history file", path);
	if ((len = getline(&line, &size, fp)) <= 0 ||
	    (size_t)len != sizeof HISTSTORE_MAGIC ||
	    memcmp(line, HISTSTORE_MAGIC "\n", (size_t)len) != 0)
		bad = 1;
	while (!bad && (len = getline(&line, &size, fp)) > 0) {
		if (line[len - 1] != '\n' || len > HISTSTORE_LINE_MAX ||
		    histstore_line(h, line, (size_t)len - 1) == -1)
			bad = 1;
		else
			n++;
	}
	if (bad)
		log_warnx("%s: line %d is not a history line: the rest is not "
		    "read", path, n + 2);
	else if (n > 0)
		log_info("%s: %d line%s of history from the last start", path,
		    n, n == 1 ? "" : "s");
	free(line);
	fclose(fp);
}
