/* SPDX-License-Identifier: ISC */
/* The daemon's event loop: signals, reload, and who owns what. */
#ifndef PC_SERVER_H
#define PC_SERVER_H

struct config;
struct server;

struct server	*server_new(struct config *, int *, char **);
int		 server_run(struct server *);
void		 server_free(struct server *);
int		 server_raise_nofile(int);

#endif
