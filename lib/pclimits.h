/* SPDX-License-Identifier: ISC */
/* Limits shared by pipechatd and pipechat-client, with the reason for each. */
#ifndef PC_LIMITS_H
#define PC_LIMITS_H

#include <limits.h>

/*
 * One message is one line, written by one write(2).  POSIX makes writes of
 * at most PIPE_BUF bytes to a pipe atomic, so concurrent writers never
 * interleave as long as a whole line (text plus '\n') fits in PIPE_BUF.
 */
#define PC_LINE_MAX	PIPE_BUF
#define PC_TEXT_MAX	(PC_LINE_MAX - 1)

/*
 * Sanitised text can grow: the worst case is a lone C1 control (2 bytes)
 * becoming "\u0085" (6 bytes), a factor of 3.
 */
#define PC_SANITIZED_MAX(n)	((n) * 3)

/* exit statuses from sysexits(3), named here so both programs agree */
#define PC_EX_USAGE		64
#define PC_EX_NOINPUT		66
#define PC_EX_UNAVAILABLE	69
#define PC_EX_SOFTWARE		70
#define PC_EX_OSERR		71
#define PC_EX_PROTOCOL		76
#define PC_EX_IOERR		74
#define PC_EX_TEMPFAIL		75
#define PC_EX_NOPERM		77
#define PC_EX_CONFIG		78

#endif
