/* poll/ppoll/select/pselect6. Files and devices in the LibOS are always
 * ready; only the container's stdio can make a caller wait, and that wait
 * happens in the monitor (TL_HC_POLL). */
#include "sched.h"
#include "syscall.h"
#include "vfs.h"

#define POLLIN_ 0x001
#define POLLPRI_ 0x002
#define POLLOUT_ 0x004
#define POLLERR_ 0x008
#define POLLHUP_ 0x010
#define POLLNVAL_ 0x020
#define POLLRDNORM_ 0x040
#define POLLWRNORM_ 0x100
#define POLL_MAX 4096

struct pollfd_ {
  int32_t fd;
  int16_t events, revents;
};

struct ts_ {
  int64_t sec, nsec;
};

/* What a LibOS file answers by itself. */
static int16_t local_revents(const struct los_file *f, int16_t events)
{
  int16_t r = 0;

  if (events & (POLLIN_ | POLLRDNORM_))
    r |= events & (POLLIN_ | POLLRDNORM_);
  if ((events & (POLLOUT_ | POLLWRNORM_)) && f->type != LF_DIR)
    r |= events & (POLLOUT_ | POLLWRNORM_);
  return r;
}

/* Stdio entries: ask the monitor, waiting only when nothing else is ready. */
static int poll_stdio(struct pollfd_ *fds, uint64_t n, int ready, int64_t timeout_ns, bool *waited)
{
  struct tl_hc req = {.nr = TL_HC_POLL};
  bool any = false;
  int64_t rc;

  for (uint64_t i = 0; i < n; i++) {
    struct los_file *f = fds[i].fd < 0 ? NULL : fd_get(fds[i].fd);
    if (f == NULL || f->type != LF_STDIO)
      continue;
    req.u.poll.events[f->host_fd] |=
        (uint16_t)(((fds[i].events & (POLLIN_ | POLLRDNORM_)) ? POLLIN_ : 0) |
                   ((fds[i].events & (POLLOUT_ | POLLWRNORM_)) ? POLLOUT_ : 0));
    any = true;
  }
  if (!any)
    return ready;
  *waited = true;
  if (ready > 0 || timeout_ns == 0) {
    req.u.poll.timeout_ns = 0;
    rc = los_hc(&req);
  } else {
    /* wait without holding the vCPU: other threads may run meanwhile */
    uint64_t dl = timeout_ns < 0 ? 0 : los_time_monotonic_ns() + (uint64_t)timeout_ns;
    rc = los_wait_host(NULL, req.u.poll.events, req.u.poll.revents, dl);
    if (rc == -ETIMEDOUT)
      rc = 0;
    else if (rc == 0)
      rc = 1;
  }
  if (rc == -EINTR)
    return -ERESTARTNOHAND; /* a handler makes it EINTR, anything else restarts */
  if (rc < 0)
    return (int)rc;
  for (uint64_t i = 0; i < n; i++) {
    struct los_file *f = fds[i].fd < 0 ? NULL : fd_get(fds[i].fd);
    int16_t hr, r = 0;
    if (f == NULL || f->type != LF_STDIO)
      continue;
    hr = (int16_t)req.u.poll.revents[f->host_fd];
    if (hr & POLLIN_)
      r |= fds[i].events & (POLLIN_ | POLLRDNORM_);
    if (hr & POLLOUT_)
      r |= fds[i].events & (POLLOUT_ | POLLWRNORM_);
    r |= hr & (POLLERR_ | POLLHUP_);
    fds[i].revents = r;
    if (r != 0)
      ready++;
  }
  return ready;
}

static int64_t do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
  struct pollfd_ *fds = (struct pollfd_ *)ufds;
  bool waited = false;
  int ready = 0;

  if (n > POLL_MAX)
    return -EINVAL;
  if (!USER_OK(ufds, n * sizeof(*fds), true))
    return -EFAULT;
  for (uint64_t i = 0; i < n; i++) {
    struct los_file *f = fds[i].fd < 0 ? NULL : fd_get(fds[i].fd);
    fds[i].revents = 0;
    if (fds[i].fd < 0)
      continue;
    if (f == NULL)
      fds[i].revents = POLLNVAL_;
    else if (f->type != LF_STDIO)
      fds[i].revents = local_revents(f, fds[i].events);
    if (fds[i].revents != 0)
      ready++;
  }
  ready = poll_stdio(fds, n, ready, timeout_ns, &waited);
  if (ready != 0 || waited || timeout_ns == 0)
    return ready;
  /* nothing here can become ready: wait out the timeout, or until a handler is due */
  if (timeout_ns > 0) {
    uint64_t end = los_time_monotonic_ns() + (uint64_t)timeout_ns, now;
    while ((now = los_time_monotonic_ns()) < end)
      if (los_wait(NULL, end) == -EINTR)
        return -EINTR;
    return 0;
  }
  while (los_wait(NULL, 0) != -EINTR)
    ;
  return -EINTR;
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
