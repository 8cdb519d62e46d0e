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

/* The mode of a node (0 when the image cannot be read). */
uint32_t vfs_mode(const struct vnode *vn);
/* Copy a resolved lower regular file into the upper layer (its parent is upper). */
int vfs_copy_up_file(struct vres *r);
/* A new upper node at a resolved, missing name. */
int vfs_create_node(struct vres *r, uint32_t mode, struct mnode **out);
bool vfs_dir_empty(const struct vnode *vn);
/* Remove a resolved name: drop the upper entry, hide a lower one with a whiteout. */
int vfs_remove_entry(struct vres *r);
/* The upper node of a resolved, writable object, copied up first: where
 * attribute changes land. NULL and *rc on failure. */
struct mnode *vfs_upper_for_attrs(const struct vres *r, int *rc);

/* Linux's may_create (write and search on dir) and may_delete (the same,
 * and the sticky-directory rule): 0, -EACCES or -EPERM (vfs_ops.c). */
int vfs_may_create(const struct vnode *dir);
int vfs_may_delete(const struct vnode *dir, const struct vnode *victim);

/* The mount table's first entries (/, /dev, /tmp). */
void vfs_mounts_init(bool readonly_root);
/* Masked and read-only paths: applied to vn, just reached at canonical path[0, len). */
void vfs_apply_rules(const char *path, size_t len, struct vnode *vn);

#endif
