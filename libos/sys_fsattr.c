/* File syscalls that change names and attributes: hard links, modes,
 * owners, times, mknod, fallocate and the sync family. */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "syscall.h"
#include "vfs.h"

#define UTIME_NOW_ ((1L << 30) - 1)
#define UTIME_OMIT_ ((1L << 30) - 2)

static char pathbuf[LOS_PATH_MAX], pathbuf2[LOS_PATH_MAX];

/* Resolve a user path (at dirfd) that must exist, copying parents up. */
static int resolve_at(int dirfd, uint64_t upath, bool follow, struct vres *r)
{
  int rc = los_copy_str(pathbuf, upath, sizeof(pathbuf));

  if (rc < 0 || (rc = vfs_resolve(dirfd, pathbuf, VFS_UPPER | (follow ? VFS_FOLLOW : 0), r)) < 0)
    return rc;
  return r->exists ? 0 : -ENOENT;
}

/* The object an fd names, for attribute changes (an image file gets an
 * upper node first). *pipe: stdio without a node, where changes are moot. */
static int fd_vres(int fd, struct vres *r, bool *pipe)
{
  struct los_file *f = fd_get(fd);
  int rc;

  *pipe = false;
  if (f == NULL)
    return -EBADF;
  if (f->flags & O_PATH)
    return -EBADF;
  if (f->type == LF_STDIO && f->vn.up == NULL) {
    *pipe = true;
    return 0;
  }
  if ((rc = vfs_file_copy_up(f)) < 0)
    return rc;
  memset(r, 0, sizeof(*r));
  r->exists = true;
  r->node = f->vn;
  return 0;
}

static int64_t do_linkat(int odir, uint64_t op, int ndir, uint64_t np, int flags)
{
  int rc;

  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
    return -EINVAL;
  if ((rc = los_copy_str(pathbuf, op, sizeof(pathbuf))) < 0 ||
      (rc = los_copy_str(pathbuf2, np, sizeof(pathbuf2))) < 0)
    return rc;
  if (pathbuf[0] == '\0') { /* AT_EMPTY_PATH: the file the fd names */
    struct los_file *f = fd_get(odir);
    if (!(flags & AT_EMPTY_PATH))
      return -ENOENT;
    if (f == NULL)
      return -EBADF;
    if (f->path == NULL)
      return -ENOENT;
    return vfs_link(AT_FDCWD, f->path, ndir, pathbuf2, false);
  }
  return vfs_link(odir, pathbuf, ndir, pathbuf2, (flags & AT_SYMLINK_FOLLOW) != 0);
}

SYSDEF(link)
{
  return do_linkat(AT_FDCWD, a0, AT_FDCWD, a1, 0);
}

SYSDEF(linkat)
{
  return do_linkat((int)a0, a1, (int)a2, a3, (int)a4);
}

static int64_t chmod_at(int dirfd, uint64_t upath, uint32_t mode)
{
  static struct vres r;
  int rc = resolve_at(dirfd, upath, true, &r);
  return rc < 0 ? rc : vfs_chmod(&r, mode);
}

SYSDEF(chmod)
{
  return chmod_at(AT_FDCWD, a0, (uint32_t)a1);
}

SYSDEF(fchmodat)
{
  return chmod_at((int)a0, a1, (uint32_t)a2);
}

SYSDEF(fchmod)
{
  static struct vres r;
  bool pipe;
  int rc = fd_vres((int)a0, &r, &pipe);
  return rc < 0 || pipe ? rc : vfs_chmod(&r, (uint32_t)a1);
}

static int64_t chown_at(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, int flags)
{
  static struct vres r;
  int rc;

  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
    return -EINVAL;
  if ((rc = los_copy_str(pathbuf, upath, sizeof(pathbuf))) < 0)
    return rc;
  if (pathbuf[0] == '\0') {
    bool pipe;
    if (!(flags & AT_EMPTY_PATH))
      return -ENOENT;
    rc = fd_vres(dirfd, &r, &pipe);
    return rc < 0 || pipe ? rc : vfs_chown(&r, uid, gid);
  }
  rc = resolve_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), &r);
  return rc < 0 ? rc : vfs_chown(&r, uid, gid);
}

SYSDEF(chown)
{
  return chown_at(AT_FDCWD, a0, (uint32_t)a1, (uint32_t)a2, 0);
}

SYSDEF(lchown)
{
  return chown_at(AT_FDCWD, a0, (uint32_t)a1, (uint32_t)a2, AT_SYMLINK_NOFOLLOW);
}

SYSDEF(fchownat)
{
  return chown_at((int)a0, a1, (uint32_t)a2, (uint32_t)a3, (int)a4);
}

SYSDEF(fchown)
{
  static struct vres r;
  bool pipe;
  int rc = fd_vres((int)a0, &r, &pipe);
  return rc < 0 || pipe ? rc : vfs_chown(&r, (uint32_t)a1, (uint32_t)a2);
}

/* Times: t NULL means now for both; fields may be UTIME_NOW or UTIME_OMIT.
 * Path upath at dirfd, or the fd dirfd itself when upath is 0. */
static int64_t set_times(int dirfd, uint64_t upath, const struct los_ts *t, int flags)
{
  static struct vres r;
  struct los_ts v[2];
  uint64_t now = los_time_realtime_ns();
  bool explicit = false, pipe = false;
  int rc;

  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
    return -EINVAL;
  for (int i = 0; i < 2; i++) {
    v[i] = t ? t[i] : (struct los_ts){0, UTIME_NOW_};
    if (v[i].nsec != UTIME_NOW_ && v[i].nsec != UTIME_OMIT_ &&
        (v[i].nsec < 0 || v[i].nsec >= 1000000000))
      return -EINVAL;
    explicit = explicit || (v[i].nsec != UTIME_NOW_ && v[i].nsec != UTIME_OMIT_);
    if (v[i].nsec == UTIME_NOW_)
      v[i] = (struct los_ts){(int64_t)(now / 1000000000ULL), (int64_t)(now % 1000000000ULL)};
  }
  if (upath == 0) {
    rc = dirfd == AT_FDCWD ? -EFAULT : fd_vres(dirfd, &r, &pipe);
  } else if ((rc = los_copy_str(pathbuf, upath, sizeof(pathbuf))) == 0 && pathbuf[0] == '\0') {
    rc = (flags & AT_EMPTY_PATH) ? fd_vres(dirfd, &r, &pipe) : -ENOENT;
  } else if (rc == 0) {
    rc = resolve_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), &r);
  }
  if (rc < 0 || pipe)
    return rc;
  return vfs_utimes(&r, t && t[0].nsec == UTIME_OMIT_ ? NULL : &v[0],
                    t && t[1].nsec == UTIME_OMIT_ ? NULL : &v[1], !explicit);
}

SYSDEF(utimensat)
{
  struct los_ts t[2];

  if (a2 != 0) {
    if (!USER_OK(a2, sizeof(t), false))
      return -EFAULT;
    memcpy(t, (const void *)a2, sizeof(t));
  }
  return set_times((int)a0, a1, a2 ? t : NULL, (int)a3);
}

/* struct timeval pairs (utimes, futimesat): microseconds, no NOW/OMIT. */
static int64_t timeval_times(int dirfd, uint64_t upath, uint64_t utv)
{
  struct los_ts t[2];
  const int64_t *tv = (const int64_t *)utv;

  if (upath == 0)
    return -EFAULT;
  if (utv == 0)
    return set_times(dirfd, upath, NULL, 0);
  if (!USER_OK(utv, 4 * sizeof(int64_t), false))
    return -EFAULT;
  for (int i = 0; i < 2; i++) {
    if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000)
      return -EINVAL;
    t[i] = (struct los_ts){tv[2 * i], tv[2 * i + 1] * 1000};
  }
  return set_times(dirfd, upath, t, 0);
}

SYSDEF(utimes)
{
  return timeval_times(AT_FDCWD, a0, a1);
}

SYSDEF(futimesat)
{
  return timeval_times((int)a0, a1, a2);
}

SYSDEF(utime)
{
  struct los_ts t[2];
  const int64_t *ub = (const int64_t *)a1; /* struct utimbuf: actime, modtime */

  if (a0 == 0)
    return -EFAULT;
  if (a1 == 0)
    return set_times(AT_FDCWD, a0, NULL, 0);
  if (!USER_OK(a1, 2 * sizeof(int64_t), false))
    return -EFAULT;
  t[0] = (struct los_ts){ub[0], 0};
  t[1] = (struct los_ts){ub[1], 0};
  return set_times(AT_FDCWD, a0, t, 0);
}

SYSDEF(fallocate)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  return vfs_fallocate(f, (int)a1, a2, a3);
}

/* The layers live in memory: there is nothing to write back. */
SYSDEF(sync)
{
  return 0;
}

SYSDEF(syncfs)
{
  return fd_get((int)a0) ? 0 : -EBADF;
}
