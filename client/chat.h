/* The client's loop: stdin lines out, the daemon's lines in. */
#ifndef PC_CHAT_H
#define PC_CHAT_H

#include <stddef.h>

#define CHAT_INTERACTIVE	0x1	/* stdin and stdout are a terminal */
#define CHAT_NO_STDIN		0x2	/* only wait for the session to close */

int	chat_send_text(int, const char *, size_t, int);
int	chat_run(int *, int *, const char *, int);

#endif
