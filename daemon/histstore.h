/* SPDX-License-Identifier: ISC */
/* The history across a restart: kept in [chat] history_file. */
#ifndef PC_HISTSTORE_H
#define PC_HISTSTORE_H

struct history;

void	histstore_save(const struct history *, const char *);
void	histstore_load(struct history *, const char *);

#endif
