/* SPDX-License-Identifier: ISC */
/* A chat message as it travels from ingest to output, and how it reads. */
#ifndef PC_MESSAGE_H
#define PC_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

#include "pclimits.h"

#define MESSAGE_TRUNCATED	0x1	/* cut at PC_TEXT_MAX */
#define MESSAGE_INCOMPLETE	0x2	/* a raw line another writer cut off */

/* Longer login names are cut when shown. */
#define MESSAGE_NAME_MAX	64

/* Room for message_format's result, whatever the message. */
#define MESSAGE_FORMAT_MAX \
	(PC_SANITIZED_MAX(PC_TEXT_MAX) + PC_SANITIZED_MAX(MESSAGE_NAME_MAX) + 64)

enum message_kind {
	MESSAGE_CHAT,		/* "alice: text" */
	MESSAGE_ACTION,		/* "* alice text", from /me */
	MESSAGE_JOIN,		/* "--> alice joined" */
	MESSAGE_LEAVE,		/* "<-- alice left", text is why (may be empty) */
};

struct message {
	enum message_kind	 kind;
	const char		*from;	/* name the kernel vouches for, or NULL */
	uid_t			 uid;	/* ... and its uid */
	const char		*text;	/* untrusted bytes, not NUL-terminated */
	size_t			 len;
	int			 flags;
};

size_t		 message_format(const struct message *, char *);
const char	*message_kind_name(enum message_kind);

#endif
