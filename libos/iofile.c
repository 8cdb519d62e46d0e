/* I/O objects: open files with operations, readiness for poll, select and
 * epoll, and the wait they share. Stdio readiness comes from the monitor. */
#include <linux/fcntl.h>

#include "iofile.h"
#include "syscall.h"

uint64_t los_stdio_seq[3];
static uint64_t next_ino = 20000;

uint64_t los_obj_ino(void)
{
  return next_ino++;
}

struct los_file *los_obj_file(enum los_file_type type, const struct los_file_ops *ops, void *priv,
                              uint32_t flags, uint64_t ino)
{
  struct los_file *f = kzalloc(sizeof(*f));
  char buf[64];

  if (f == NULL)
    return NULL;
  los_snprintf(buf, sizeof(buf), ops->link_fmt, (unsigned long)ino);
  f->path = kstrdup(buf);
  if (f->path == NULL) {
    kfree(f);
    return NULL;
  }
  f->refs = 1;
  f->type = type;
  f->host_fd = -1;
  f->vn = VNODE(NULL, LOS_NO_NID, false);
  f->flags = flags & ~(uint32_t)O_CLOEXEC;
  f->ops = ops;
  f->priv = priv;
  f->obj_ino = ino;
  return f;
}

int los_obj_install(struct los_file *f, uint32_t flags)
{
  int fd = fd_install(f, (flags & O_CLOEXEC) != 0, 0);
  if (fd < 0)
    file_put(f);
  return fd;
}

void los_file_release(struct los_file *f)
{
  los_epoll_forget(f);
  los_locks_release(f);
  if (f->ops != NULL && f->ops->release != NULL)
    f->ops->release(f);
}

uint32_t los_file_poll(struct los_file *f, uint32_t events, struct los_pollctx *pc, uint64_t *seq)
{
  uint32_t always = LPOLLERR | LPOLLHUP, r = 0;

  if (seq != NULL)
    *seq = 0;
  if (f->ops != NULL)
    return f->ops->poll(f, pc, seq) & (events | always);
  if (f->type == LF_STDIO) {
    int h = f->host_fd;
    if (seq != NULL)
      *seq = los_stdio_seq[h];
    if (!pc->host_valid) {
      pc->host_events[h] |= (uint16_t)(((events & (LPOLL_IN | LPOLLRDHUP)) ? LPOLLIN : 0) |
                                       ((events & (LPOLL_OUT | LPOLLWRBAND)) ? LPOLLOUT : 0));
      return 0;
    }
    uint32_t hr = pc->host_revents[h];
    if (hr & LPOLLIN)
      r |= LPOLL_IN;
    if (hr & LPOLLOUT)
      r |= LPOLL_OUT;
    return (r | (hr & always)) & (events | always);
  }
  /* files and devices of the LibOS never wait */
  r = LPOLL_IN;
  if (f->type != LF_DIR)
    r |= LPOLL_OUT;
  return r & events;
}

int los_poll_host_now(struct los_pollctx *pc)
{
  struct tl_hc req = {.nr = TL_HC_POLL};
  int64_t rc;

  memcpy(req.u.poll.events, pc->host_events, sizeof(req.u.poll.events));
  req.u.poll.timeout_ns = 0;
  rc = los_hc(&req);
  if (rc == -EINTR)
    rc = 0; /* a signal: the caller's wait decides */
  if (rc < 0)
    return (int)rc;
  memcpy(pc->host_revents, req.u.poll.revents, sizeof(pc->host_revents));
  pc->host_valid = true;
  return 0;
}

int los_poll_wait(struct los_pollctx *pc, uint64_t deadline_ns)
{
  uint64_t d = deadline_ns;
  int rc;

  if (pc->wake_ns != 0 && (d == 0 || pc->wake_ns < d))
    d = pc->wake_ns;
  rc = los_wait_host(&los_poll_wq, pc->host_events, pc->host_revents, d);
  if (rc == -ETIMEDOUT && d != deadline_ns)
    rc = 0; /* a timer of a file: scan again */
  pc->host_valid = false;
  return rc;
}

int los_poll_run(int (*scan)(void *arg, struct los_pollctx *pc), void *arg, int64_t timeout_ns)
{
  uint64_t deadline = los_deadline(timeout_ns);

  for (;;) {
    struct los_pollctx pc = {0};
    int ready, rc;

    /* which stdio streams to ask the monitor about (and bad fds) */
    if ((ready = scan(arg, &pc)) < 0)
      return ready;
    if ((pc.host_events[0] | pc.host_events[1] | pc.host_events[2]) != 0) {
      if ((rc = los_poll_host_now(&pc)) < 0)
        return rc;
    }
    pc.host_valid = true;
    pc.wake_ns = 0;
    if ((ready = scan(arg, &pc)) != 0 || timeout_ns == 0)
      return ready;
    if ((rc = los_poll_wait(&pc, deadline)) == -ETIMEDOUT)
      return 0;
    if (rc < 0)
      return rc;
  }
}
