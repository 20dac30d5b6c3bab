/* SPDX-License-Identifier: ISC */
/*
 * Tests for daemon/log.c: a line says one line, whatever its arguments
 * hold (control bytes, a newline that would start a forged line of its
 * own, bad UTF-8): they are escaped, as sanitize() does everywhere else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "tap.h"

/* What log_warnx("%s", arg) (log_warn with errno ENOENT) writes. */
static void
logged(int with_errno, const char *arg, char *buf, size_t size)
{
	FILE	*tmp = tmpfile();
	int	 saved = dup(STDERR_FILENO);
	size_t	 n;

	if (tmp == NULL || saved == -1 ||
	    dup2(fileno(tmp), STDERR_FILENO) == -1)
		abort();
	if (with_errno) {
		errno = ENOENT;
		log_warn("%s", arg);
	} else
		log_warnx("%s", arg);
	fflush(stderr);
	if (dup2(saved, STDERR_FILENO) == -1)
		abort();
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, size - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

int
main(void)
{
	char	buf[4096];

	unsetenv("JOURNAL_STREAM");
	log_init("pipechatd", 0);
	logged(0, "plain words", buf, sizeof buf);
	is_str(buf, "pipechatd: plain words\n", "a plain line as it is");
	logged(0, "evil\n<2>pipechatd: forged", buf, sizeof buf);
	is_str(buf, "pipechatd: evil^J<2>pipechatd: forged\n",
	    "a newline is escaped: one line, nothing forged");
	logged(0, "x\033]0;title\a\033[2Jy\r", buf, sizeof buf);
	is_str(buf, "pipechatd: x^[]0;title^G^[[2Jy^M\n",
	    "escape sequences, BEL and CR are escaped");
	logged(0, "bad \xff utf-8", buf, sizeof buf);
	is_str(buf, "pipechatd: bad \xef\xbf\xbd utf-8\n",
	    "ill-formed UTF-8 becomes U+FFFD");
	logged(1, "file\033name", buf, sizeof buf);
	is_str(buf, "pipechatd: file^[name: No such file or directory\n",
	    "log_warn: escaped, then the error");
	done_testing();
}
