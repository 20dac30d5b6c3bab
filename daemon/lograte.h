/* SPDX-License-Identifier: ISC */
/* Rate-limited warnings: the first few in full, then a count. */
#ifndef PC_LOGRATE_H
#define PC_LOGRATE_H

struct event_base;
struct lograte;

struct lograte	*lograte_new(struct event_base *, const char *, int, int);
void		 lograte_free(struct lograte *);
int		 lograte_allow(struct lograte *);
void		 lograte_warnx(struct lograte *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
unsigned long	 lograte_suppressed(const struct lograte *);

#endif
