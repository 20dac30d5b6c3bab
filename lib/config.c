/* pipechat.ini: defaults, parsing with inih, validation. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "strfmt.h"

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
};
#define CONFIG_NKEYS (sizeof config_keys / sizeof config_keys[0])
#define CONFIG_KEY_MAX_PER_USER	5	/* index in config_keys */

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
	int		 oom;
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
	msg = vstrfmt(fmt, ap);
	va_end(ap);
	if (msg == NULL) {
		cp->oom = 1;
		return;
	}
	cp->cause = strfmt("%s:%d: %s", cp->conf->file, cp->line, msg);
	cp->cause_line = cp->line;
	if (cp->cause == NULL)
		cp->oom = 1;
	free(msg);
}

/* Check an absolute file name and store a copy in *dst. */
static int
config_set_path(char **dst, const char *value, char **why)
{
	size_t	len = strlen(value);
	char	*copy;

	if (value[0] != '/') {
		*why = strfmt("expected an absolute path, got \"%s\"",
		    value);
		return -1;
	}
	if (len >= PATH_MAX || value[len - 1] == '/') {
		*why = strfmt("\"%s\" is not a usable file name",
		    value);
		return -1;
	}
	if ((copy = strdup(value)) == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
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
		*why = strfmt("expected a number, got \"%s\"", value);
		return -1;
	}
	if (n < min || n > max) {
		*why = strfmt("%lld is out of range (%lld to %lld)", n,
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
		*why = strfmt("expected yes or no, got \"%s\"", value);
		return -1;
	}
	return 0;
}

static int
config_parse_mode(struct config *conf, const char *value, char **why)
{
	unsigned long	mode;
	size_t		len = strlen(value);

	if (len < 3 || len > 4 || strspn(value, "01234567") != len) {
		*why = strfmt("expected an octal mode like 0620, "
		    "got \"%s\"", value);
		return -1;
	}
	mode = strtoul(value, NULL, 8);
	if (mode & ~0777UL) {
		*why = strfmt("%04lo sets setuid, setgid or sticky "
		    "bits, which mean nothing on a FIFO", mode);
		return -1;
	}
	if (mode & 0044) {
		*why = strfmt("%04lo lets others read the FIFO, so they "
		    "could steal messages; allow group/others to write only, "
		    "like 0620", mode);
		return -1;
	}
	if (!(mode & 0400)) {
		*why = strfmt("%04lo does not let the owner (the "
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
	char		*end, *copy;

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
			*why = strfmt("no such group \"%s\"", value);
			return -1;
		}
	}
	if ((copy = strdup(value)) == NULL)
		return -1;
	free(conf->fifo_group);
	conf->fifo_group = copy;
	conf->fifo_gid = (gid_t)id;
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
		if (why == NULL)
			cp->oom = 1;
		else
			config_error(cp, "%s: %s", name, why);
		free(why);
		return 0;
	}
	return 1;
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
	free(conf);
}

/* The session directory defaults to "sessions" beside the FIFO. */
static char *
config_default_session_dir(const char *fifo_path)
{
	const char	*slash = strrchr(fifo_path, '/');
	int		 dirlen = (int)(slash - fifo_path);

	return strfmt("%.*s/%s", dirlen, fifo_path,
	    CONFIG_SESSION_SUBDIR);
}

/* Checks that need the whole file: defaults derived from other keys. */
static int
config_finish(struct config_parse *cp)
{
	struct config	*conf = cp->conf;

	if (conf->session_dir == NULL &&
	    (conf->session_dir = config_default_session_dir(conf->fifo_path))
	    == NULL) {
		cp->oom = 1;
		return -1;
	}
	if (conf->max_per_user > conf->max_clients &&
	    cp->seen[CONFIG_KEY_MAX_PER_USER] == 0)
		conf->max_per_user = conf->max_clients;
	if (conf->max_per_user > conf->max_clients) {
		cp->line = cp->seen[CONFIG_KEY_MAX_PER_USER];
		config_error(cp, "max_per_user: %d is more than max_clients "
		    "(%d)", conf->max_per_user, conf->max_clients);
		return -1;
	}
	return 0;
}

static struct config *
config_new(const char *file)
{
	struct config	*conf;

	if ((conf = calloc(1, sizeof *conf)) == NULL)
		return NULL;
	conf->fifo_mode = CONFIG_DEFAULT_MODE;
	conf->fifo_gid = (gid_t)-1;
	conf->fifo_pipe_size = CONFIG_DEFAULT_PIPE_SIZE;
	conf->max_clients = CONFIG_DEFAULT_MAX_CLIENTS;
	conf->max_per_user = CONFIG_DEFAULT_MAX_PER_USER;
	conf->queue_max = CONFIG_DEFAULT_QUEUE_MAX;
	conf->rate = CONFIG_DEFAULT_RATE;
	conf->burst = CONFIG_DEFAULT_BURST;
	conf->anonymous = 1;
	conf->file = strdup(file);
	conf->fifo_path = strdup(CONFIG_DEFAULT_PATH);
	if (conf->file == NULL || conf->fifo_path == NULL) {
		config_free(conf);
		return NULL;
	}
	return conf;
}

/*
 * Read file into a new config: defaults first, then what the file sets.
 * Returns 0, or -1 with *cause set to a message naming the file and line
 * (the caller frees it).  Running out of memory is reported as such.
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
	if ((cp.conf = config_new(file)) == NULL)
		goto oom;
	/* O_NONBLOCK: a FIFO given as the file must not hang us. */
	fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		*cause = strfmt("%s: %s", file, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = strfmt("%s: not a regular file", file);
		close(fd);
		goto fail;
	}
	if ((cp.fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		goto oom;
	}
	rc = ini_parse_stream(config_reader, &cp, config_handler, &cp);
	if (cp.oom || rc == -2)
		goto oom;
	if (ferror(cp.fp)) {
		*cause = strfmt("%s: %s", file, strerror(errno));
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
	if (config_finish(&cp) == -1) {
		if (cp.oom)
			goto oom;
		*cause = cp.cause;
		cp.cause = NULL;
		goto fail;
	}
	*out = cp.conf;
	return 0;

oom:
	free(cp.cause);
	*cause = NULL;
fail:
	free(cp.linebuf);
	if (cp.fp != NULL)
		fclose(cp.fp);
	config_free(cp.conf);
	if (*cause == NULL)
		*cause = strdup("out of memory");
	return -1;
}
