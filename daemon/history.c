/* SPDX-License-Identifier: ISC */
/*
 * The last chat messages and actions, for sessions that join later: a
 * ring of at most max entries whose texts take at most max_bytes
 * together; the oldest go first.  histstore.c keeps it across a
 * restart.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "xmalloc.h"

struct history_entry {
	int		 kind;
	long long	 time;
	char		*text;		/* already formatted, safe */
	size_t		 len;
	size_t		 size;		/* allocated for text */
};

struct history {
	struct history_entry	*ring;
	int			 max;	/* entries; 0: keep nothing */
	size_t			 max_bytes;
	int			 first;	/* the oldest */
	int			 n;
	size_t			 bytes;	/* of the texts kept */
};

/* Keep at most max lines and max_bytes bytes of their texts. */
struct history *
history_new(int max, size_t max_bytes)
{
	struct history	*h;

	h = xcalloc(1, sizeof *h);
	history_resize(h, max, max_bytes);
	return h;
}

/* NULL is fine. */
void
history_free(struct history *h)
{
	int	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->max; i++)
		free(h->ring[i].text);
	free(h->ring);
	free(h);
}

/* The i-th kept entry, 0 the oldest. */
static struct history_entry *
history_at(const struct history *h, int i)
{
	return &h->ring[(h->first + i) % h->max];
}

/* Forget the oldest entry; its buffer stays for reuse. */
static void
history_drop(struct history *h)
{
	h->bytes -= history_at(h, 0)->len;
	h->first = (h->first + 1) % h->max;
	h->n--;
}

/*
 * New bounds (a reload): the newest entries that fit them stay, in
 * order.
 */
void
history_resize(struct history *h, int max, size_t max_bytes)
{
	struct history_entry	*ring;
	int			 i, keep;

	if (max == h->max) {
		h->max_bytes = max_bytes;
		while (h->n > 0 && h->bytes > max_bytes)
			history_drop(h);
		return;
	}
	keep = h->n < max ? h->n : max;
	/* At least one slot, never used when max is 0: ring is never NULL. */
	ring = xcalloc(max > 0 ? (size_t)max : 1, sizeof *ring);
	while (h->n > keep)
		history_drop(h);
	for (i = 0; i < keep; i++)
		ring[i] = *history_at(h, i);
	/* The buffers of the dropped entries, and of the free slots. */
	for (i = keep; i < h->max; i++)
		free(history_at(h, i)->text);
	free(h->ring);
	h->ring = ring;
	h->max = max;
	h->first = 0;
	h->n = keep;
	h->max_bytes = max_bytes;
	while (h->n > 0 && h->bytes > max_bytes)
		history_drop(h);
}

/*
 * Keep a line of len bytes of text, dropping the oldest to make room.
 * A text longer than max_bytes empties the history: what is replayed is
 * always the whole of the last stretch of the chat, without a gap.
 */
void
history_add(struct history *h, int kind, long long time, const char *text,
    size_t len)
{
	struct history_entry	*e;

	if (h->max == 0)
		return;
	if (len > h->max_bytes) {
		while (h->n > 0)
			history_drop(h);
		return;
	}
	while (h->n > 0 && (h->n == h->max || h->bytes + len > h->max_bytes))
		history_drop(h);
	e = &h->ring[(h->first + h->n) % h->max];
	/* The slot's old buffer is reused: most lines need no malloc. */
	if (e->size < len || e->text == NULL) {
		free(e->text);
		e->size = len > 64 ? len : 64;
		e->text = xmalloc(e->size);
	}
	memcpy(e->text, text, len);
	e->len = len;
	e->kind = kind;
	e->time = time;
	h->n++;
	h->bytes += len;
}

/* Call cb for each kept line, the oldest first. */
void
history_foreach(const struct history *h, history_cb cb, void *arg)
{
	const struct history_entry	*e;
	int				 i;

	for (i = 0; i < h->n; i++) {
		e = history_at(h, i);
		cb(e->kind, e->time, e->text, e->len, arg);
	}
}

int
history_count(const struct history *h)
{
	return h->n;
}

size_t
history_bytes(const struct history *h)
{
	return h->bytes;
}
