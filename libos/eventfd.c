/* eventfd: a 64-bit counter; reads take it (or 1 in semaphore mode), writes
 * add to it and wait while it would pass 0xfffffffffffffffe. */
#include <linux/fcntl.h>

#include "iofile.h"
#include "syscall.h"

#define EFD_SEMAPHORE_ 1
#define COUNT_MAX 0xfffffffffffffffeULL

struct efd {
  uint64_t count, seq;
  bool semaphore;
  struct los_waitq q;
};

static int64_t efd_read(struct los_file *f, void *buf, uint64_t len)
{
  struct efd *e = f->priv;
  uint64_t v;

  if (len < 8)
    return -EINVAL;
  while (e->count == 0) {
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    if (los_wait(&e->q, 0) == -EINTR)
      return -ERESTARTSYS;
  }
  v = e->semaphore ? 1 : e->count;
  e->count -= v;
  memcpy(buf, &v, 8);
  e->seq++;
  los_wake(&e->q);
  return 8;
}

static int64_t efd_write(struct los_file *f, const void *buf, uint64_t len)
{
  struct efd *e = f->priv;
  uint64_t v;

  if (len < 8)
    return -EINVAL;
  memcpy(&v, buf, 8);
  if (v == UINT64_MAX)
    return -EINVAL;
  while (v > COUNT_MAX - e->count) {
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    if (los_wait(&e->q, 0) == -EINTR)
      return -ERESTARTSYS;
  }
  e->count += v;
  e->seq++;
  los_wake(&e->q);
  return 8;
}

static uint32_t efd_poll(struct los_file *f, struct los_pollctx *pc, uint64_t *seq)
{
  struct efd *e = f->priv;
  uint32_t r = 0;

  (void)pc;
  if (seq != NULL)
    *seq = e->seq;
  if (e->count > 0)
    r |= LPOLL_IN;
  if (e->count < COUNT_MAX)
    r |= LPOLL_OUT;
  return r;
}

static void efd_release(struct los_file *f)
{
  kfree(f->priv);
}

static const struct los_file_ops efd_ops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .release = efd_release,
    .mode = 0600,
    .link_fmt = "anon_inode:[eventfd]",
};

static int64_t do_eventfd(uint64_t initval, uint64_t flags)
{
  struct efd *e;
  struct los_file *f;

  if (flags & ~(uint64_t)(EFD_SEMAPHORE_ | O_CLOEXEC | O_NONBLOCK))
    return -EINVAL;
  if ((e = kzalloc(sizeof(*e))) == NULL)
    return -ENOMEM;
  e->count = (uint32_t)initval;
  e->semaphore = (flags & EFD_SEMAPHORE_) != 0;
  f = los_obj_file(LF_EVENTFD, &efd_ops, e, O_RDWR | (uint32_t)(flags & O_NONBLOCK), los_obj_ino());
  if (f == NULL) {
    kfree(e);
    return -ENOMEM;
  }
  return los_obj_install(f, (uint32_t)flags);
}

SYSDEF(eventfd)
{
  return do_eventfd(a0, 0);
}

SYSDEF(eventfd2)
{
  return do_eventfd(a0, a1);
}
