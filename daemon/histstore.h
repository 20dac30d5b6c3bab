/* SPDX-License-Identifier: ISC */
/* The history across a restart: kept in [chat] history_file. */
#ifndef PC_HISTSTORE_H
#define PC_HISTSTORE_H

struct history;
struct stat;

void	histstore_save(const struct history *, const char *);
void	histstore_load(struct history *, const char *);
int	histstore_is_ours(const struct stat *);

#endif
