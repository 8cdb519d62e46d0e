/* File syscalls over the VFS and the container's stdio. */
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>

#include "iofile.h"
#include "syscall.h"
#include "task.h"
#include "vfs.h"

#define SIGPIPE_ 13
#define TCGETS_ 0x5401
#define TCSETS_ 0x5402
#define TCSETSW_ 0x5403
#define TCSETSF_ 0x5404
#define TIOCSCTTY_ 0x540e
#define TIOCGPGRP_ 0x540f
#define TIOCSPGRP_ 0x5410
#define TIOCGWINSZ_ 0x5413
#define TIOCSWINSZ_ 0x5414
#define FIONREAD_ 0x541b
#define FIONBIO_ 0x5421
#define FIONCLEX_ 0x5450
#define FIOCLEX_ 0x5451
#define F_SETPIPE_SZ_ 1031
#define F_GETPIPE_SZ_ 1032
#define F_OFD_GETLK_ 36
#define F_OFD_SETLK_ 37
#define F_OFD_SETLKW_ 38
#define TIOCNOTTY_ 0x5422
#define TIOCGSID_ 0x5429
#define KTERMIOS_SIZE 36 /* the kernel's struct termios */
#define F_DUPFD_CLOEXEC_ 1030
#define IOV_MAX_ 1024

int los_copy_str(char *dst, uint64_t src, size_t size)
{
  for (size_t i = 0; i < size; i++) {
    if ((i == 0 || ((src + i) & (LOS_PAGE - 1)) == 0) && !USER_OK(src + i, 1, false))
      return -EFAULT;
    dst[i] = *(const char *)(src + i);
    if (dst[i] == '\0')
      return 0;
  }
  return -ENAMETOOLONG;
}

static char pathbuf[LOS_PATH_MAX], pathbuf2[LOS_PATH_MAX];

static int64_t stdio_write(struct los_file *f, const void *buf, uint64_t len)
{
  int64_t n = los_host_write(f->host_fd, buf, len);
  if (n == -EPIPE)
    los_exit(0, SIGPIPE_); /* default SIGPIPE action */
  return n;
}

static int64_t stdio_read(struct los_file *f, void *buf, uint64_t len)
{
  int64_t n;

  los_stdio_seq[f->host_fd]++; /* what edge-triggered epoll sees of a read */
  if ((f->flags & O_NONBLOCK) && len > 0) {
    struct los_pollctx pc = {0};
    int rc;
    pc.host_events[f->host_fd] = LPOLLIN;
    if ((rc = los_poll_host_now(&pc)) < 0)
      return rc;
    if (pc.host_revents[f->host_fd] == 0)
      return -EAGAIN;
  }
  /* with other threads about, wait for input without holding the vCPU */
  while (los_ntasks > 1 && len > 0 && f->host_fd >= 0 && f->host_fd < 3) {
    uint16_t ev[3] = {0, 0, 0}, rev[3];
    ev[f->host_fd] = LPOLLIN;
    int rc = los_wait_host(NULL, ev, rev, 0);
    if (rc == -EINTR)
      return -ERESTARTSYS;
    if (rev[f->host_fd] != 0)
      break;
  }
  n = los_host_read(f->host_fd, buf, len);
  return n == -EINTR ? -ERESTARTSYS : n; /* restarted unless a handler without SA_RESTART runs */
}

static int64_t file_write(struct los_file *f, const void *buf, uint64_t len, int64_t off)
{
  if ((f->flags & O_ACCMODE) == O_RDONLY)
    return -EBADF;
  if (f->ops != NULL)
    return f->ops->write(f, buf, len);
  if (f->type == LF_STDIO)
    return stdio_write(f, buf, len);
  if (off >= 0)
    return vfs_write(f, buf, len, (uint64_t)off);
  if (f->flags & O_APPEND)
    f->pos = f->vn.up ? f->vn.up->size : 0;
  int64_t n = vfs_write(f, buf, len, f->pos);
  if (n > 0)
    f->pos += (uint64_t)n;
  return n;
}

static int64_t file_read(struct los_file *f, void *buf, uint64_t len, int64_t off)
{
  if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
    return -EBADF;
  if (f->ops != NULL)
    return f->ops->read(f, buf, len);
  if (f->type == LF_STDIO)
    return stdio_read(f, buf, len);
  if (off >= 0)
    return vfs_read(f, buf, len, (uint64_t)off);
  int64_t n = vfs_read(f, buf, len, f->pos);
  if (n > 0)
    f->pos += (uint64_t)n;
  return n;
}

SYSDEF(read)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (!USER_OK(a1, a2, true))
    return -EFAULT;
  return file_read(f, (void *)a1, a2, -1);
}

SYSDEF(write)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (!USER_OK(a1, a2, false))
    return -EFAULT;
  return file_write(f, (const void *)a1, a2, -1);
}

SYSDEF(pread64)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (f->type == LF_STDIO || f->ops != NULL)
    return -ESPIPE;
  if ((int64_t)a3 < 0)
    return -EINVAL;
  if (!USER_OK(a1, a2, true))
    return -EFAULT;
  return file_read(f, (void *)a1, a2, (int64_t)a3);
}

SYSDEF(pwrite64)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (f->type == LF_STDIO || f->ops != NULL)
    return -ESPIPE;
  if ((int64_t)a3 < 0)
    return -EINVAL;
  if (!USER_OK(a1, a2, false))
    return -EFAULT;
  return file_write(f, (const void *)a1, a2, (int64_t)a3);
}

struct iovec_ {
  uint64_t base, len;
};

static int64_t do_iov(uint64_t fd, uint64_t iovp, uint64_t cnt, bool wr)
{
  struct los_file *f = fd_get((int)fd);
  const struct iovec_ *iov = (const struct iovec_ *)iovp;
  int64_t total = 0;

  if (f == NULL)
    return -EBADF;
  if (cnt > IOV_MAX_)
    return -EINVAL;
  if (!USER_OK(iovp, cnt * sizeof(*iov), false))
    return -EFAULT;
  for (uint64_t i = 0; i < cnt; i++) {
    if (iov[i].len == 0)
      continue;
    if (!USER_OK(iov[i].base, iov[i].len, !wr))
      return total ? total : -EFAULT;
    int64_t n = wr ? file_write(f, (const void *)iov[i].base, iov[i].len, -1)
                   : file_read(f, (void *)iov[i].base, iov[i].len, -1);
    if (n < 0)
      return total ? total : n;
    total += n;
    if ((uint64_t)n < iov[i].len)
      break;
  }
  return total;
}

SYSDEF(readv)
{
  return do_iov(a0, a1, a2, false);
}

SYSDEF(writev)
{
  return do_iov(a0, a1, a2, true);
}

SYSDEF(lseek)
{
  struct los_file *f = fd_get((int)a0);
  int64_t off = (int64_t)a1, base;
  struct los_kstat st;

  if (f == NULL)
    return -EBADF;
  if (f->type == LF_STDIO || f->ops != NULL)
    return -ESPIPE;
  if (f->type == LF_DIR) {
    if (a2 != SEEK_SET || off < 0)
      return -EINVAL;
    f->pos = (uint64_t)off;
    return off;
  }
  vfs_stat(&f->vn, &st);
  switch (a2) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = (int64_t)f->pos; break;
  case SEEK_END: base = (int64_t)st.size; break;
  default: return -EINVAL;
  }
  if (base + off < 0)
    return -EINVAL;
  f->pos = (uint64_t)(base + off);
  return (int64_t)f->pos;
}

static int64_t do_open(int dirfd, uint64_t upath, int flags, uint32_t mode)
{
  struct los_file *f;
  int rc = los_copy_str(pathbuf, upath, sizeof(pathbuf));

  if (rc < 0)
    return rc;
  if ((rc = vfs_open(dirfd, pathbuf, flags | VFS_O_PERM, mode, &f)) < 0)
    return rc;
  rc = fd_install(f, (flags & O_CLOEXEC) != 0, 0);
  if (rc < 0)
    file_put(f);
  return rc;
}

SYSDEF(open)
{
  return do_open(AT_FDCWD, a0, (int)a1, (uint32_t)a2);
}

SYSDEF(openat)
{
  return do_open((int)a0, a1, (int)a2, (uint32_t)a3);
}

SYSDEF(creat)
{
  return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a1);
}

SYSDEF(close)
{
  struct los_file *f = fd_get((int)a0);

  if (f != NULL)
    los_locks_close(f); /* POSIX: any close of the file drops the process's locks */
  return fd_close((int)a0);
}

static void fill_stat(const struct los_kstat *k, struct stat *st)
{
  memset(st, 0, sizeof(*st));
  st->st_dev = 0x10;
  st->st_ino = k->ino;
  st->st_nlink = k->nlink;
  st->st_mode = k->mode;
  st->st_uid = k->uid;
  st->st_gid = k->gid;
  st->st_rdev = k->rdev;
  st->st_size = (long)k->size;
  st->st_blksize = 4096;
  st->st_blocks = (long)k->blocks;
  st->st_atime = (unsigned long)k->atime.sec;
  st->st_atime_nsec = (unsigned long)k->atime.nsec;
  st->st_mtime = (unsigned long)k->mtime.sec;
  st->st_mtime_nsec = (unsigned long)k->mtime.nsec;
  st->st_ctime = (unsigned long)k->ctime.sec;
  st->st_ctime_nsec = (unsigned long)k->ctime.nsec;
}

/* What fstat says of an I/O object. */
static int obj_stat(struct los_file *f, struct los_kstat *k)
{
  memset(k, 0, sizeof(*k));
  k->mode = f->ops->mode;
  k->ino = f->obj_ino;
  k->nlink = 1;
  k->uid = los_proc.uid;
  k->gid = los_proc.gid;
  return 0;
}

static int stdio_stat(struct los_file *f, struct los_kstat *k)
{
  if (f->vn.up != NULL) /* the terminal */
    return vfs_stat(&f->vn, k);
  memset(k, 0, sizeof(*k));
  k->mode = S_IFIFO | 0600;
  k->nlink = 1;
  k->uid = los_proc.uid;
  k->gid = los_proc.gid;
  return 0;
}

/* Stat dirfd/path with AT_* flags into k. */
static int stat_at(int dirfd, uint64_t upath, int flags, struct los_kstat *k)
{
  static struct vres r;
  int rc;

  if (upath != 0 && (rc = los_copy_str(pathbuf, upath, sizeof(pathbuf))) < 0)
    return rc;
  if (upath == 0 || pathbuf[0] == '\0') {
    struct los_file *f;
    if (upath != 0 && !(flags & AT_EMPTY_PATH))
      return -ENOENT;
    if (dirfd == AT_FDCWD) { /* the current directory itself */
      rc = vfs_resolve(AT_FDCWD, ".", VFS_FOLLOW, &r);
      return rc < 0 ? rc : vfs_stat(&r.node, k);
    }
    if ((f = fd_get(dirfd)) == NULL)
      return -EBADF;
    return f->ops ? obj_stat(f, k) : f->type == LF_STDIO ? stdio_stat(f, k) : vfs_stat(&f->vn, k);
  }
  rc = vfs_resolve(dirfd, pathbuf, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW, &r);
  if (rc < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  return r.magic ? stdio_stat(r.magic, k) : vfs_stat(&r.node, k);
}

static int64_t stat_out(int rc, const struct los_kstat *k, uint64_t ust)
{
  if (rc < 0)
    return rc;
  if (!USER_OK(ust, sizeof(struct stat), true))
    return -EFAULT;
  fill_stat(k, (struct stat *)ust);
  return 0;
}

SYSDEF(fstat)
{
  struct los_kstat k;
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  return stat_out(f->ops                ? obj_stat(f, &k)
                  : f->type == LF_STDIO ? stdio_stat(f, &k)
                                        : vfs_stat(&f->vn, &k),
                  &k, a1);
}

SYSDEF(stat)
{
  struct los_kstat k;
  return stat_out(stat_at(AT_FDCWD, a0, 0, &k), &k, a1);
}

SYSDEF(lstat)
{
  struct los_kstat k;
  return stat_out(stat_at(AT_FDCWD, a0, AT_SYMLINK_NOFOLLOW, &k), &k, a1);
}

SYSDEF(newfstatat)
{
  struct los_kstat k;
  return stat_out(stat_at((int)a0, a1, (int)a3, &k), &k, a2);
}

SYSDEF(statx)
{
  struct los_kstat k;
  struct statx *sx = (struct statx *)a4;
  int rc = stat_at((int)a0, a1, (int)a2, &k);

  if (rc < 0)
    return rc;
  if (!USER_OK(a4, sizeof(*sx), true))
    return -EFAULT;
  memset(sx, 0, sizeof(*sx));
  sx->stx_mask = STATX_BASIC_STATS;
  sx->stx_blksize = 4096;
  sx->stx_nlink = (uint32_t)k.nlink;
  sx->stx_uid = k.uid;
  sx->stx_gid = k.gid;
  sx->stx_mode = (uint16_t)k.mode;
  sx->stx_ino = k.ino;
  sx->stx_size = k.size;
  sx->stx_blocks = k.blocks;
  sx->stx_atime.tv_sec = k.atime.sec;
  sx->stx_atime.tv_nsec = (uint32_t)k.atime.nsec;
  sx->stx_mtime.tv_sec = k.mtime.sec;
  sx->stx_mtime.tv_nsec = (uint32_t)k.mtime.nsec;
  sx->stx_ctime.tv_sec = k.ctime.sec;
  sx->stx_ctime.tv_nsec = (uint32_t)k.ctime.nsec;
  sx->stx_rdev_major = (uint32_t)(k.rdev >> 8);
  sx->stx_rdev_minor = (uint32_t)(k.rdev & 0xff);
  sx->stx_dev_minor = 0x10;
  return 0;
}

SYSDEF(getdents64)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (!USER_OK(a1, a2, true))
    return -EFAULT;
  return vfs_getdents(f, (void *)a1, a2);
}

static int64_t do_readlink(int dirfd, uint64_t upath, uint64_t buf, uint64_t size)
{
  static struct vres r;
  int rc = los_copy_str(pathbuf, upath, sizeof(pathbuf));

  if (rc < 0)
    return rc;
  if ((int64_t)size <= 0)
    return -EINVAL;
  if (!USER_OK(buf, size, true))
    return -EFAULT;
  if ((rc = vfs_resolve(dirfd, pathbuf, 0, &r)) < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  return vfs_readlink(&r.node, (char *)buf, size);
}

SYSDEF(readlink)
{
  return do_readlink(AT_FDCWD, a0, a1, a2);
}

SYSDEF(readlinkat)
{
  return do_readlink((int)a0, a1, a2, a3);
}

/* Permission check against the function's identity, as the kernel does:
 * with the real ids, and for root its permitted capabilities (access(2)'s
 * rule); AT_EACCESS uses the effective set. */
static int64_t do_access(int dirfd, uint64_t upath, uint32_t mode, int flags)
{
  static struct vres r;
  struct los_kstat k;
  uint64_t caps;
  int rc = los_copy_str(pathbuf, upath, sizeof(pathbuf));

  if (rc < 0)
    return rc;
  if (mode & ~7u || (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
    return -EINVAL;
  if (pathbuf[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    struct los_file *f = dirfd == AT_FDCWD ? NULL : fd_get(dirfd);
    if (dirfd != AT_FDCWD && f == NULL)
      return -EBADF;
    if (f != NULL && (f->path == NULL || (f->type == LF_STDIO && f->vn.up == NULL)))
      return 0; /* a pipe of the function's own */
    rc = f != NULL ? vfs_resolve(AT_FDCWD, f->path, 0, &r) : vfs_resolve(AT_FDCWD, ".", 0, &r);
  } else {
    rc = vfs_resolve(dirfd, pathbuf, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW, &r);
  }
  if (rc < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  if (r.magic != NULL)
    return 0; /* stdio through /proc/self/fd: the function's own pipe */
  vfs_stat(&r.node, &k);
  if (flags & AT_EACCESS)
    caps = los_proc.caps[TL_CAP_EFFECTIVE];
  else
    caps = los_proc.uid == 0 ? los_proc.caps[TL_CAP_PERMITTED] : 0;
  if ((rc = vfs_permission(&k, mode, caps)) < 0)
    return rc;
  /* a read-only mount is reported after the permission, as Linux does */
  if ((mode & 2) && !r.node.writable && (S_ISREG(k.mode) || S_ISDIR(k.mode) || S_ISLNK(k.mode)))
    return -EROFS;
  return 0;
}

SYSDEF(access)
{
  return do_access(AT_FDCWD, a0, (uint32_t)a1, 0);
}

SYSDEF(faccessat)
{
  return do_access((int)a0, a1, (uint32_t)a2, 0);
}

SYSDEF(faccessat2)
{
  return do_access((int)a0, a1, (uint32_t)a2, (int)a3);
}

SYSDEF(getcwd)
{
  const char *c = vfs_cwd();
  size_t n = strlen(c) + 1;
  if (a1 < n)
    return -ERANGE;
  if (!USER_OK(a0, n, true))
    return -EFAULT;
  memcpy((void *)a0, c, n);
  return (int64_t)n;
}

SYSDEF(chdir)
{
  int rc = los_copy_str(pathbuf, a0, sizeof(pathbuf));
  return rc < 0 ? rc : vfs_chdir(pathbuf);
}

SYSDEF(fchdir)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (f->type != LF_DIR)
    return -ENOTDIR;
  return vfs_chdir(f->path);
}

SYSDEF(dup)
{
  struct los_file *f = fd_get((int)a0);
  int fd;
  if (f == NULL)
    return -EBADF;
  f->refs++;
  fd = fd_install(f, false, 0);
  if (fd < 0)
    f->refs--;
  return fd;
}

/* dup2/dup3 close newfd: its POSIX locks go as with close. */
static int64_t dup_to(int oldfd, int newfd, bool cx)
{
  struct los_file *old = fd_get(newfd);

  if (fd_get(oldfd) != NULL && old != NULL && old != fd_get(oldfd))
    los_locks_close(old);
  return fd_dup(oldfd, newfd, cx);
}

SYSDEF(dup2)
{
  if (fd_get((int)a0) == NULL)
    return -EBADF;
  return a0 == a1 ? (int64_t)a1 : dup_to((int)a0, (int)a1, false);
}

SYSDEF(dup3)
{
  if (a0 == a1 || (a2 & ~(uint64_t)O_CLOEXEC))
    return -EINVAL;
  return dup_to((int)a0, (int)a1, (a2 & O_CLOEXEC) != 0);
}

SYSDEF(fcntl)
{
  struct los_file *f = fd_get((int)a0);
  int fd;

  if (f == NULL)
    return -EBADF;
  switch (a1) {
  case F_DUPFD:
  case F_DUPFD_CLOEXEC_:
    f->refs++;
    fd = fd_install(f, a1 == F_DUPFD_CLOEXEC_, (int)a2);
    if (fd < 0)
      f->refs--;
    return fd;
  case F_GETFD: return fd_get_cloexec((int)a0) ? FD_CLOEXEC : 0;
  case F_SETFD: fd_set_cloexec((int)a0, (a2 & FD_CLOEXEC) != 0); return 0;
  case F_GETFL: return f->flags & ~(uint32_t)O_CLOEXEC;
  case F_SETFL:
    f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) | (a2 & (O_APPEND | O_NONBLOCK));
    return 0;
  case F_GETLK:
  case F_SETLK:
  case F_SETLKW:
  case F_OFD_GETLK_:
  case F_OFD_SETLK_:
  case F_OFD_SETLKW_: return los_fcntl_lock(f, (int)a1, a2);
  case F_GETPIPE_SZ_:
  case F_SETPIPE_SZ_: return los_pipe_fcntl(f, (int)a1, a2);
  default: return -EINVAL;
  }
}

/* A request the host's terminal answers: the argument goes through a LibOS
 * buffer, so the monitor only ever sees LibOS memory. */
static int64_t tty_forward(struct los_file *f, uint32_t cmd, uint64_t uarg, uint64_t size, bool out)
{
  uint8_t buf[KTERMIOS_SIZE];
  int64_t rc;

  if (!USER_OK(uarg, size, out))
    return -EFAULT;
  memcpy(buf, (const void *)uarg, size);
  rc = los_host_ioctl(f->host_fd, cmd, buf, size);
  if (rc == 0 && out)
    memcpy((void *)uarg, buf, size);
  return rc;
}

/* The function is pid 1, its own session and foreground process group. */
static int64_t tty_ioctl(struct los_file *f, uint64_t cmd, uint64_t arg)
{
  switch (cmd) {
  case TCGETS_: return tty_forward(f, TCGETS_, arg, KTERMIOS_SIZE, true);
  case TCSETS_:
  case TCSETSW_:
  case TCSETSF_: return tty_forward(f, (uint32_t)cmd, arg, KTERMIOS_SIZE, false);
  case TIOCGWINSZ_: return tty_forward(f, TIOCGWINSZ_, arg, 8, true);
  case TIOCSWINSZ_: return tty_forward(f, TIOCSWINSZ_, arg, 8, false);
  case FIONREAD_: return tty_forward(f, FIONREAD_, arg, sizeof(int), true);
  case TIOCGPGRP_:
  case TIOCGSID_:
    if (!USER_OK(arg, sizeof(int), true))
      return -EFAULT;
    *(int *)arg = 1;
    return 0;
  case TIOCSPGRP_:
    if (!USER_OK(arg, sizeof(int), false))
      return -EFAULT;
    return *(const int *)arg == 1 ? 0 : -EPERM;
  case TIOCSCTTY_:
  case TIOCNOTTY_: return 0;
  default: return -ENOTTY;
  }
}

SYSDEF(ioctl)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  switch (a1) {
  case FIOCLEX_:
  case FIONCLEX_: fd_set_cloexec((int)a0, a1 == FIOCLEX_); return 0;
  case FIONBIO_:
    if (!USER_OK(a2, sizeof(int), false))
      return -EFAULT;
    f->flags = *(const int *)a2 ? f->flags | O_NONBLOCK : f->flags & ~(uint32_t)O_NONBLOCK;
    return 0;
  default: break;
  }
  if (f->ops != NULL)
    return f->ops->ioctl ? f->ops->ioctl(f, a1, a2) : -ENOTTY;
  if (a1 == FIONREAD_ && f->type == LF_REG) {
    struct los_kstat k;
    if (!USER_OK(a2, sizeof(int), true))
      return -EFAULT;
    vfs_stat(&f->vn, &k);
    *(int *)a2 = (int)(k.size > f->pos ? k.size - f->pos : 0);
    return 0;
  }
  if (f->type == LF_STDIO && f->vn.up != NULL)
    return tty_ioctl(f, a1, a2);
  return -ENOTTY;
}

static int64_t with_path(uint64_t upath, int (*fn)(int, const char *, uint32_t), int dirfd,
                         uint32_t arg)
{
  int rc = los_copy_str(pathbuf, upath, sizeof(pathbuf));
  return rc < 0 ? rc : fn(dirfd, pathbuf, arg);
}

static int do_mkdir(int dirfd, const char *path, uint32_t mode)
{
  return vfs_mkdir(dirfd, path, mode);
}

static int do_unlink(int dirfd, const char *path, uint32_t flags)
{
  if (flags & ~(uint32_t)AT_REMOVEDIR)
    return -EINVAL;
  return vfs_unlink(dirfd, path, (flags & AT_REMOVEDIR) != 0);
}

SYSDEF(mkdir)
{
  return with_path(a0, do_mkdir, AT_FDCWD, (uint32_t)a1);
}

SYSDEF(mkdirat)
{
  return with_path(a1, do_mkdir, (int)a0, (uint32_t)a2);
}

SYSDEF(unlink)
{
  return with_path(a0, do_unlink, AT_FDCWD, 0);
}

SYSDEF(unlinkat)
{
  return with_path(a1, do_unlink, (int)a0, (uint32_t)a2);
}

SYSDEF(rmdir)
{
  return with_path(a0, do_unlink, AT_FDCWD, AT_REMOVEDIR);
}

static int64_t do_rename(int odir, uint64_t op, int ndir, uint64_t np, unsigned flags)
{
  int rc = los_copy_str(pathbuf, op, sizeof(pathbuf));
  if (rc < 0 || (rc = los_copy_str(pathbuf2, np, sizeof(pathbuf2))) < 0)
    return rc;
  return vfs_rename(odir, pathbuf, ndir, pathbuf2, flags);
}

SYSDEF(rename)
{
  return do_rename(AT_FDCWD, a0, AT_FDCWD, a1, 0);
}

SYSDEF(renameat)
{
  return do_rename((int)a0, a1, (int)a2, a3, 0);
}

SYSDEF(renameat2)
{
  return do_rename((int)a0, a1, (int)a2, a3, (unsigned)a4);
}

static int64_t do_symlink(uint64_t target, int dirfd, uint64_t upath)
{
  int rc = los_copy_str(pathbuf2, target, sizeof(pathbuf2));
  if (rc < 0 || (rc = los_copy_str(pathbuf, upath, sizeof(pathbuf))) < 0)
    return rc;
  return vfs_symlink(pathbuf2, dirfd, pathbuf);
}

SYSDEF(symlink)
{
  return do_symlink(a0, AT_FDCWD, a1);
}

SYSDEF(symlinkat)
{
  return do_symlink(a0, (int)a1, a2);
}

SYSDEF(ftruncate)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if ((int64_t)a1 < 0)
    return -EINVAL;
  if ((f->flags & O_ACCMODE) == O_RDONLY)
    return -EINVAL;
  return vfs_truncate(f, a1);
}

SYSDEF(truncate)
{
  struct los_file *f;
  int rc = los_copy_str(pathbuf, a0, sizeof(pathbuf));
  if (rc < 0 || (rc = vfs_open(AT_FDCWD, pathbuf, O_WRONLY | VFS_O_PERM, 0, &f)) < 0)
    return rc;
  rc = vfs_truncate(f, a1);
  file_put(f);
  return rc;
}

SYSDEF(fsync)
{
  return fd_get((int)a0) ? 0 : -EBADF;
}

SYSDEF(fdatasync)
{
  return fd_get((int)a0) ? 0 : -EBADF;
}

SYSDEF(umask)
{
  uint32_t old = los_proc.umask;
  los_proc.umask = (uint32_t)a0 & 0777;
  return old;
}

struct statfs_ {
  int64_t f_type, f_bsize;
  uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
  int32_t f_fsid[2];
  int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

/* f_type by the type /proc/self/mountinfo shows (some runtimes tell the
 * cgroup version from statfs("/sys/fs/cgroup")). */
static const struct {
  const char *fstype;
  int64_t magic;
} fs_magic[] = {
    {"overlay", 0x794c7630}, {"tmpfs", 0x01021994},   {"proc", 0x9fa0},   {"sysfs", 0x62656572},
    {"cgroup", 0x27e0eb},    {"cgroup2", 0x63677270}, {"devpts", 0x1cd1}, {"mqueue", 0x19800202},
};

/* statfs of canonical path, or of stdio (a pipe) when path is NULL; magic
 * overrides the type (sockets, anonymous inodes). */
static int64_t statfs_out(const char *path, uint64_t ubuf, int64_t magic)
{
  struct statfs_ *s = (struct statfs_ *)ubuf;
  const struct los_mount *m = path ? los_vfs_mount_of(path) : NULL;

  if (!USER_OK(ubuf, sizeof(*s), true))
    return -EFAULT;
  memset(s, 0, sizeof(*s));
  s->f_type = 0x50495045; /* pipefs */
  for (size_t i = 0; m != NULL && i < LOS_ARRAY_SIZE(fs_magic); i++)
    if (strcmp(m->fstype, fs_magic[i].fstype) == 0)
      s->f_type = fs_magic[i].magic;
  if (magic != 0)
    s->f_type = magic;
  s->f_bsize = s->f_frsize = 4096;
  s->f_namelen = 255;
  s->f_flags = m != NULL && m->ro ? 1 : 0; /* ST_RDONLY */
  /* the image is full; what is written lands in memory: tmpfs and a
   * writable root (like overlayfs, which reports its upper layer) show the
   * memory pool */
  bool overlay = m != NULL && strcmp(m->fstype, "overlay") == 0;
  if (overlay && m->ro) {
    s->f_blocks = los_image.size / 4096;
    s->f_files = los_image.inos;
  } else if (overlay || (m != NULL && strcmp(m->fstype, "tmpfs") == 0)) {
    s->f_blocks = s->f_files = los_mm_pool_size() / 4096;
    s->f_bfree = s->f_bavail = s->f_ffree = (los_mm_pool_size() - los_mm_mapped()) / 4096;
  }
  return 0;
}

SYSDEF(statfs)
{
  static struct vres r;
  int rc = los_copy_str(pathbuf, a0, sizeof(pathbuf));
  if (rc < 0 || (rc = vfs_resolve(AT_FDCWD, pathbuf, VFS_FOLLOW, &r)) < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  return statfs_out(r.magic ? NULL : r.path, a1, 0);
}

SYSDEF(fstatfs)
{
  struct los_file *f = fd_get((int)a0);
  if (f == NULL)
    return -EBADF;
  if (f->ops == NULL)
    return statfs_out(f->path, a1, 0);
  /* pipefs, sockfs, anon_inodefs */
  return statfs_out(NULL, a1,
                    f->type == LF_PIPE     ? 0x50495045
                    : f->type == LF_SOCKET ? 0x534f434b
                                           : 0x09041934);
}

SYSDEF(sendfile)
{
  static char bounce[65536];
  struct los_file *in = fd_get((int)a1), *out = fd_get((int)a0);
  int64_t *offp = (int64_t *)a2, total = 0;
  uint64_t count = a3;

  if (in == NULL || out == NULL)
    return -EBADF;
  if (offp && !USER_OK(a2, 8, true))
    return -EFAULT;
  if (offp && *offp < 0)
    return -EINVAL;
  while (count > 0) {
    uint64_t chunk = LOS_MIN(count, sizeof(bounce));
    int64_t n = file_read(in, bounce, chunk, offp ? *offp : -1);
    if (n <= 0)
      return total ? total : n;
    int64_t w = file_write(out, bounce, (uint64_t)n, -1);
    if (w < 0)
      return total ? total : w;
    if (offp)
      *offp += w;
    total += w;
    count -= (uint64_t)w;
    if (w < n)
      break;
  }
  return total;
}
