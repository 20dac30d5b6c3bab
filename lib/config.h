/* SPDX-License-Identifier: ISC */
/* pipechat.ini: defaults, parsing with inih, validation. */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H

#include <sys/types.h>

#include "proto.h"

#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/pipechat.ini"
#define CONFIG_DEFAULT_MODE	0620
#define CONFIG_DEFAULT_PIPE_SIZE	(1024 * 1024)
#define CONFIG_PIPE_SIZE_MAX		(256 * 1024 * 1024)
#define CONFIG_SESSION_SUBDIR	"sessions"	/* next to the FIFO */
#define CONFIG_HISTORY_FILE	"history"	/* next to the FIFO */
#define CONFIG_DEFAULT_MAX_CLIENTS	1024
#define CONFIG_DEFAULT_MAX_PER_USER	16
#define CONFIG_DEFAULT_QUEUE_MAX	((size_t)256 * 1024)
#define CONFIG_MAX_CLIENTS_LIMIT	100000
#define CONFIG_QUEUE_MAX_MIN		PROTO_OUT_LINE_MAX
#define CONFIG_QUEUE_MAX_MAX		(64LL * 1024 * 1024)
/*
 * Lines per second a session may send, and how many it may send at once
 * above that: a person typing or pasting stays under them, a flood does
 * not.  rate 0: unlimited.
 */
#define CONFIG_DEFAULT_RATE		20
#define CONFIG_DEFAULT_BURST		100
#define CONFIG_RATE_MAX			1000000
#define CONFIG_BURST_MAX		1000000
/*
 * Chat messages and actions kept for a session that joins with
 * "history": how many, and how many bytes of their text (sanitised) at
 * most, so that the replay fits a session's queue (queue_max is at
 * least CONFIG_QUEUE_MAX_MIN) and costs little memory.  0: none.
 */
#define CONFIG_DEFAULT_HISTORY		20
#define CONFIG_HISTORY_MAX		10000
#define CONFIG_DEFAULT_HISTORY_BYTES	(64 * 1024)
#define CONFIG_HISTORY_BYTES_MAX	(16 * 1024 * 1024)
#define CONFIG_KEYS_MAX			32	/* room in struct config's lines */

/* [log] timestamps: a time in front of each line pipechatd prints. */
enum config_timestamps {
	CONFIG_TIMESTAMPS_AUTO,	/* yes, unless stdout is the journal */
	CONFIG_TIMESTAMPS_YES,
	CONFIG_TIMESTAMPS_NO,
};

struct config {
	char	*file;		/* the ini it was read from, for messages */
	char	*fifo_path;	/* [fifo] path, absolute */
	mode_t	 fifo_mode;	/* [fifo] mode, permission bits only */
	char	*fifo_group;	/* [fifo] group as written, or NULL */
	gid_t	 fifo_gid;	/* ... resolved; (gid_t)-1 when unset */
	int	 fifo_pipe_size;	/* [fifo] pipe_size, bytes; 0: as is */
	char	*session_dir;	/* [session] dir, absolute */
	int	 max_clients;	/* [session] max_clients */
	int	 max_per_user;	/* [session] max_per_user */
	size_t	 queue_max;	/* [session] queue_max, bytes */
	int	 rate;		/* [session] rate, lines/s; 0: unlimited */
	int	 burst;		/* [session] burst, lines */
	int	 anonymous;	/* [fifo] anonymous: raw lines shown */
	int	 history;	/* [chat] history, messages; 0: none */
	size_t	 history_bytes;	/* [chat] history_bytes */
	char	*history_file;	/* [chat] history_file, absolute, or NULL */
	int	 history_file_none;	/* ... set empty: none */
	enum config_timestamps timestamps;	/* [log] timestamps */
	char	*daemon_user;	/* [daemon] user, its name, or NULL */
	uid_t	 daemon_uid;	/* ... its uid and primary group */
	gid_t	 daemon_gid;
	int	 lines[CONFIG_KEYS_MAX];	/* see config_line */
};

int	 config_load(const char *, struct config **, char **);
void	 config_free(struct config *);
int	 config_line(const struct config *, const char *, const char *);

#endif
