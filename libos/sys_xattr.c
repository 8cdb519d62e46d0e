/* Extended attributes and fadvise: what common dynamically linked tools ask
 * at start-up (ls -l looks for SELinux labels and ACLs, sort gives read-ahead
 * hints). Files in the trustlet carry no extended attributes: the image
 * stores none and the in-memory layer keeps none. */
#include <linux/fcntl.h>

#include "syscall.h"
#include "vfs.h"

#define XATTR_NAME_MAX_ 255
#define POSIX_FADV_NOREUSE_ 5

/* The path (when upath is not 0) or fd named by a call must exist; its
 * attribute name must be a valid one. */
static int64_t xattr_target(uint64_t upath, int fd, bool follow, uint64_t uname)
{
  static char path[LOS_PATH_MAX];
  static struct vres r;
  char name[XATTR_NAME_MAX_ + 1];
  int rc;

  if (upath != 0) {
    if ((rc = los_copy_str(path, upath, sizeof(path))) < 0)
      return rc;
    if ((rc = vfs_resolve(AT_FDCWD, path, follow ? VFS_FOLLOW : 0, &r)) < 0)
      return rc;
    if (!r.exists)
      return -ENOENT;
  } else if (fd_get(fd) == NULL) {
    return -EBADF;
  }
  if (uname != 0) {
    rc = los_copy_str(name, uname, sizeof(name));
    if (rc == -ENAMETOOLONG)
      return -ERANGE;
    if (rc < 0)
      return rc;
    if (name[0] == '\0')
      return -ERANGE;
  }
  return 0;
}

/* No attribute exists: ENODATA, as for a file without one on Linux. */
static int64_t get_none(int64_t rc)
{
  return rc < 0 ? rc : -ENODATA;
}

SYSDEF(getxattr)
{
  return get_none(xattr_target(a0, -1, true, a1));
}

SYSDEF(lgetxattr)
{
  return get_none(xattr_target(a0, -1, false, a1));
}

SYSDEF(fgetxattr)
{
  return get_none(xattr_target(0, (int)a0, false, a1));
}

/* An empty list: length 0. */
SYSDEF(listxattr)
{
  return xattr_target(a0, -1, true, 0);
}

SYSDEF(llistxattr)
{
  return xattr_target(a0, -1, false, 0);
}

SYSDEF(flistxattr)
{
  return xattr_target(0, (int)a0, false, 0);
}

/* Advice is a hint; files are in memory or in the mapped image. */
SYSDEF(fadvise64)
{
  struct los_file *f = fd_get((int)a0);

  if (f == NULL)
    return -EBADF;
  if (f->type == LF_STDIO && f->path == NULL)
    return -ESPIPE; /* a pipe */
  if (a3 > POSIX_FADV_NOREUSE_ || (int64_t)a2 < 0)
    return -EINVAL;
  return 0;
}
