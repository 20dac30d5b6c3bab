/* SPDX-License-Identifier: ISC */
/* One fd kept in reserve for when the fd limit is reached. */
#include <fcntl.h>
#include <unistd.h>

#include "spare.h"

/*
 * At the fd limit, giving this one up lets the daemon do what must not
 * fail for want of an fd: reopen the well-known FIFO, look up a name, or
 * open a client's FIFO just long enough to tell it why it is refused.
 */
static int	spare_fd = -1;

/* Take the reserve fd (again); harmless if it is held. */
void
spare_reserve(void)
{
	if (spare_fd == -1)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Give the reserve fd up for a moment; returns 0 if there was none. */
int
spare_release(void)
{
	if (spare_fd == -1)
		return 0;
	close(spare_fd);
	spare_fd = -1;
	return 1;
}
