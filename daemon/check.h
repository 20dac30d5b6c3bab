/* SPDX-License-Identifier: ISC */
/* pipechatd -n: check the configuration against the system. */
#ifndef PC_CHECK_H
#define PC_CHECK_H

struct config;

int	check_config(const struct config *);

#endif
