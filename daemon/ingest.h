/* One client byte stream (a FIFO's read end) framed into messages. */
#ifndef PC_INGEST_H
#define PC_INGEST_H

#include <stddef.h>

struct event_base;
struct ingest;

#define INGEST_TRUNCATED	0x1	/* the line went past PC_TEXT_MAX */

/* A complete line, without its '\n'; valid only during the call. */
typedef void (*ingest_line_cb)(void *, const char *, size_t, int);
/* End of stream: 0 when every writer has closed, else an errno. */
typedef void (*ingest_eof_cb)(void *, int);

struct ingest	*ingest_new(struct event_base *, int, ingest_line_cb,
		    ingest_eof_cb, void *);
void		 ingest_free(struct ingest *);
void		 ingest_pause(struct ingest *);
int		 ingest_resume(struct ingest *, int);
int		 ingest_drain(struct ingest *, int);

#endif
