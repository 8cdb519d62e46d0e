/* Blocking: wait queues. A task that must wait for a LibOS object (a pipe,
 * an eventfd, a futex, a child) sleeps on the object's queue; whoever changes
 * the object wakes the queue. Wakeups may be spurious: re-check the
 * condition after every return of 0. */
#ifndef LOS_SCHED_H
#define LOS_SCHED_H

#include "los.h"

struct los_waiter;
struct los_waitq {
  struct los_waiter *head;
};

/* Woken by every los_wake: poll, select and epoll wait here, so any change of
 * any object's readiness makes them look again. */
extern struct los_waitq los_poll_wq;

/* Wake every task sleeping on q, and every poller. */
void los_wake(struct los_waitq *q);

/* Sleep until q is woken, the monotonic deadline passes (ns; 0: none) or a
 * signal needs attention. 0: woken (re-check), -ETIMEDOUT, or -EINTR when a
 * handler is due (the syscall then returns -ERESTARTSYS, -ERESTARTNOHAND or
 * -EINTR, as Linux does for it). Terminating signals do not return. */
int los_wait(struct los_waitq *q, uint64_t deadline_ns);
/* Sleep until q is woken; signals do not end this wait. */
void los_wait_nosig(struct los_waitq *q);

/* As los_wait, and also wake when one of the container's stdio streams
 * (host side, index 0-2) is ready for events[i] (POLLIN/POLLOUT); revents
 * gets what the monitor reported (all zero when woken otherwise). */
int los_wait_host(struct los_waitq *q, const uint16_t events[3], uint16_t revents[3],
                  uint64_t deadline_ns);

#endif
