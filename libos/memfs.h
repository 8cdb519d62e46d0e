/* In-memory upper layer nodes (memfs.c). */
#ifndef LOS_MEMFS_H
#define LOS_MEMFS_H

#include "vfs.h"

/* The realtime clock as a file time. */
struct los_ts los_ts_now(void);
struct mnode *mnode_new(uint32_t mode);
void mnode_touch(struct mnode *n);
void mnode_put(struct mnode *n);
struct mdirent *mnode_find(struct mnode *dir, const char *name, size_t len);
int mnode_link(struct mnode *dir, const char *name, struct mnode *child);
void mnode_unlink(struct mnode *dir, struct mdirent *e);
int mnode_reserve(struct mnode *n, uint64_t size);

#endif
