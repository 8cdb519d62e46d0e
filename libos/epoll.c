/* epoll: an interest list of (open file, fd) entries scanned with
 * los_file_poll. Level-triggered by default; EPOLLET reports an entry again
 * only after its object changed (the object's sequence number); EPOLLONESHOT
 * disables it until EPOLL_CTL_MOD. Entries go when their open file
 * description is finally released (los_epoll_forget). */
#include <linux/fcntl.h>

#include "iofile.h"
#include "syscall.h"

#define EPOLL_CTL_ADD_ 1
#define EPOLL_CTL_DEL_ 2
#define EPOLL_CTL_MOD_ 3
#define EPOLLEXCLUSIVE_ (1u << 28)
#define EPOLLWAKEUP_ (1u << 29)
#define EPOLLONESHOT_ (1u << 30)
#define EPOLLET_ (1u << 31)
#define EP_FLAGS (EPOLLEXCLUSIVE_ | EPOLLWAKEUP_ | EPOLLONESHOT_ | EPOLLET_)
#define EP_MAX_NESTS 4

struct epoll_event_ {
  uint32_t events;
  uint64_t data;
} __attribute__((packed));

struct epitem {
  struct los_file *f;
  int fd;
  uint32_t events;
  uint64_t data;
  bool disabled;  /* EPOLLONESHOT fired */
  bool armed;     /* EPOLLET: report whatever is ready */
  uint64_t seq;   /* EPOLLET: the object's sequence number when last reported */
  uint32_t shown; /* ... and the events then */
  struct epitem *next;
};

struct ep {
  struct epitem *items;
  struct ep *next;
  uint64_t seq;
  uint32_t rotate; /* where the next scan starts, so every ready entry gets its turn */
};

static struct ep *eps;

/* The events entry it would report now (0: none), and its sequence number. */
static uint32_t item_events(struct epitem *it, struct los_pollctx *pc, uint64_t *seq)
{
  uint32_t r;

  if (it->disabled)
    return 0;
  r = los_file_poll(it->f, it->events & ~EP_FLAGS, pc, seq);
  if (r == 0)
    return 0;
  if ((it->events & EPOLLET_) && !it->armed && *seq == it->seq && (r & ~it->shown) == 0)
    return 0;
  return r;
}

static uint32_t ep_poll(struct los_file *f, struct los_pollctx *pc, uint64_t *seq)
{
  struct ep *e = f->priv;
  uint64_t sum = e->seq, s;
  uint32_t r = 0;

  if (pc->depth > EP_MAX_NESTS)
    return 0;
  pc->depth++;
  for (struct epitem *it = e->items; it != NULL; it = it->next) {
    if (item_events(it, pc, &s) != 0)
      r = LPOLL_IN;
    sum += s;
  }
  pc->depth--;
  if (seq != NULL)
    *seq = sum;
  return r;
}

static int64_t ep_read(struct los_file *f, void *buf, uint64_t len)
{
  return -EINVAL;
}

static int64_t ep_write(struct los_file *f, const void *buf, uint64_t len)
{
  return -EINVAL;
}

static void ep_release(struct los_file *f)
{
  struct ep *e = f->priv;

  for (struct ep **pp = &eps; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == e) {
      *pp = e->next;
      break;
    }
  }
  while (e->items != NULL) {
    struct epitem *it = e->items;
    e->items = it->next;
    kfree(it);
  }
  kfree(e);
}

static const struct los_file_ops ep_ops = {
    .read = ep_read,
    .write = ep_write,
    .poll = ep_poll,
    .release = ep_release,
    .mode = 0600,
    .link_fmt = "anon_inode:[eventpoll]",
};

void los_epoll_forget(struct los_file *f)
{
  for (struct ep *e = eps; e != NULL; e = e->next) {
    for (struct epitem **pp = &e->items; *pp != NULL;) {
      struct epitem *it = *pp;
      if (it->f == f) {
        *pp = it->next;
        kfree(it);
        e->seq++;
      } else {
        pp = &it->next;
      }
    }
  }
}

static int64_t do_create(uint64_t flags)
{
  struct ep *e;
  struct los_file *f;

  if (flags & ~(uint64_t)O_CLOEXEC)
    return -EINVAL;
  if ((e = kzalloc(sizeof(*e))) == NULL)
    return -ENOMEM;
  f = los_obj_file(LF_EPOLL, &ep_ops, e, O_RDWR, los_obj_ino());
  if (f == NULL) {
    kfree(e);
    return -ENOMEM;
  }
  e->next = eps;
  eps = e;
  return los_obj_install(f, (uint32_t)flags);
}

SYSDEF(epoll_create)
{
  return (int)a0 <= 0 ? -EINVAL : do_create(0);
}

SYSDEF(epoll_create1)
{
  return do_create(a0);
}

/* Whether `to` can be reached from epoll instance `from` (a loop if added),
 * or the chain would be deeper than Linux allows. */
static bool reaches(const struct ep *from, const struct ep *to, int depth)
{
  if (from == to || depth > EP_MAX_NESTS)
    return true;
  for (const struct epitem *it = from->items; it != NULL; it = it->next)
    if (it->f->type == LF_EPOLL && reaches(it->f->priv, to, depth + 1))
      return true;
  return false;
}

static struct epitem **find(struct ep *e, const struct los_file *f, int fd)
{
  struct epitem **pp = &e->items;
  while (*pp != NULL && ((*pp)->f != f || (*pp)->fd != fd))
    pp = &(*pp)->next;
  return pp;
}

SYSDEF(epoll_ctl)
{
  struct los_file *ef = fd_get((int)a0), *f = fd_get((int)a2);
  struct epoll_event_ ev = {0};
  struct epitem **pp, *it;
  struct ep *e;

  if (ef == NULL || f == NULL)
    return -EBADF;
  if (ef->type != LF_EPOLL || ef == f)
    return -EINVAL;
  if (f->ops == NULL && f->type != LF_STDIO)
    return -EPERM; /* files and directories are always ready */
  e = ef->priv;
  if (a1 != EPOLL_CTL_DEL_) {
    if (!USER_OK(a3, sizeof(ev), false))
      return -EFAULT;
    memcpy(&ev, (const void *)a3, sizeof(ev));
    if ((ev.events & EPOLLEXCLUSIVE_) &&
        (a1 == EPOLL_CTL_MOD_ || (ev.events & EPOLLONESHOT_) || f->type == LF_EPOLL))
      return -EINVAL;
  }
  pp = find(e, f, (int)a2);
  switch (a1) {
  case EPOLL_CTL_ADD_:
    if (*pp != NULL)
      return -EEXIST;
    if (f->type == LF_EPOLL && reaches(f->priv, e, 1))
      return -ELOOP;
    if ((it = kzalloc(sizeof(*it))) == NULL)
      return -ENOMEM;
    it->f = f;
    it->fd = (int)a2;
    *pp = it; /* at the end: entries are reported in the order they were added */
    break;
  case EPOLL_CTL_MOD_:
    if (*pp == NULL)
      return -ENOENT;
    it = *pp;
    if (it->events & EPOLLEXCLUSIVE_)
      return -EINVAL;
    break;
  case EPOLL_CTL_DEL_:
    if (*pp == NULL)
      return -ENOENT;
    it = *pp;
    *pp = it->next;
    kfree(it);
    e->seq++;
    return 0;
  default: return -EINVAL;
  }
  it->events = ev.events | LPOLLERR | LPOLLHUP;
  it->data = ev.data;
  it->disabled = false;
  it->armed = true;
  e->seq++;
  los_wake(&los_poll_wq);
  return 0;
}

struct wait_args {
  struct ep *e;
  struct epoll_event_ *out;
  int max;
};

static int ep_scan(void *arg, struct los_pollctx *pc)
{
  struct wait_args *a = arg;
  struct ep *e = a->e;
  uint32_t n = 0, start, i = 0;
  struct epitem *it;
  int got = 0;

  for (it = e->items; it != NULL; it = it->next)
    n++;
  if (n == 0)
    return 0;
  start = e->rotate % n;
  for (it = e->items; i < start; it = it->next)
    i++;
  for (uint32_t k = 0; k < n && got < a->max; k++) {
    uint64_t seq;
    uint32_t r = item_events(it, pc, &seq);
    struct epitem *cur = it;
    it = it->next != NULL ? it->next : e->items;
    if (r == 0)
      continue;
    got++;
    if (!pc->host_valid)
      continue; /* the first pass only asks which stdio streams matter */
    a->out[got - 1].events = r;
    a->out[got - 1].data = cur->data;
    cur->armed = false;
    cur->seq = seq;
    cur->shown = r;
    if (cur->events & EPOLLONESHOT_)
      cur->disabled = true;
    e->rotate = start + k + 1;
  }
  return got;
}

static int64_t do_wait(uint64_t epfd, uint64_t uev, uint64_t max, int64_t timeout_ns)
{
  struct los_file *ef = fd_get((int)epfd);
  struct wait_args a;
  int rc;

  if ((int)max <= 0 || (int)max > (int)(0x7fffffff / sizeof(struct epoll_event_)))
    return -EINVAL;
  if (!USER_OK(uev, (uint64_t)(int)max * sizeof(struct epoll_event_), true))
    return -EFAULT;
  if (ef == NULL)
    return -EBADF;
  if (ef->type != LF_EPOLL)
    return -EINVAL;
  a = (struct wait_args){ef->priv, (struct epoll_event_ *)uev, (int)max};
  rc = los_poll_run(ep_scan, &a, timeout_ns);
  return rc; /* -EINTR: epoll_wait is never restarted */
}

SYSDEF(epoll_wait)
{
  int ms = (int)a3;
  return do_wait(a0, a1, a2, ms < 0 ? -1 : (int64_t)ms * 1000000);
}

SYSDEF(epoll_pwait)
{
  int ms = (int)a3;
  return do_wait(a0, a1, a2, ms < 0 ? -1 : (int64_t)ms * 1000000); /* the mask is not applied */
}

SYSDEF(epoll_pwait2)
{
  const struct {
    int64_t sec, nsec;
  } *t = (const void *)a3;
  int64_t ns = -1;

  if (a3 != 0) {
    if (!USER_OK(a3, sizeof(*t), false))
      return -EFAULT;
    if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
      return -EINVAL;
    ns = t->sec > 1000000000 ? INT64_MAX : t->sec * 1000000000 + t->nsec;
  }
  return do_wait(a0, a1, a2, ns);
}
