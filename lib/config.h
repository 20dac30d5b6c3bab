/* pipechat.ini: defaults, parsing with inih, validation. */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H

#include <sys/types.h>

#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/pipechat.ini"
#define CONFIG_DEFAULT_PATH	"/run/pipechat/pipechat.fifo"
#define CONFIG_DEFAULT_MODE	0620

struct config {
	char	*file;		/* the ini it was read from, for messages */
	char	*fifo_path;	/* [fifo] path, absolute */
	mode_t	 fifo_mode;	/* [fifo] mode, permission bits only */
	char	*fifo_group;	/* [fifo] group as written, or NULL */
	gid_t	 fifo_gid;	/* ... resolved; (gid_t)-1 when unset */
};

int	 config_load(const char *, struct config **, char **);
void	 config_free(struct config *);

#endif
