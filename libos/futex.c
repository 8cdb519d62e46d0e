/* futex for the one task of today's trustlet: libc start-up and its locks
 * use it (glibc aborts on ENOSYS). Nothing else can wake a waiter, so a
 * wait whose value matches ends on its timeout or a signal only; wakes find
 * nobody. The scheduler with threads replaces this file. */
#include <linux/futex.h>

#include "sched.h"
#include "syscall.h"

struct futex_ts {
  int64_t sec, nsec;
};

static struct los_waitq futex_wq;

/* The wait's monotonic deadline (0: none) from a relative or absolute
 * timeout; -ETIMEDOUT when an absolute one has passed. */
static int64_t futex_deadline(uint64_t uts, bool absolute, bool realtime, uint64_t *deadline)
{
  const struct futex_ts *ts = (const struct futex_ts *)uts;
  uint64_t ns, now = los_time_monotonic_ns();

  *deadline = 0;
  if (uts == 0)
    return 0;
  if (!USER_OK(uts, sizeof(*ts), false))
    return -EFAULT;
  if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
    return -EINVAL;
  ns = (uint64_t)ts->sec * 1000000000ULL + (uint64_t)ts->nsec;
  if (absolute) {
    uint64_t base = realtime ? los_time_realtime_ns() : now;
    if (ns <= base)
      return -ETIMEDOUT;
    ns -= base;
  }
  *deadline = now + LOS_MAX(ns, 1ULL);
  return 0;
}

static int64_t futex_wait(uint32_t *uaddr, uint32_t val, uint64_t uts, bool absolute, bool realtime)
{
  uint64_t deadline;
  int64_t rc;

  if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val)
    return -EAGAIN;
  if ((rc = futex_deadline(uts, absolute, realtime, &deadline)) < 0)
    return rc;
  while (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) == val) {
    rc = los_wait(&futex_wq, deadline);
    if (rc == -ETIMEDOUT)
      return rc;
    if (rc == -EINTR) /* a handler is due; an untimed wait restarts, as on Linux */
      return uts != 0 ? -EINTR : -ERESTARTSYS;
  }
  return 0;
}

/* FUTEX_WAKE_OP's operation on *uaddr2; the comparison only decides
 * whether waiters on uaddr2 are woken, and there are none. */
static int64_t futex_wake_op(uint32_t *uaddr2, uint32_t encoded)
{
  uint32_t op = (encoded >> 28) & 7, arg = (encoded >> 12) & 0xfff;
  uint32_t old = *uaddr2, cmp = (encoded >> 24) & 0xf;

  if ((encoded >> 28) & FUTEX_OP_OPARG_SHIFT) {
    if (arg > 31)
      return -EINVAL;
    arg = 1u << arg;
  } else if (arg & 0x800) {
    arg |= 0xfffff000u; /* sign-extend the 12-bit argument */
  }
  if (cmp > FUTEX_OP_CMP_GE)
    return -ENOSYS;
  switch (op) {
  case FUTEX_OP_SET: *uaddr2 = arg; break;
  case FUTEX_OP_ADD: *uaddr2 = old + arg; break;
  case FUTEX_OP_OR: *uaddr2 = old | arg; break;
  case FUTEX_OP_ANDN: *uaddr2 = old & ~arg; break;
  case FUTEX_OP_XOR: *uaddr2 = old ^ arg; break;
  default: return -ENOSYS;
  }
  return 0;
}

SYSDEF(futex)
{
  uint32_t *uaddr = (uint32_t *)a0, *uaddr2 = (uint32_t *)a4;
  int cmd = (int)(a1 & FUTEX_CMD_MASK);
  bool realtime = (a1 & FUTEX_CLOCK_REALTIME) != 0;

  if ((a0 & 3) != 0)
    return -EINVAL;
  if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
    return -ENOSYS;
  switch (cmd) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET:
    if (cmd == FUTEX_WAIT_BITSET && (uint32_t)a5 == 0)
      return -EINVAL;
    if (!USER_OK(a0, 4, false))
      return -EFAULT;
    return futex_wait(uaddr, (uint32_t)a2, a3, cmd == FUTEX_WAIT_BITSET, realtime);
  case FUTEX_WAKE:
  case FUTEX_WAKE_BITSET:
    if (cmd == FUTEX_WAKE_BITSET && (uint32_t)a5 == 0)
      return -EINVAL;
    return 0; /* nobody else can be waiting */
  case FUTEX_CMP_REQUEUE:
    if (!USER_OK(a0, 4, false))
      return -EFAULT;
    if (*uaddr != (uint32_t)a5)
      return -EAGAIN;
    return 0;
  case FUTEX_REQUEUE: return 0;
  case FUTEX_WAKE_OP:
    if ((a4 & 3) != 0)
      return -EINVAL;
    if (!USER_OK(a4, 4, true))
      return -EFAULT;
    return futex_wake_op(uaddr2, (uint32_t)a5);
  default: return -ENOSYS; /* priority-inheritance futexes */
  }
}
