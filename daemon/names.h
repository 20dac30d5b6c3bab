/* SPDX-License-Identifier: ISC */
/* Login names of uids, and the groups they are in, looked up once. */
#ifndef PC_NAMES_H
#define PC_NAMES_H

#include <sys/types.h>

const char	*names_lookup(uid_t);
int		 names_known(uid_t);
int		 names_in_group(uid_t, gid_t);
void		 names_flush(void);

#endif
