/* Wait queues. One task runs per trustlet for now, so nothing inside can
 * wake a sleeper: a wait ends at its deadline, on a signal or on host
 * readiness, and the sleep itself happens in the monitor. */
#include "sched.h"
#include "syscall.h"

struct los_waitq los_poll_wq;

void los_wake(struct los_waitq *q)
{
  (void)q;
}

int los_wait_host(struct los_waitq *q, const uint16_t events[3], uint16_t revents[3],
                  uint64_t deadline_ns)
{
  bool host = events != NULL && (events[0] | events[1] | events[2]) != 0;

  (void)q;
  if (revents != NULL)
    memset(revents, 0, 3 * sizeof(*revents));
  for (;;) {
    uint64_t now = los_time_monotonic_ns();
    if (los_signal_wake())
      return -EINTR;
    if (deadline_ns != 0 && now >= deadline_ns)
      return -ETIMEDOUT;
    uint64_t ns = deadline_ns != 0 ? deadline_ns - now : 3600ULL * 1000000000ULL;
    if (!host) {
      los_sleep_ns(ns);
      continue;
    }
    struct tl_hc req = {.nr = TL_HC_POLL};
    memcpy(req.u.poll.events, events, sizeof(req.u.poll.events));
    req.u.poll.timeout_ns = (int64_t)ns;
    int64_t rc = los_hc(&req);
    if (rc == -EINTR)
      continue; /* los_signal_wake decides */
    if (rc < 0)
      return (int)rc;
    if (rc > 0) {
      if (revents != NULL)
        memcpy(revents, req.u.poll.revents, 3 * sizeof(*revents));
      return 0;
    }
  }
}

int los_wait(struct los_waitq *q, uint64_t deadline_ns)
{
  return los_wait_host(q, NULL, NULL, deadline_ns);
}
