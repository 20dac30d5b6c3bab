/* SPDX-License-Identifier: ISC */
/*
 * A pipe and an event loop: the fixture of the unit tests and the fuzzer
 * that drive a daemon module through a real pipe (tests/unit/test-ingest.c,
 * tests/unit/test-output.c, fuzz/fuzz-framing.c).  The test puts its module
 * on one end and plays the other.  A broken fixture aborts: it is not what
 * is under test.
 */
#ifndef PC_PIPEFIX_H
#define PC_PIPEFIX_H

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

/* pipefix_init flags */
#define PIPEFIX_WNONBLOCK	0x1	/* the write end too, as the read end */

/* Full-pipe writes that may run the loop without progress before abort. */
#define PIPEFIX_STALL_MAX	100000

struct pipefix {
	struct event_base	*base;
	int			 rfd, wfd;	/* -1 once closed */
	int			 own_base;	/* pipefix_deinit frees base */
};

/*
 * A pipe of at least pipe_size bytes (0: the default), its read end
 * non-blocking, and an event base: base if not NULL (kept by the caller),
 * else a new one.  Returns -1, with the pipe made, when the size cannot be
 * had (the caller may skip); pipefix_deinit then frees it.
 */
static inline int
pipefix_init(struct pipefix *pf, struct event_base *base, int pipe_size,
    int flags)
{
	int	fds[2];

	pf->base = base;
	pf->own_base = base == NULL;
	if (pipe2(fds, O_CLOEXEC) == -1)
		abort();
	pf->rfd = fds[0];
	pf->wfd = fds[1];
	if (fcntl(pf->rfd, F_SETFL, O_NONBLOCK) == -1 ||
	    ((flags & PIPEFIX_WNONBLOCK) &&
	    fcntl(pf->wfd, F_SETFL, O_NONBLOCK) == -1))
		abort();
	if (pf->base == NULL && (pf->base = event_base_new()) == NULL)
		abort();
	if (pipe_size > 0 && fcntl(pf->wfd, F_SETPIPE_SZ, pipe_size) == -1)
		return -1;
	return 0;
}

/* Close what is still open, and free the base if it is ours. */
static inline void
pipefix_deinit(struct pipefix *pf)
{
	if (pf->own_base && pf->base != NULL)
		event_base_free(pf->base);
	pf->base = NULL;
	if (pf->rfd != -1)
		close(pf->rfd);
	if (pf->wfd != -1)
		close(pf->wfd);
	pf->rfd = pf->wfd = -1;
}

/* The writer goes away. */
static inline void
pipefix_close_writer(struct pipefix *pf)
{
	close(pf->wfd);
	pf->wfd = -1;
}

/* Bytes written and not yet read. */
static inline size_t
pipefix_pending(const struct pipefix *pf)
{
	int	n;

	if (ioctl(pf->rfd, FIONREAD, &n) == -1 || n < 0)
		abort();
	return (size_t)n;
}

/* Run what the loop has ready, without waiting. */
static inline void
pipefix_run(struct pipefix *pf)
{
	if (event_base_loop(pf->base, EVLOOP_NONBLOCK) == -1)
		abort();
}

/*
 * Write all of p to a non-blocking write end, running the loop whenever
 * the pipe is full so that the reader under test makes room.
 */
static inline void
pipefix_write(struct pipefix *pf, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;
	int		 stalls = 0;

	while (len > 0) {
		n = write(pf->wfd, s, len);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			stalls = 0;
		} else if (n == -1 && errno == EAGAIN &&
		    stalls++ < PIPEFIX_STALL_MAX)
			pipefix_run(pf);
		else
			abort();
	}
}

#endif
