/* SPDX-License-Identifier: ISC */
/* Bytes read from an fd, cut into lines. */
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "utf8.h"

/*
 * Call fn for each complete line in lb, without its '\n'.  When the
 * buffer is full without one, its first LINES_MAX bytes or less (cut
 * between UTF-8 characters) go as a piece.
 */
static void
lines_split(struct lines *lb, lines_cb fn, void *arg)
{
	size_t	used = 0, cut;
	char	*nl;

	while ((nl = memchr(lb->buf + used, '\n', lb->len - used)) != NULL) {
		fn(arg, lb->buf + used, (size_t)(nl - (lb->buf + used)));
		used = (size_t)(nl - lb->buf) + 1;
	}
	if (used == 0 && lb->len == sizeof lb->buf) {
		cut = utf8_cut(lb->buf, LINES_MAX, LINES_MAX - 4);
		fn(arg, lb->buf, cut);
		used = cut;
	}
	memmove(lb->buf, lb->buf + used, lb->len - used);
	lb->len -= used;
}

/*
 * Add up to len bytes at p (as many as lb has room for) and pass on the
 * lines they complete.  Returns how many bytes were taken.
 */
size_t
lines_take(struct lines *lb, const char *p, size_t len, lines_cb fn,
    void *arg)
{
	if (len > sizeof lb->buf - lb->len)
		len = sizeof lb->buf - lb->len;
	if (len == 0)
		return 0;
	memcpy(lb->buf + lb->len, p, len);
	lb->len += len;
	lines_split(lb, fn, arg);
	return len;
}

/*
 * Read what fd has into lb and call fn for each complete line.  Returns
 * the read's result: >0 bytes, 0 end of file, -1 error (EAGAIN/EINTR: try
 * again).
 */
ssize_t
lines_read(struct lines *lb, int fd, lines_cb fn, void *arg)
{
	ssize_t	n;

	n = read(fd, lb->buf + lb->len, sizeof lb->buf - lb->len);
	if (n <= 0)
		return n;
	lb->len += (size_t)n;
	lines_split(lb, fn, arg);
	return n;
}

/* At end of file: a last line without '\n' is still a line. */
void
lines_rest(struct lines *lb, lines_cb fn, void *arg)
{
	if (lb->len > 0)
		fn(arg, lb->buf, lb->len);
	lb->len = 0;
}
