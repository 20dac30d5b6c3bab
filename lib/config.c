/* SPDX-License-Identifier: ISC */
/* pipechat.ini: defaults, parsing with inih, validation. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pclimits.h"
#include "sanitize.h"
#include "xmalloc.h"

struct config_parse;

/*
 * A key's parser stores the value or returns -1 with a reason, which
 * config_load turns into "FILE:LINE: key: reason".
 */
typedef int (*config_parse_fn)(struct config *, const char *, char **);

static int	config_parse_path(struct config *, const char *, char **);
static int	config_parse_mode(struct config *, const char *, char **);
static int	config_parse_group(struct config *, const char *, char **);
static int	config_parse_pipe_size(struct config *, const char *,
		    char **);
static int	config_parse_session_dir(struct config *, const char *,
		    char **);
static int	config_parse_max_clients(struct config *, const char *,
		    char **);
static int	config_parse_max_per_user(struct config *, const char *,
		    char **);
static int	config_parse_queue_max(struct config *, const char *,
		    char **);
static int	config_parse_rate(struct config *, const char *, char **);
static int	config_parse_burst(struct config *, const char *, char **);
static int	config_parse_anonymous(struct config *, const char *,
		    char **);
static int	config_parse_history(struct config *, const char *, char **);
static int	config_parse_history_bytes(struct config *, const char *,
		    char **);
static int	config_parse_timestamps(struct config *, const char *,
		    char **);
static int	config_parse_user(struct config *, const char *, char **);
static int	config_parse_history_file(struct config *, const char *,
		    char **);

static const struct config_key {
	const char	*section;
	const char	*name;
	config_parse_fn	 parse;
} config_keys[] = {
	{ "fifo", "path", config_parse_path },
	{ "fifo", "mode", config_parse_mode },
	{ "fifo", "group", config_parse_group },
	{ "session", "dir", config_parse_session_dir },
	{ "session", "max_clients", config_parse_max_clients },
	{ "session", "max_per_user", config_parse_max_per_user },
	{ "session", "queue_max", config_parse_queue_max },
	{ "fifo", "pipe_size", config_parse_pipe_size },
	{ "session", "rate", config_parse_rate },
	{ "session", "burst", config_parse_burst },
	{ "fifo", "anonymous", config_parse_anonymous },
	{ "chat", "history", config_parse_history },
	{ "chat", "history_bytes", config_parse_history_bytes },
	{ "log", "timestamps", config_parse_timestamps },
	{ "daemon", "user", config_parse_user },
	{ "chat", "history_file", config_parse_history_file },
};
#define CONFIG_NKEYS (sizeof config_keys / sizeof config_keys[0])
_Static_assert(CONFIG_NKEYS <= CONFIG_KEYS_MAX, "CONFIG_KEYS_MAX too small");

/* State of one ini_parse_stream run. */
struct config_parse {
	struct config	*conf;
	FILE		*fp;
	int		 line;		/* of the line inih is looking at */
	int		 seen[CONFIG_NKEYS];	/* line each key was set on */
	char		*linebuf;	/* getline's */
	size_t		 linesize;
	char		*cause;		/* first error, "FILE:LINE: ..." */
	int		 cause_line;
	int		 key_seen;	/* a key since the last section line */
};

/* Record the first error of the run; later ones are dropped. */
static void __attribute__((format(printf, 2, 3)))
config_error(struct config_parse *cp, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (cp->cause != NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&cp->cause, "%s:%d: %s", cp->conf->file, cp->line, msg);
	cp->cause_line = cp->line;
	free(msg);
}

/* Check an absolute file name and store a copy in *dst. */
static int
config_set_path(char **dst, const char *value, char **why)
{
	size_t	len = strlen(value);

	if (value[0] != '/') {
		xasprintf(why, "expected an absolute path, got \"%s\"",
		    value);
		return -1;
	}
	if (len >= PATH_MAX || value[len - 1] == '/') {
		xasprintf(why, "\"%s\" is not a usable file name",
		    value);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

/* [chat] history_file: a path, or empty for none. */
static int
config_parse_history_file(struct config *conf, const char *value,
    char **why)
{
	free(conf->history_file);
	conf->history_file = NULL;
	conf->history_file_none = *value == '\0';
	if (conf->history_file_none)
		return 0;
	return config_set_path(&conf->history_file, value, why);
}

static int
config_parse_path(struct config *conf, const char *value, char **why)
{
	return config_set_path(&conf->fifo_path, value, why);
}

static int
config_parse_session_dir(struct config *conf, const char *value, char **why)
{
	return config_set_path(&conf->session_dir, value, why);
}

/* A decimal number in [min, max]. */
static int
config_parse_number(const char *value, long long min, long long max,
    long long *out, char **why)
{
	long long	 n;
	char		*end;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0) {
		xasprintf(why, "expected a number, got \"%s\"", value);
		return -1;
	}
	if (n < min || n > max) {
		xasprintf(why, "%lld is out of range (%lld to %lld)", n,
		    min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static int
config_parse_max_clients(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 1, CONFIG_MAX_CLIENTS_LIMIT, &n,
	    why) == -1)
		return -1;
	conf->max_clients = (int)n;
	return 0;
}

static int
config_parse_max_per_user(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 1, CONFIG_MAX_CLIENTS_LIMIT, &n,
	    why) == -1)
		return -1;
	conf->max_per_user = (int)n;
	return 0;
}

static int
config_parse_pipe_size(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 0, CONFIG_PIPE_SIZE_MAX, &n, why) == -1)
		return -1;
	conf->fifo_pipe_size = (int)n;
	return 0;
}

static int
config_parse_queue_max(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, CONFIG_QUEUE_MAX_MIN,
	    CONFIG_QUEUE_MAX_MAX, &n, why) == -1)
		return -1;
	conf->queue_max = (size_t)n;
	return 0;
}

static int
config_parse_rate(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 0, CONFIG_RATE_MAX, &n, why) == -1)
		return -1;
	conf->rate = (int)n;
	return 0;
}

static int
config_parse_burst(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 1, CONFIG_BURST_MAX, &n, why) == -1)
		return -1;
	conf->burst = (int)n;
	return 0;
}

static int
config_parse_anonymous(struct config *conf, const char *value, char **why)
{
	if (strcmp(value, "yes") == 0)
		conf->anonymous = 1;
	else if (strcmp(value, "no") == 0)
		conf->anonymous = 0;
	else {
		xasprintf(why, "expected yes or no, got \"%s\"", value);
		return -1;
	}
	return 0;
}

static int
config_parse_history(struct config *conf, const char *value, char **why)
{
	long long	n;

	if (config_parse_number(value, 0, CONFIG_HISTORY_MAX, &n, why) == -1)
		return -1;
	conf->history = (int)n;
	return 0;
}

static int
config_parse_history_bytes(struct config *conf, const char *value,
    char **why)
{
	long long	n;

	if (config_parse_number(value, 0, CONFIG_HISTORY_BYTES_MAX, &n,
	    why) == -1)
		return -1;
	conf->history_bytes = (size_t)n;
	return 0;
}

static int
config_parse_timestamps(struct config *conf, const char *value, char **why)
{
	if (strcmp(value, "auto") == 0)
		conf->timestamps = CONFIG_TIMESTAMPS_AUTO;
	else if (strcmp(value, "yes") == 0)
		conf->timestamps = CONFIG_TIMESTAMPS_YES;
	else if (strcmp(value, "no") == 0)
		conf->timestamps = CONFIG_TIMESTAMPS_NO;
	else {
		xasprintf(why, "expected auto, yes or no, got \"%s\"", value);
		return -1;
	}
	return 0;
}

static int
config_parse_mode(struct config *conf, const char *value, char **why)
{
	unsigned long	mode;
	size_t		len = strlen(value);
	const char	*who;

	/* As chmod(1) takes it: "01620" is 1620, with a leading zero. */
	if (len == 5 && value[0] == '0')
		len--;
	if (len < 3 || len > 4 || strspn(value, "01234567") != strlen(value)) {
		xasprintf(why, "expected an octal mode like 0620, "
		    "got \"%s\"", value);
		return -1;
	}
	mode = strtoul(value, NULL, 8);
	if (mode & ~0777UL) {
		xasprintf(why, "%04lo sets setuid, setgid or sticky "
		    "bits, which mean nothing on a FIFO", mode);
		return -1;
	}
	if (mode & 0044) {
		who = (mode & 0044) == 0044 ? "the group and others" :
		    (mode & 0040) ? "the group" : "others";
		xasprintf(why, "%04lo lets %s read the FIFO, so they "
		    "could steal messages; allow group/others to write only, "
		    "like 0620", mode, who);
		return -1;
	}
	if (!(mode & 0400)) {
		xasprintf(why, "%04lo does not let the owner (the "
		    "daemon) read the FIFO", mode);
		return -1;
	}
	conf->fifo_mode = (mode_t)mode;
	return 0;
}

static int
config_parse_group(struct config *conf, const char *value, char **why)
{
	struct group	*gr;
	unsigned long	 id;
	char		*end;

	if (*value == '\0') {
		free(conf->fifo_group);
		conf->fifo_group = NULL;
		conf->fifo_gid = (gid_t)-1;
		return 0;
	}
	errno = 0;
	if ((gr = getgrnam(value)) != NULL)
		id = gr->gr_gid;
	else {
		errno = 0;
		id = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || *end != '\0' ||
		    errno != 0 || id >= (gid_t)-1) {
			xasprintf(why, "no such group \"%s\"", value);
			return -1;
		}
	}
	free(conf->fifo_group);
	conf->fifo_group = xstrdup(value);
	conf->fifo_gid = (gid_t)id;
	return 0;
}

/*
 * [daemon] user: whom pipechatd started as root runs as.  A name, or a
 * number that has a name (the groups come with the name).
 */
static int
config_parse_user(struct config *conf, const char *value, char **why)
{
	struct passwd	*pw;
	unsigned long	 id;
	char		*end;

	free(conf->daemon_user);
	conf->daemon_user = NULL;
	if (*value == '\0')
		return 0;
	if ((pw = getpwnam(value)) == NULL) {
		errno = 0;
		id = strtoul(value, &end, 10);
		if (value[0] >= '0' && value[0] <= '9' && *end == '\0' &&
		    errno == 0 && id < (uid_t)-1)
			pw = getpwuid((uid_t)id);
	}
	if (pw == NULL) {
		xasprintf(why, "no such user \"%s\"", value);
		return -1;
	}
	conf->daemon_user = xstrdup(pw->pw_name);
	conf->daemon_uid = pw->pw_uid;
	conf->daemon_gid = pw->pw_gid;
	return 0;
}

/* inih handler: find the key, refuse repeats, hand the value to its parser. */
static int
config_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*cp = arg;
	char			*why = NULL;
	size_t			 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(section, config_keys[i].section) == 0 &&
		    strcmp(name, config_keys[i].name) == 0)
			break;
	}
	cp->key_seen = 1;
	if (i == CONFIG_NKEYS) {
		config_error(cp, "%s: unknown key in section [%s]", name,
		    section);
		return 0;
	}
	if (cp->seen[i] != 0) {
		config_error(cp, "%s: already set on line %d", name,
		    cp->seen[i]);
		return 0;
	}
	cp->seen[i] = cp->line;
	if (config_keys[i].parse(cp->conf, value, &why) == -1) {
		config_error(cp, "%s: %s", name, why);
		free(why);
		return 0;
	}
	return 1;
}

/* Whether some key lives in section name. */
static int
config_known_section(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strlen(config_keys[i].section) == len &&
		    memcmp(config_keys[i].section, name, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * inih calls the handler for keys only, so an unknown section without
 * keys would pass unseen: look at each section line as inih will read it
 * (blanks skipped, a UTF-8 BOM on the first line, the name up to the
 * first "]" before a " ;" comment; an indented line after a key line is
 * that key's next value, not a section) and refuse an unknown name.
 */
static void
config_check_section(struct config_parse *cp, const char *line, size_t len)
{
	const char	*p = line, *end = line + len, *name;

	if (cp->line == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	line = p;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p != '[' || (p > line && cp->key_seen))
		return;
	name = ++p;
	for (; p < end && *p != ']'; p++) {
		if (*p == ';' && isspace((unsigned char)p[-1]))
			return;		/* a syntax error, inih's to report */
	}
	if (p == end)
		return;
	cp->key_seen = 0;
	if (!config_known_section(name, (size_t)(p - name)))
		config_error(cp, "[%.*s]: unknown section (expected [fifo], "
		    "[session], [chat], [log] or [daemon])", (int)(p - name),
		    name);
}

/*
 * inih reader: hands inih one whole line at a time and counts lines, so
 * the handler knows where it is.  A line too long for inih's buffer, or
 * with a NUL byte in it (where C strings would end it early), is reported
 * and given to inih as an empty line: its tail is never parsed as a line
 * of its own.
 */
static char *
config_reader(char *buf, int size, void *arg)
{
	struct config_parse	*cp = arg;
	ssize_t			 len;

	if ((len = getline(&cp->linebuf, &cp->linesize, cp->fp)) == -1)
		return NULL;
	cp->line++;
	if (len > 0 && cp->linebuf[len - 1] == '\n')
		len--;
	buf[0] = '\0';
	if (memchr(cp->linebuf, '\0', (size_t)len) != NULL)
		config_error(cp, "NUL byte in the line");
	else if (len > size - 2)
		config_error(cp, "line longer than %d bytes", size - 2);
	else {
		config_check_section(cp, cp->linebuf, (size_t)len);
		memcpy(buf, cp->linebuf, (size_t)len);
		buf[len] = '\n';
		buf[len + 1] = '\0';
	}
	return buf;
}

/* Free a config; NULL is fine. */
void
config_free(struct config *conf)
{
	if (conf == NULL)
		return;
	free(conf->file);
	free(conf->fifo_path);
	free(conf->fifo_group);
	free(conf->session_dir);
	free(conf->daemon_user);
	free(conf->history_file);
	free(conf);
}

/* Where key of section is in config_keys; it must be there. */
static size_t
config_key_index(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, key) == 0)
			return i;
	}
	abort();
}

/* The line that set key in section, or 0 if it kept its default. */
int
config_line(const struct config *conf, const char *section, const char *key)
{
	return conf->lines[config_key_index(section, key)];
}

/*
 * name beside the FIFO: the session directory ("sessions") and the
 * history file ("history") by default.
 */
static char *
config_beside_fifo(const char *fifo_path, const char *name)
{
	const char	*slash = strrchr(fifo_path, '/');
	int		 dirlen = (int)(slash - fifo_path);
	char		*path;

	xasprintf(&path, "%.*s/%s", dirlen, fifo_path, name);
	return path;
}

/*
 * path with "//", "/./" and "/../" worked out as text.  No symbolic link
 * is followed: pipechatd checks the real directories again when it uses
 * them.
 */
static char *
config_normalize(const char *path)
{
	const char	*p = path, *seg;
	char		*out, *o;
	size_t		 n;

	out = xmalloc(strlen(path) + 2);
	o = out;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		for (seg = p; *p != '\0' && *p != '/'; p++)
			;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > out && *--o != '/')
				;
			continue;
		}
		*o++ = '/';
		memcpy(o, seg, n);
		o += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/*
 * Point cp->line at the line that set section's key, or, for a key left
 * at its default (derived from the FIFO's path), at the line of path.
 */
static void
config_line_or_path(struct config_parse *cp, const char *section,
    const char *key)
{
	cp->line = cp->seen[config_key_index(section, key)];
	if (cp->line == 0)
		cp->line = cp->seen[config_key_index("fifo", "path")];
}

/* Whether normalised path is below normalised directory dir. */
static int
config_is_below(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	return strncmp(path, dir, len) == 0 &&
	    (path[len] == '/' || (len == 1 && path[1] != '\0'));
}

/*
 * pipechatd empties the session directory and lets everyone create files
 * in it: it must not be the FIFO's directory or one above it.  Returns 0,
 * or -1 with the error recorded against the dir key.
 */
static int
config_check_session_dir(struct config_parse *cp)
{
	struct config	*conf = cp->conf;
	char		*dir, *fifodir, *slash;
	int		 rc = 0;

	dir = config_normalize(conf->session_dir);
	fifodir = config_normalize(conf->fifo_path);
	config_line_or_path(cp, "session", "dir");
	if (strcmp(dir, fifodir) == 0) {
		config_error(cp, "dir: %s%s is [fifo] path itself",
		    conf->session_dir, cp->seen[config_key_index("session",
		    "dir")] == 0 ? " (the default)" : "");
		rc = -1;
		goto out;
	}
	slash = strrchr(fifodir, '/');
	slash[slash == fifodir ? 1 : 0] = '\0';
	if (strcmp(dir, fifodir) == 0 || strcmp(dir, "/") == 0 ||
	    config_is_below(fifodir, dir)) {
		config_error(cp, "dir: %s %s the directory of [fifo] path "
		    "%s, but pipechatd empties the session directory and lets "
		    "everyone create files there: give it a directory of its "
		    "own (the default is \"%s\" beside the FIFO)",
		    conf->session_dir, strcmp(dir, fifodir) == 0 ? "is" :
		    "holds", conf->fifo_path, CONFIG_SESSION_SUBDIR);
		rc = -1;
	}
out:
	free(dir);
	free(fifodir);
	return rc;
}

/*
 * The history file must be neither the FIFO nor in the session
 * directory, where everyone may create files and pipechatd removes some.
 * Returns 0, or -1 with the error recorded against history_file.
 */
static int
config_check_history_file(struct config_parse *cp)
{
	struct config	*conf = cp->conf;
	char		*file, *fifo, *dir;
	int		 rc = 0;

	if (conf->history_file == NULL)
		return 0;
	file = config_normalize(conf->history_file);
	fifo = config_normalize(conf->fifo_path);
	dir = config_normalize(conf->session_dir);
	config_line_or_path(cp, "chat", "history_file");
	if (strcmp(file, fifo) == 0) {
		config_error(cp, "history_file: %s is [fifo] path itself",
		    conf->history_file);
		rc = -1;
	} else if (strcmp(file, dir) == 0 || config_is_below(file, dir)) {
		config_error(cp, "history_file: %s is in the session directory "
		    "%s, where everyone may create files: put it beside the "
		    "FIFO (the default is \"%s\" there)", conf->history_file,
		    conf->session_dir, CONFIG_HISTORY_FILE);
		rc = -1;
	}
	free(file);
	free(fifo);
	free(dir);
	return rc;
}

/* Checks that need the whole file: defaults derived from other keys. */
static int
config_finish(struct config_parse *cp)
{
	struct config	*conf = cp->conf;
	int		 max_per_user_line;

	if (conf->session_dir == NULL)
		conf->session_dir = config_beside_fifo(conf->fifo_path,
		    CONFIG_SESSION_SUBDIR);
	if (config_check_session_dir(cp) == -1)
		return -1;
	if (conf->history_file == NULL && !conf->history_file_none)
		conf->history_file = config_beside_fifo(conf->fifo_path,
		    CONFIG_HISTORY_FILE);
	if (config_check_history_file(cp) == -1)
		return -1;
	max_per_user_line = cp->seen[config_key_index("session",
	    "max_per_user")];
	if (conf->max_per_user > conf->max_clients && max_per_user_line == 0)
		conf->max_per_user = conf->max_clients;
	if (conf->max_per_user > conf->max_clients) {
		cp->line = max_per_user_line;
		config_error(cp, "max_per_user: %d is more than max_clients "
		    "(%d)", conf->max_per_user, conf->max_clients);
		return -1;
	}
	return 0;
}

/* "name (uid N)", or "uid N" when the uid has no name. */
static char *
config_user(uid_t uid)
{
	struct passwd	*pw;
	char		*s;

	if ((pw = getpwuid(uid)) != NULL)
		xasprintf(&s, "%s (uid %u)", pw->pw_name, (unsigned int)uid);
	else
		xasprintf(&s, "uid %u", (unsigned int)uid);
	return s;
}

/*
 * One link of the chain config_check_trust walks: the file itself (dir
 * NULL) or a directory above it must belong to root or to the user
 * running us, and nobody else may write it (a directory with the sticky
 * bit, like /tmp, excepted: others cannot remove or rename what is ours
 * in it).
 */
static int
config_check_one(const char *file, const char *dir, const struct stat *st,
    char **cause)
{
	const char	*what = dir != NULL ? "the directory " : "it",
			*path = dir != NULL ? dir : file;
	char		*owner, *me;

	if (st->st_uid != 0 && st->st_uid != getuid() &&
	    st->st_uid != geteuid()) {
		owner = config_user(st->st_uid);
		me = config_user(getuid());
		xasprintf(cause, "%s: refusing to read it: %s%s is owned by "
		    "%s, not by root or by you, %s", file, what,
		    dir != NULL ? dir : "", owner, me);
		free(owner);
		free(me);
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))) {
		xasprintf(cause, "%s: refusing to read it: %s%s is writable "
		    "by %s (mode %04o), who could choose the FIFO everyone "
		    "writes to; make it writable by its owner only (chmod "
		    "go-w %s)", file, what, dir != NULL ? dir : "",
		    (st->st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned int)(st->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/*
 * Whoever may write the file, or replace it, chooses the FIFO that
 * pipechatd reads and that every client writes to.  As sshd's StrictModes
 * does, refuse the file (st, from the open fd) unless it and every
 * directory above it (with symbolic links resolved) pass
 * config_check_one.
 */
static int
config_check_trust(const char *file, const struct stat *st, char **cause)
{
	struct stat	 dst;
	char		*real, *copy, *dir;
	int		 rc = 0;

	if (config_check_one(file, NULL, st, cause) == -1)
		return -1;
	/* A name without a directory of its own (a memfd): its directory. */
	if ((real = realpath(file, NULL)) == NULL) {
		copy = xstrdup(file);
		real = realpath(dirname(copy), NULL);
		free(copy);
		if (real == NULL) {
			xasprintf(cause, "%s: %s", file, strerror(errno));
			return -1;
		}
	} else {
		dir = dirname(real);
		memmove(real, dir, strlen(dir) + 1);
	}
	for (dir = real;; dir = dirname(dir)) {
		if (stat(dir, &dst) == -1) {
			xasprintf(cause, "%s: %s: %s", file, dir,
			    strerror(errno));
			rc = -1;
			break;
		}
		if ((rc = config_check_one(file, dir, &dst, cause)) == -1 ||
		    strcmp(dir, "/") == 0)
			break;
	}
	free(real);
	return rc;
}

static struct config *
config_new(const char *file)
{
	struct config	*conf;

	conf = xcalloc(1, sizeof *conf);
	conf->fifo_mode = CONFIG_DEFAULT_MODE;
	conf->fifo_gid = (gid_t)-1;
	conf->fifo_pipe_size = CONFIG_DEFAULT_PIPE_SIZE;
	conf->max_clients = CONFIG_DEFAULT_MAX_CLIENTS;
	conf->max_per_user = CONFIG_DEFAULT_MAX_PER_USER;
	conf->queue_max = CONFIG_DEFAULT_QUEUE_MAX;
	conf->rate = CONFIG_DEFAULT_RATE;
	conf->burst = CONFIG_DEFAULT_BURST;
	conf->anonymous = 1;
	conf->history = CONFIG_DEFAULT_HISTORY;
	conf->history_bytes = CONFIG_DEFAULT_HISTORY_BYTES;
	conf->timestamps = CONFIG_TIMESTAMPS_AUTO;
	conf->file = xstrdup(file);
	conf->fifo_path = xstrdup(CONFIG_DEFAULT_FIFO);
	return conf;
}

/*
 * A message quotes the file's name and values as they are: escape their
 * control bytes and bad UTF-8 before anyone prints it on a terminal.
 */
static void
config_make_safe(char **cause)
{
	size_t	 len = strlen(*cause);
	char	*safe = xmalloc(PC_SANITIZED_MAX(len) + 1);

	safe[sanitize(safe, *cause, len)] = '\0';
	free(*cause);
	*cause = safe;
}

/*
 * Read file into a new config: defaults first, then what the file sets.
 * Returns 0, or -1 with *cause set to a message naming the file and line
 * (the caller frees it).
 */
int
config_load(const char *file, struct config **out, char **cause)
{
	struct config_parse	 cp;
	struct stat		 st;
	int			 rc, fd;

	memset(&cp, 0, sizeof cp);
	*out = NULL;
	*cause = NULL;
	cp.conf = config_new(file);
	/* O_NONBLOCK: a FIFO given as the file must not hang us. */
	fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", file);
		close(fd);
		goto fail;
	}
	if (config_check_trust(file, &st, cause) == -1) {
		close(fd);
		goto fail;
	}
	if ((cp.fp = fdopen(fd, "r")) == NULL) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		close(fd);
		goto fail;
	}
	rc = ini_parse_stream(config_reader, &cp, config_handler, &cp);
	if (rc == -2) {
		/* inih built to allocate its line buffer: out of memory. */
		xasprintf(cause, "%s: out of memory", file);
		goto fail;
	}
	if (ferror(cp.fp)) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		goto fail;
	}
	/* inih reports its own (syntax) error by line: keep the first. */
	if (rc > 0 && (cp.cause == NULL || rc < cp.cause_line)) {
		free(cp.cause);
		cp.cause = NULL;
		cp.line = rc;
		config_error(&cp, "syntax error: expected \"[section]\", "
		    "\"key = value\" or a comment");
	}
	if (cp.cause != NULL) {
		*cause = cp.cause;
		cp.cause = NULL;
		goto fail;
	}
	fclose(cp.fp);
	cp.fp = NULL;
	free(cp.linebuf);
	cp.linebuf = NULL;
	memcpy(cp.conf->lines, cp.seen, sizeof cp.seen);
	if (config_finish(&cp) == -1) {
		*cause = cp.cause;
		cp.cause = NULL;
		goto fail;
	}
	*out = cp.conf;
	return 0;

fail:
	config_make_safe(cause);
	free(cp.cause);
	free(cp.linebuf);
	if (cp.fp != NULL)
		fclose(cp.fp);
	config_free(cp.conf);
	return -1;
}
