/* SPDX-License-Identifier: ISC */
/* Where messages are printed: one line each on an fd, in batches. */
#ifndef PC_OUTPUT_H
#define PC_OUTPUT_H

struct event_base;
struct message;
struct output;

/* Called once, from the loop, when the output fd can no longer be written. */
typedef void (*output_fail_cb)(void *);

struct output	*output_new(struct event_base *, int, output_fail_cb, void *);
void		 output_free(struct output *);
void		 output_timestamps(struct output *, int);
int		 output_stamps(const struct output *);
void		 output_message(struct output *, const struct message *,
		    const char *, size_t);
int		 output_flush(struct output *);

#endif
