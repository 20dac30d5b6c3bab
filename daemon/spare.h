/* SPDX-License-Identifier: ISC */
/* One fd kept in reserve for when the fd limit is reached. */
#ifndef PC_SPARE_H
#define PC_SPARE_H

void	spare_reserve(void);
int	spare_release(void);

#endif
