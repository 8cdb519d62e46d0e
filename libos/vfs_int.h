/* Shared by the VFS's own files (vfs.c, vfs_mount.c); not for syscalls. */
#ifndef LOS_VFS_INT_H
#define LOS_VFS_INT_H

#include "vfs.h"

extern struct mnode *vfs_dev_null; /* what a masked file shows */

/* A new upper node owned by root; out of memory ends start-up. */
struct mnode *vfs_root_node(uint32_t mode);
bool vfs_is_dir(const struct vnode *vn);
/* The upper directory at path[0, len), creating what is missing (mount
 * points are made by the runtime, even on a read-only root). */
int vfs_mkdir_upper(const char *path, size_t len, struct vnode *out);

/* The mount table's first entries (/, /dev, /tmp). */
void vfs_mounts_init(bool readonly_root);
/* Masked and read-only paths: applied to vn, just reached at canonical path[0, len). */
void vfs_apply_rules(const char *path, size_t len, struct vnode *vn);

#endif
