/* SPDX-License-Identifier: ISC */
/* Count what libevent allocates, to check that buffers stay bounded. */
#ifndef PC_EVMEM_H
#define PC_EVMEM_H

#include <stddef.h>
#include <stdlib.h>

#include <event2/event.h>

/* Bytes libevent holds now, and the most it has held. */
static size_t	evmem_live, evmem_peak;

/* Each block starts with its size, aligned for anything. */
union evmem_head {
	size_t		size;
	max_align_t	align;
};

/* A block of old bytes became size bytes (0: allocated or freed). */
static inline void
evmem_count(size_t old, size_t size)
{
	evmem_live = evmem_live - old + size;
	if (evmem_live > evmem_peak)
		evmem_peak = evmem_live;
}

/* malloc for libevent, counted. */
static inline void *
evmem_malloc(size_t size)
{
	union evmem_head	*h;

	if ((h = malloc(sizeof *h + size)) == NULL)
		return NULL;
	h->size = size;
	evmem_count(0, size);
	return h + 1;
}

/* realloc for libevent, counted. */
static inline void *
evmem_realloc(void *p, size_t size)
{
	union evmem_head	*h, *nh;
	size_t			 old;

	if (p == NULL)
		return evmem_malloc(size);
	h = (union evmem_head *)p - 1;
	old = h->size;
	if ((nh = realloc(h, sizeof *nh + size)) == NULL)
		return NULL;
	nh->size = size;
	evmem_count(old, size);
	return nh + 1;
}

/* free for libevent, counted. */
static inline void
evmem_free(void *p)
{
	union evmem_head	*h;

	if (p == NULL)
		return;
	h = (union evmem_head *)p - 1;
	evmem_count(h->size, 0);
	free(h);
}

/* Call first thing in main, before any other libevent function. */
static inline void
evmem_init(void)
{
	event_set_mem_functions(evmem_malloc, evmem_realloc, evmem_free);
}

#endif
