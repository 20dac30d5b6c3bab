/* SPDX-License-Identifier: ISC */
/* The daemon's own diagnostics, in the OpenBSD log.c shape. */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stdarg.h>

void	log_init(const char *, int);
int	log_fd_is_journal(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
