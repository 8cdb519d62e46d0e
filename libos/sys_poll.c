/* poll, ppoll, select, pselect6 over los_file_poll: LibOS objects answer
 * themselves, the container's stdio is asked of the monitor, and a caller
 * with nothing ready waits on los_poll_wq (and the stdio streams). */
#include "iofile.h"
#include "syscall.h"

struct pollfd_ {
  int32_t fd;
  int16_t events, revents;
};

struct ts_ {
  int64_t sec, nsec;
};

struct tv_ {
  int64_t sec, usec;
};

struct poll_args {
  struct pollfd_ *fds;
  uint64_t n;
};

static int poll_scan(void *arg, struct los_pollctx *pc)
{
  struct poll_args *a = arg;
  int ready = 0;

  for (uint64_t i = 0; i < a->n; i++) {
    struct pollfd_ *p = &a->fds[i];
    struct los_file *f = p->fd < 0 ? NULL : fd_get(p->fd);
    uint32_t r = 0;
    if (p->fd >= 0)
      r = f == NULL ? LPOLLNVAL : los_file_poll(f, (uint16_t)p->events, pc, NULL);
    p->revents = (int16_t)r;
    if (r != 0)
      ready++;
  }
  return ready;
}

static int64_t do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
  struct poll_args a = {(struct pollfd_ *)ufds, n};
  int rc;

  if (n > los_proc.rlim_cur[7] || n > (1U << 20)) /* RLIMIT_NOFILE */
    return -EINVAL;
  if (!USER_OK(ufds, n * sizeof(struct pollfd_), true))
    return -EFAULT;
  rc = los_poll_run(poll_scan, &a, timeout_ns);
  return rc == -EINTR ? -ERESTARTNOHAND : rc; /* EINTR when a handler runs */
}

static int64_t timeout_from_ts(uint64_t uts, int64_t *out)
{
  const struct ts_ *t = (const struct ts_ *)uts;

  *out = -1;
  if (uts == 0)
    return 0;
  if (!USER_OK(uts, sizeof(*t), false))
    return -EFAULT;
  if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
    return -EINVAL;
  *out = t->sec > 1000000000 ? INT64_MAX : t->sec * 1000000000 + t->nsec;
  return 0;
}

SYSDEF(poll)
{
  int ms = (int)a2;
  return do_poll(a0, a1, ms < 0 ? -1 : (int64_t)ms * 1000000);
}

SYSDEF(ppoll)
{
  int64_t ns;
  int64_t rc = timeout_from_ts(a2, &ns);
  return rc < 0 ? rc : do_poll(a0, a1, ns); /* the signal mask is not applied */
}

/* select: fd_set bit arrays of nfds bits in 64-bit words, as the kernel
 * reads them. */
#define SEL_WORDS (LOS_MAX_FDS / 64)
#define SEL_IN (LPOLL_IN | LPOLLRDBAND | LPOLLHUP | LPOLLERR)
#define SEL_OUT (LPOLL_OUT | LPOLLWRBAND | LPOLLERR)
#define SEL_EX LPOLLPRI

struct sel_args {
  int n;
  uint64_t in[3][SEL_WORDS], out[3][SEL_WORDS];
};

static int sel_scan(void *arg, struct los_pollctx *pc)
{
  struct sel_args *a = arg;
  static const uint32_t want[3] = {SEL_IN, SEL_OUT, SEL_EX};
  int ready = 0;

  memset(a->out, 0, sizeof(a->out));
  for (int fd = 0; fd < a->n; fd++) {
    uint64_t bit = 1ULL << (fd % 64);
    uint32_t ev = 0, r;
    struct los_file *f;
    for (int k = 0; k < 3; k++)
      if (a->in[k][fd / 64] & bit)
        ev |= want[k];
    if (ev == 0)
      continue;
    if ((f = fd_get(fd)) == NULL)
      return -EBADF;
    r = los_file_poll(f, ev, pc, NULL);
    for (int k = 0; k < 3; k++) {
      if ((a->in[k][fd / 64] & bit) && (r & want[k])) {
        a->out[k][fd / 64] |= bit;
        ready++;
      }
    }
  }
  return ready;
}

/* timeout_ns < 0: none; the time left is written to ut (a timeval for
 * select, a timespec for pselect6), as Linux does. */
static int64_t do_select(uint64_t nfds, const uint64_t usets[3], int64_t timeout_ns, uint64_t ut,
                         bool tv)
{
  static struct sel_args a;
  uint64_t bytes, start = los_time_monotonic_ns();
  int64_t rc;

  if ((int)nfds < 0)
    return -EINVAL;
  a.n = (int)LOS_MIN(nfds, (uint64_t)LOS_MAX_FDS);
  bytes = (uint64_t)(a.n + 63) / 64 * 8;
  memset(a.in, 0, sizeof(a.in));
  for (int k = 0; k < 3; k++) {
    if (usets[k] == 0)
      continue;
    if (!USER_OK(usets[k], bytes, true))
      return -EFAULT;
    memcpy(a.in[k], (const void *)usets[k], bytes);
    if (a.n % 64 != 0) /* bits past nfds are not looked at */
      a.in[k][a.n / 64] &= (1ULL << (a.n % 64)) - 1;
  }
  rc = los_poll_run(sel_scan, &a, timeout_ns);
  if (rc >= 0) {
    for (int k = 0; k < 3; k++)
      if (usets[k] != 0)
        memcpy((void *)usets[k], a.out[k], bytes);
  }
  if (ut != 0 && timeout_ns > 0 && (rc >= 0 || rc == -EINTR)) {
    uint64_t spent = los_time_monotonic_ns() - start;
    uint64_t left = spent >= (uint64_t)timeout_ns ? 0 : (uint64_t)timeout_ns - spent;
    if (tv && USER_OK(ut, sizeof(struct tv_), true))
      *(struct tv_ *)ut =
          (struct tv_){(int64_t)(left / 1000000000ULL), (int64_t)(left % 1000000000ULL / 1000)};
    else if (!tv && USER_OK(ut, sizeof(struct ts_), true))
      *(struct ts_ *)ut =
          (struct ts_){(int64_t)(left / 1000000000ULL), (int64_t)(left % 1000000000ULL)};
  }
  return rc == -EINTR ? -ERESTARTNOHAND : rc;
}

SYSDEF(select)
{
  uint64_t sets[3] = {a1, a2, a3};
  int64_t ns = -1;

  if (a4 != 0) {
    const struct tv_ *t = (const struct tv_ *)a4;
    if (!USER_OK(a4, sizeof(*t), false))
      return -EFAULT;
    if (t->sec < 0 || t->usec < 0)
      return -EINVAL;
    /* Linux folds microseconds of a second or more into the seconds */
    uint64_t us = (uint64_t)t->usec;
    ns = t->sec > 1000000000 ? INT64_MAX
                             : t->sec * 1000000000 + (int64_t)LOS_MIN(us, 1000000000ULL) * 1000;
  }
  return do_select(a0, sets, ns, a4, true);
}

SYSDEF(pselect6)
{
  uint64_t sets[3] = {a1, a2, a3};
  int64_t ns;
  int64_t rc = timeout_from_ts(a4, &ns);

  /* the signal mask (a5) is not applied */
  return rc < 0 ? rc : do_select(a0, sets, ns, a4, false);
}
