/* SPDX-License-Identifier: ISC */
/* Bytes read from an fd, cut into lines. */
#ifndef PC_LINES_H
#define PC_LINES_H

#include <stddef.h>
#include <sys/types.h>

#include "proto.h"

/*
 * Room for two of the daemon's longest lines.  A line of up to
 * LINES_MAX bytes (without its '\n') is passed on whole; a longer one is
 * passed on in pieces of at most LINES_MAX bytes.
 */
#define LINES_BUF	(PROTO_OUT_LINE_MAX * 2)
#define LINES_MAX	(LINES_BUF - 1)

struct lines {
	char	buf[LINES_BUF];
	size_t	len;
};

typedef void	(*lines_cb)(void *, const char *, size_t);

ssize_t	lines_read(struct lines *, int, lines_cb, void *);
size_t	lines_take(struct lines *, const char *, size_t, lines_cb, void *);
void	lines_rest(struct lines *, lines_cb, void *);

#endif
