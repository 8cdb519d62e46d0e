/* Operations of the writable layer beyond create, write and remove: hard
 * links, ownership and modes with Linux's permission rules (the function's
 * uid, groups and capabilities), fallocate, mknod, and copy-up through an
 * open file. */
#include <linux/capability.h>
#include <linux/falloc.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "memfs.h"
#include "synth.h"
#include "vfs_int.h"

bool vfs_capable(int cap)
{
  return (los_proc.caps[TL_CAP_EFFECTIVE] >> cap) & 1;
}

bool vfs_in_group(uint32_t gid)
{
  if (gid == los_proc.gid)
    return true;
  for (uint32_t i = 0; i < los_proc.ngroups; i++)
    if (los_proc.groups[i] == gid)
      return true;
  return false;
}

int vfs_permission(const struct los_kstat *k, uint32_t mask, uint64_t caps)
{
  uint32_t bits = k->uid == los_proc.uid ? (k->mode >> 6) & 7
                  : vfs_in_group(k->gid) ? (k->mode >> 3) & 7
                                         : k->mode & 7;
  bool dir = S_ISDIR(k->mode);

  if ((bits & mask) == mask)
    return 0;
  /* CAP_DAC_OVERRIDE: anything but executing a file no one may execute */
  if (((caps >> CAP_DAC_OVERRIDE) & 1) && (!(mask & 1) || dir || (k->mode & 0111)))
    return 0;
  /* CAP_DAC_READ_SEARCH: reading files, reading and searching directories */
  if (((caps >> CAP_DAC_READ_SEARCH) & 1) && !(mask & 2) && (dir || !(mask & 1)))
    return 0;
  return -EACCES;
}

static bool owner_or(uint32_t uid, int cap)
{
  return los_proc.uid == uid || vfs_capable(cap);
}

int vfs_may_create(const struct vnode *dir)
{
  struct los_kstat k;
  int rc = vfs_stat(dir, &k);
  return rc < 0 ? rc : vfs_permission(&k, 3, los_proc.caps[TL_CAP_EFFECTIVE]);
}

int vfs_may_delete(const struct vnode *dir, const struct vnode *victim)
{
  struct los_kstat d, v;
  int rc = vfs_stat(dir, &d);

  if (rc < 0 || (rc = vfs_stat(victim, &v)) < 0 ||
      (rc = vfs_permission(&d, 3, los_proc.caps[TL_CAP_EFFECTIVE])) < 0)
    return rc;
  /* a sticky directory (/tmp): only the entry's or the directory's owner */
  if ((d.mode & S_ISVTX) && los_proc.uid != v.uid && los_proc.uid != d.uid &&
      !vfs_capable(CAP_FOWNER))
    return -EPERM;
  return 0;
}

int vfs_file_copy_up(struct los_file *f)
{
  static struct vres r;
  struct mnode *n;
  int rc;

  if (f->vn.syn != NULL)
    return f->vn.writable ? -EPERM : -EROFS;
  if (f->vn.up != NULL)
    return 0;
  if (!f->vn.writable)
    return -EROFS;
  if (f->path == NULL)
    return -EIO;
  if ((rc = vfs_resolve(AT_FDCWD, f->path, VFS_UPPER, &r)) < 0)
    return rc;
  if (!r.exists || (r.node.up == NULL && r.node.low != f->vn.low))
    return -ESTALE; /* renamed or removed since it was opened */
  if ((n = vfs_upper_for_attrs(&r, &rc)) == NULL)
    return rc;
  n->refs++;
  f->vn.up = n;
  if (!S_ISDIR(n->mode))
    f->vn.low = LOS_NO_NID; /* a directory keeps merging with the image */
  return 0;
}

int vfs_chmod(const struct vres *r, uint32_t mode)
{
  int rc;
  struct mnode *n = vfs_upper_for_attrs(r, &rc);

  if (n == NULL)
    return rc;
  if (!owner_or(n->uid, CAP_FOWNER))
    return -EPERM;
  if (!vfs_in_group(n->gid) && !vfs_capable(CAP_FSETID))
    mode &= ~(uint32_t)S_ISGID;
  n->mode = (n->mode & S_IFMT) | (mode & 07777);
  n->ctime = los_ts_now();
  return 0;
}

int vfs_chown(const struct vres *r, uint32_t uid, uint32_t gid)
{
  int rc;
  struct mnode *n = vfs_upper_for_attrs(r, &rc);
  bool owner;

  if (n == NULL)
    return rc;
  owner = los_proc.uid == n->uid;
  if (uid != ~0u && !(owner && uid == n->uid) && !vfs_capable(CAP_CHOWN))
    return -EPERM; /* giving a file away takes CAP_CHOWN */
  if (gid != ~0u && !(owner && (gid == n->gid || vfs_in_group(gid))) && !vfs_capable(CAP_CHOWN))
    return -EPERM;
  if (uid != ~0u)
    n->uid = uid;
  if (gid != ~0u)
    n->gid = gid;
  if (!S_ISDIR(n->mode) && !S_ISLNK(n->mode)) { /* Linux drops set-id bits on chown */
    n->mode &= ~(uint32_t)S_ISUID;
    if (n->mode & S_IXGRP)
      n->mode &= ~(uint32_t)S_ISGID;
  }
  n->ctime = los_ts_now();
  return 0;
}

int vfs_utimes(const struct vres *r, const struct los_ts *atime, const struct los_ts *mtime,
               bool now)
{
  int rc;
  struct mnode *n;
  struct los_kstat k;

  if (atime == NULL && mtime == NULL)
    return 0; /* both UTIME_OMIT: nothing to change, nothing to check */
  if ((n = vfs_upper_for_attrs(r, &rc)) == NULL)
    return rc;
  if (!owner_or(n->uid, CAP_FOWNER)) {
    /* setting the current time takes only write permission */
    if (!now)
      return -EPERM;
    if ((rc = vfs_stat(&VNODE(n, LOS_NO_NID, true), &k)) < 0 ||
        (rc = vfs_permission(&k, 2, los_proc.caps[TL_CAP_EFFECTIVE])) < 0)
      return rc;
  }
  if (atime)
    n->atime = *atime;
  if (mtime)
    n->mtime = *mtime;
  n->ctime = los_ts_now();
  return 0;
}

int vfs_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, bool follow)
{
  static struct vres from, to;
  struct mnode *n;
  int rc = vfs_resolve(olddirfd, oldpath, VFS_UPPER | (follow ? VFS_FOLLOW : 0), &from);

  if (rc < 0)
    return rc;
  if (!from.exists)
    return -ENOENT;
  if ((rc = vfs_resolve(newdirfd, newpath, VFS_UPPER, &to)) < 0)
    return rc;
  if (to.exists)
    return -EEXIST;
  if (from.magic != NULL || from.node.syn != NULL || to.parent.syn != NULL ||
      los_vfs_mount_of(from.path) != los_vfs_mount_of(to.path))
    return -EXDEV;
  if (S_ISDIR(vfs_mode(&from.node)))
    return -EPERM;
  if (!from.node.writable || !to.parent.writable)
    return -EROFS;
  if (to.parent.up == NULL)
    return -EIO;
  if ((rc = vfs_may_create(&to.parent)) < 0)
    return rc;
  /* an image file is copied up: both names then share the upper node */
  if (from.node.up == NULL && (rc = vfs_copy_up_file(&from)) < 0)
    return rc;
  n = from.node.up;
  if ((rc = mnode_link(to.parent.up, to.name, n)) < 0)
    return rc;
  n->nlink++;
  n->ctime = los_ts_now();
  return 0;
}

int vfs_fallocate(struct los_file *f, int mode, uint64_t off, uint64_t len)
{
  struct mnode *n = f->vn.up;
  uint64_t end = off + len;
  int rc;

  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
    return -EOPNOTSUPP;
  if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
    return -EOPNOTSUPP;
  if ((int64_t)off < 0 || (int64_t)len <= 0)
    return -EINVAL;
  if ((f->flags & O_ACCMODE) == O_RDONLY)
    return -EBADF;
  if (f->type == LF_STDIO)
    return -ESPIPE;
  if (f->type == LF_DIR)
    return -EISDIR;
  if (f->type != LF_REG || n == NULL)
    return -ENODEV;
  if (end < off || end > LOS_MAX_FILE_SIZE)
    return -EFBIG;
  if (mode & FALLOC_FL_PUNCH_HOLE) { /* holes read as zeros */
    if (off < n->size)
      memset(n->data + off, 0, LOS_MIN(end, n->size) - off);
    mnode_touch(n);
    return 0;
  }
  if ((rc = mnode_reserve(n, end)) < 0)
    return rc;
  if (!(mode & FALLOC_FL_KEEP_SIZE) && end > n->size) {
    n->size = end;
    mnode_touch(n);
  }
  return 0;
}
