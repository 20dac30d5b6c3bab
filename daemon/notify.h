/* SPDX-License-Identifier: ISC */
/* Telling systemd how we are: sd_notify(3), or nothing without systemd. */
#ifndef PC_NOTIFY_H
#define PC_NOTIFY_H

void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_status(const char *, ...) __attribute__((format(printf, 1, 2)));
int	notify_listen_fd(void);

#endif
