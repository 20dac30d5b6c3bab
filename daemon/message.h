/* A chat message as it travels from ingest to output. */
#ifndef PC_MESSAGE_H
#define PC_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

#define MESSAGE_TRUNCATED	0x1	/* cut at PC_TEXT_MAX */

struct message {
	const char	*from;	/* login name the kernel vouches for, or NULL */
	uid_t		 uid;	/* meaningful only when from is set */
	const char	*text;	/* untrusted bytes, not NUL-terminated */
	size_t		 len;
	int		 flags;
};

#endif
