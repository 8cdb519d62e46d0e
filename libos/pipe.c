/* Pipes and FIFOs: a ring buffer (64 KiB unless F_SETPIPE_SZ), writes of up
 * to PIPE_BUF bytes are atomic, EOF once every writer is gone, EPIPE and
 * SIGPIPE once every reader is. */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "iofile.h"
#include "memfs.h"
#include "syscall.h"

#define PIPE_BUF_ 4096u
#define PIPE_DEF_SIZE 65536u
#define PIPE_MAX_SIZE 1048576u /* /proc/sys/fs/pipe-max-size */
#define F_SETPIPE_SZ_ 1031
#define F_GETPIPE_SZ_ 1032
#define FIONREAD_ 0x541b
#define SIGPIPE_ 13
#define O_NOTIFICATION_PIPE_ O_EXCL

struct pipe {
  char *buf; /* allocated at the first write */
  uint32_t cap, head, len;
  uint32_t readers, writers;
  struct los_waitq q; /* readers and writers both wait here */
  uint64_t seq, ino;
  struct mnode *fifo; /* the FIFO node it belongs to, or NULL */
  struct pipe *next;  /* open FIFOs */
};

static struct pipe *fifos;

static bool reads(const struct los_file *f)
{
  return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writes(const struct los_file *f)
{
  return (f->flags & O_ACCMODE) != O_RDONLY;
}

static void changed(struct pipe *p)
{
  p->seq++;
  los_wake(&p->q);
}

static int64_t pipe_read(struct los_file *f, void *buf, uint64_t len)
{
  struct pipe *p = f->priv;

  if (len == 0)
    return 0;
  while (p->len == 0) {
    int rc;
    if (p->writers == 0)
      return 0;
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    if ((rc = los_wait(&p->q, 0)) == -EINTR)
      return -ERESTARTSYS;
  }
  uint32_t n = (uint32_t)LOS_MIN(len, (uint64_t)p->len);
  uint32_t first = LOS_MIN(n, p->cap - p->head);
  memcpy(buf, p->buf + p->head, first);
  memcpy((char *)buf + first, p->buf, n - first);
  p->head = (p->head + n) % p->cap;
  p->len -= n;
  if (p->len == 0)
    p->head = 0;
  changed(p);
  return n;
}

static void put_bytes(struct pipe *p, const char *src, uint32_t n)
{
  uint32_t tail = (p->head + p->len) % p->cap;
  uint32_t first = LOS_MIN(n, p->cap - tail);
  memcpy(p->buf + tail, src, first);
  memcpy(p->buf, src + first, n - first);
  p->len += n;
}

static int64_t pipe_write(struct los_file *f, const void *buf, uint64_t len)
{
  struct pipe *p = f->priv;
  uint64_t done = 0;

  if (len == 0)
    return 0;
  if (p->buf == NULL && (p->buf = kmalloc(p->cap)) == NULL)
    return -ENOMEM;
  while (done < len) {
    uint32_t space = p->cap - p->len;
    uint64_t left = len - done;
    int rc;
    if (p->readers == 0) {
      los_signal_send_self(SIGPIPE_);
      return done ? (int64_t)done : -EPIPE;
    }
    /* up to PIPE_BUF bytes go in at once or not at all */
    if (space > 0 && (len > PIPE_BUF_ || space >= left)) {
      uint32_t n = (uint32_t)LOS_MIN(left, (uint64_t)space);
      put_bytes(p, (const char *)buf + done, n);
      done += n;
      changed(p);
      continue;
    }
    if (f->flags & O_NONBLOCK)
      return done ? (int64_t)done : -EAGAIN;
    if ((rc = los_wait(&p->q, 0)) == -EINTR)
      return done ? (int64_t)done : -ERESTARTSYS;
  }
  return (int64_t)done;
}

static uint32_t pipe_poll(struct los_file *f, struct los_pollctx *pc, uint64_t *seq)
{
  struct pipe *p = f->priv;
  uint32_t r = 0;

  (void)pc;
  if (seq != NULL)
    *seq = p->seq;
  if (reads(f)) {
    if (p->len > 0)
      r |= LPOLL_IN;
    if (p->writers == 0)
      r |= LPOLLHUP;
  }
  if (writes(f)) {
    if (p->cap - p->len >= PIPE_BUF_)
      r |= LPOLL_OUT;
    if (p->readers == 0)
      r |= LPOLLERR;
  }
  return r;
}

static void pipe_free(struct pipe *p)
{
  if (p->fifo != NULL) {
    for (struct pipe **pp = &fifos; *pp != NULL; pp = &(*pp)->next) {
      if (*pp == p) {
        *pp = p->next;
        break;
      }
    }
    mnode_put(p->fifo);
  }
  kfree(p->buf);
  kfree(p);
}

static void pipe_release(struct los_file *f)
{
  struct pipe *p = f->priv;

  if (reads(f))
    p->readers--;
  if (writes(f))
    p->writers--;
  changed(p);
  if (p->readers == 0 && p->writers == 0)
    pipe_free(p);
}

static int64_t pipe_ioctl(struct los_file *f, uint64_t cmd, uint64_t arg)
{
  struct pipe *p = f->priv;

  if (cmd != FIONREAD_)
    return -ENOTTY;
  if (!USER_OK(arg, sizeof(int), true))
    return -EFAULT;
  *(int *)arg = (int)p->len;
  return 0;
}

static const struct los_file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .release = pipe_release,
    .ioctl = pipe_ioctl,
    .mode = S_IFIFO | 0600,
    .link_fmt = "pipe:[%lu]",
};

static struct pipe *pipe_new(void)
{
  struct pipe *p = kzalloc(sizeof(*p));
  if (p == NULL)
    return NULL;
  p->cap = PIPE_DEF_SIZE;
  p->ino = los_obj_ino();
  return p;
}

/* An open file of p for acc (O_RDONLY, O_WRONLY, O_RDWR). */
static struct los_file *pipe_file(struct pipe *p, uint32_t flags)
{
  struct los_file *f = los_obj_file(LF_PIPE, &pipe_ops, p, flags, p->ino);
  if (f == NULL)
    return NULL;
  if (reads(f))
    p->readers++;
  if (writes(f))
    p->writers++;
  changed(p);
  return f;
}

static int64_t do_pipe(uint64_t ufds, uint64_t flags)
{
  int *out = (int *)ufds;
  struct los_file *r, *w;
  struct pipe *p;
  int fr, fw;

  if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE_))
    return -EINVAL;
  if (flags & (O_DIRECT | O_NOTIFICATION_PIPE_))
    return -EINVAL; /* packet mode and notification pipes are not provided */
  if (!USER_OK(ufds, 2 * sizeof(int), true))
    return -EFAULT;
  if ((p = pipe_new()) == NULL)
    return -ENOMEM;
  r = pipe_file(p, O_RDONLY | (uint32_t)(flags & O_NONBLOCK));
  w = pipe_file(p, O_WRONLY | (uint32_t)(flags & O_NONBLOCK));
  if (r == NULL || w == NULL) {
    file_put(r);
    file_put(w);
    if (r == NULL && w == NULL)
      pipe_free(p);
    return -ENOMEM;
  }
  if ((fr = los_obj_install(r, (uint32_t)flags)) < 0) {
    file_put(w);
    return fr;
  }
  if ((fw = los_obj_install(w, (uint32_t)flags)) < 0) {
    fd_close(fr);
    return fw;
  }
  out[0] = fr;
  out[1] = fw;
  return 0;
}

SYSDEF(pipe)
{
  return do_pipe(a0, 0);
}

SYSDEF(pipe2)
{
  return do_pipe(a0, a1);
}

int64_t los_pipe_fcntl(struct los_file *f, int cmd, uint64_t arg)
{
  struct pipe *p;
  uint32_t size = PIPE_BUF_;
  char *nb;

  if (f->type != LF_PIPE)
    return -EBADF;
  p = f->priv;
  if (cmd == F_GETPIPE_SZ_)
    return p->cap;
  if (cmd != F_SETPIPE_SZ_)
    return -EINVAL;
  if ((uint32_t)arg > PIPE_MAX_SIZE || arg > UINT32_MAX)
    return -EPERM;
  while (size < (uint32_t)arg)
    size <<= 1;
  if (size < p->len)
    return -EBUSY;
  if (size == p->cap)
    return size;
  if (p->buf != NULL) {
    if ((nb = kmalloc(size)) == NULL)
      return -ENOMEM;
    uint32_t first = LOS_MIN(p->len, p->cap - p->head);
    memcpy(nb, p->buf + p->head, first);
    memcpy(nb + first, p->buf, p->len - first);
    kfree(p->buf);
    p->buf = nb;
    p->head = 0;
  }
  p->cap = size;
  changed(p);
  return size;
}

/* FIFOs: one pipe per node while it is open. Opening for reading waits for
 * a writer and the other way round, unless O_NONBLOCK or O_RDWR. */
int los_fifo_open(struct mnode *n, int flags, struct los_file **out)
{
  struct pipe *p;
  struct los_file *f;
  uint32_t acc = (uint32_t)flags & O_ACCMODE;

  for (p = fifos; p != NULL && p->fifo != n; p = p->next)
    ;
  if (p == NULL) {
    if ((p = pipe_new()) == NULL)
      return -ENOMEM;
    p->fifo = n;
    n->refs++;
    p->ino = n->ino;
    p->next = fifos;
    fifos = p;
  }
  if (acc == O_WRONLY && (flags & O_NONBLOCK) && p->readers == 0) {
    if (p->writers == 0)
      pipe_free(p);
    return -ENXIO;
  }
  f = pipe_file(p, acc | ((uint32_t)flags & (O_NONBLOCK | O_APPEND)));
  if (f == NULL) {
    if (p->readers == 0 && p->writers == 0)
      pipe_free(p);
    return -ENOMEM;
  }
  while (!(flags & O_NONBLOCK) && acc != O_RDWR &&
         (acc == O_RDONLY ? p->writers : p->readers) == 0) {
    if (los_wait(&p->q, 0) == -EINTR) {
      file_put(f);
      return -ERESTARTSYS;
    }
  }
  *out = f;
  return 0;
}

/* mknod: FIFOs, sockets and regular files in the in-memory layer; devices
 * need CAP_MKNOD, which the function never has inside. */
static int64_t do_mknod(int dirfd, uint64_t upath, uint32_t mode)
{
  static char path[LOS_PATH_MAX];
  int rc = los_copy_str(path, upath, sizeof(path));
  uint32_t type = mode & S_IFMT;

  if (rc < 0)
    return rc;
  switch (type) {
  case 0: type = S_IFREG; break;
  case S_IFREG:
  case S_IFIFO:
  case S_IFSOCK: break;
  case S_IFCHR:
  case S_IFBLK:
  case S_IFDIR: return -EPERM;
  default: return -EINVAL;
  }
  return vfs_mknod(dirfd, path, type | (mode & 07777), NULL);
}

SYSDEF(mknod)
{
  return do_mknod(AT_FDCWD, a0, (uint32_t)a1);
}

SYSDEF(mknodat)
{
  return do_mknod((int)a0, a1, (uint32_t)a2);
}
