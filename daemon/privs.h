/* SPDX-License-Identifier: ISC */
/* Giving up root for the user of [daemon] user. */
#ifndef PC_PRIVS_H
#define PC_PRIVS_H

struct config;

int	privs_drop(const struct config *, int, char **);

#endif
