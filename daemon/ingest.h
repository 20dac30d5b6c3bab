/* SPDX-License-Identifier: ISC */
/* One client byte stream (a FIFO's read end) framed into messages. */
#ifndef PC_INGEST_H
#define PC_INGEST_H

#include <stddef.h>

struct event_base;
struct ingest;

#define INGEST_TRUNCATED	0x1	/* the line went past PC_TEXT_MAX */
#define INGEST_INCOMPLETE	0x2	/* shared: cut off by another writer */

/*
 * The most one read(2) takes: what a default-sized pipe holds, so a burst
 * from many writers costs one system call rather than one per message.
 * With PC_TEXT_MAX it bounds what an ingest buffers at once.
 */
#define INGEST_READ_MAX		65536

/*
 * On a FIFO many writers share, how long a line may stay without its
 * '\n' before it is taken as it is.  A well-behaved writer writes a line
 * whole, with one write(2), so its end is in the pipe already when its
 * start is read: the wait covers only our own delay in reading it, and
 * a writer that stopped mid-line holds up nobody for longer than this.
 */
#define INGEST_PARTIAL_MS	250

/* A complete line, without its '\n'; valid only during the call. */
typedef void (*ingest_line_cb)(void *, const char *, size_t, int);
/* End of stream: 0 when every writer has closed, else an errno. */
typedef void (*ingest_eof_cb)(void *, int);

struct ingest	*ingest_new(struct event_base *, int, ingest_line_cb,
		    ingest_eof_cb, void *);
int		 ingest_set_shared(struct ingest *, int);
void		 ingest_free(struct ingest *);
void		 ingest_pause(struct ingest *);
int		 ingest_resume(struct ingest *, int);
int		 ingest_drain(struct ingest *, int);

#endif
