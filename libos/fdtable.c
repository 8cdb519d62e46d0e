/* The file descriptor table and open file descriptions. */
#include <linux/fcntl.h>

#include "iofile.h"
#include "memfs.h"
#include "task.h"
#include "vfs.h"

/* One table per process; CLONE_FILES threads share it. */
struct los_fdtab {
  int refs;
  struct los_file *fd[LOS_MAX_FDS];
  bool cx[LOS_MAX_FDS]; /* close-on-exec */
};

#define fds (los_curproc->files->fd)
#define cloexec (los_curproc->files->cx)

struct los_fdtab *los_fdtab_new(void)
{
  struct los_fdtab *t = kzalloc(sizeof(*t));
  if (t != NULL)
    t->refs = 1;
  return t;
}

/* fork: the child gets the same open file descriptions. */
struct los_fdtab *los_fdtab_dup(const struct los_fdtab *src)
{
  struct los_fdtab *t = los_fdtab_new();
  if (t == NULL)
    return NULL;
  for (int i = 0; i < LOS_MAX_FDS; i++) {
    t->fd[i] = src->fd[i];
    t->cx[i] = src->cx[i];
    if (t->fd[i] != NULL)
      t->fd[i]->refs++;
  }
  return t;
}

/* Close every fd of t (locks of the calling process go with them). */
static void close_all(struct los_fdtab *t, bool only_cloexec)
{
  for (int i = 0; i < LOS_MAX_FDS; i++) {
    struct los_file *f = t->fd[i];
    if (f == NULL || (only_cloexec && !t->cx[i]))
      continue;
    t->fd[i] = NULL;
    los_locks_close(f);
    file_put(f);
  }
}

void los_fdtab_get(struct los_fdtab *t)
{
  t->refs++;
}

void los_fdtab_put(struct los_fdtab *t)
{
  if (t == NULL || --t->refs > 0)
    return;
  close_all(t, false);
  kfree(t);
}

void los_fdtab_exec(struct los_fdtab *t)
{
  close_all(t, true);
}

struct los_file *file_stdio(int host_fd, uint32_t flags)
{
  struct los_file *f = kzalloc(sizeof(*f));
  if (f == NULL)
    los_panic("out of memory");
  f->refs = 1;
  f->type = LF_STDIO;
  f->host_fd = host_fd;
  f->flags = flags;
  f->vn.up = los_tty_node();
  if (f->vn.up != NULL) {
    f->vn.up->refs++;
    f->flags = (flags & ~(uint32_t)O_ACCMODE) | O_RDWR; /* like runc's slave fds */
  }
  f->path = f->vn.up != NULL ? kstrdup("/dev/pts/0") : NULL; /* pipe:[N] in /proc */
  return f;
}

struct los_file *file_stdio_pty(int host_fd, struct mnode *node, const char *path)
{
  struct los_file *f = kzalloc(sizeof(*f));
  if (f == NULL)
    los_panic("out of memory");
  f->refs = 1;
  f->type = LF_STDIO;
  f->host_fd = host_fd;
  f->flags = O_RDWR;
  f->vn.up = node;
  node->refs++;
  f->path = kstrdup(path);
  return f;
}

/* close_range(2): close [first, last], or mark them close-on-exec. */
int fd_close_range(unsigned first, unsigned last, bool cx_only)
{
  for (unsigned fd = first; fd <= last && fd < LOS_MAX_FDS; fd++) {
    if (fds[fd] == NULL)
      continue;
    if (cx_only) {
      cloexec[fd] = true;
      continue;
    }
    struct los_file *f = fds[fd];
    fds[fd] = NULL;
    los_locks_close(f);
    file_put(f);
  }
  return 0;
}

void file_put(struct los_file *f)
{
  if (f == NULL || --f->refs > 0)
    return;
  los_file_release(f); /* epoll entries, locks, the object behind an I/O file */
  if (f->vn.up != NULL)
    mnode_put(f->vn.up);
  kfree(f->path);
  kfree(f->data);
  kfree(f);
}

int fd_install(struct los_file *f, bool cx, int min)
{
  uint64_t limit = LOS_MIN(los_proc.rlim_cur[7], (uint64_t)LOS_MAX_FDS); /* RLIMIT_NOFILE */
  for (int fd = min < 0 ? 0 : min; (uint64_t)fd < limit; fd++) {
    if (fds[fd] == NULL) {
      fds[fd] = f;
      cloexec[fd] = cx;
      return fd;
    }
  }
  return -EMFILE;
}

struct los_file *fd_get(int fd)
{
  return fd >= 0 && fd < LOS_MAX_FDS ? fds[fd] : NULL;
}

int fd_close(int fd)
{
  struct los_file *f = fd_get(fd);
  if (f == NULL)
    return -EBADF;
  fds[fd] = NULL;
  file_put(f);
  return 0;
}

int fd_dup(int oldfd, int newfd, bool cx)
{
  struct los_file *f = fd_get(oldfd);
  if (f == NULL)
    return -EBADF;
  if (newfd < 0 || newfd >= LOS_MAX_FDS || (uint64_t)newfd >= los_proc.rlim_cur[7])
    return -EBADF;
  f->refs++;
  if (fds[newfd] != NULL)
    file_put(fds[newfd]);
  fds[newfd] = f;
  cloexec[newfd] = cx;
  return newfd;
}

int fd_get_cloexec(int fd)
{
  return fd_get(fd) ? cloexec[fd] : -EBADF;
}

void fd_set_cloexec(int fd, bool on)
{
  if (fd_get(fd))
    cloexec[fd] = on;
}

int los_fd_describe(int fd, char *buf, size_t size)
{
  struct los_file *f = fd_get(fd);

  if (f == NULL)
    return -EBADF;
  /* the host end of stdio is not known inside; it behaves as a pipe */
  int n = f->path ? los_snprintf(buf, size, "%s", f->path)
                  : los_snprintf(buf, size, "pipe:[%d]", f->host_fd);
  return (int)LOS_MIN((size_t)n, size - 1);
}
