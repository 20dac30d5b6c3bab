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
	MESSAGE_PRIVATE,	/* /msg: "alice -> bob", text only to them */
};

/* How a private message reads, to whom (message_format_private). */
#define MESSAGE_TO_SENDER	0	/* "-> bob: text" */
#define MESSAGE_TO_ADDRESSEE	1	/* "alice -> you: text" */

struct message {
	enum message_kind	 kind;
	const char		*from;	/* name the kernel vouches for, or NULL */
	uid_t			 uid;	/* ... and its uid */
	const char		*to;	/* MESSAGE_PRIVATE: the addressee */
	long long		 time;	/* Unix time the daemon took it */
	const char		*text;	/* untrusted bytes, not NUL-terminated */
	size_t			 len;
	int			 flags;
};

size_t		 message_format(const struct message *, char *);
/* Quieter than this many seconds, /who says nothing about idleness. */
#define MESSAGE_IDLE_MIN	10

size_t		 message_format_private(const struct message *, int, char *);
int		 message_idle(long long, char *, size_t);
const char	*message_kind_name(enum message_kind);

#endif
