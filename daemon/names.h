/* Login names of uids, looked up once. */
#ifndef PC_NAMES_H
#define PC_NAMES_H

#include <sys/types.h>

const char	*names_lookup(uid_t);
void		 names_flush(void);

#endif
