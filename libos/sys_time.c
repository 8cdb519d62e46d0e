/* Time and randomness syscalls. */
#include "sched.h"
#include "syscall.h"

#define CLOCK_REALTIME_ 0
#define CLOCK_MONOTONIC_ 1
#define CLOCK_PROCESS_CPUTIME_ID_ 2
#define CLOCK_THREAD_CPUTIME_ID_ 3
#define CLOCK_MONOTONIC_RAW_ 4
#define CLOCK_REALTIME_COARSE_ 5
#define CLOCK_MONOTONIC_COARSE_ 6
#define CLOCK_BOOTTIME_ 7
#define TIMER_ABSTIME_ 1
#define GRND_FLAGS_ 7

struct ts_ {
  int64_t sec, nsec;
};

static int clock_ns(uint64_t id, uint64_t *ns)
{
  switch (id) {
  case CLOCK_REALTIME_:
  case CLOCK_REALTIME_COARSE_: *ns = los_time_realtime_ns(); return 0;
  case CLOCK_MONOTONIC_:
  case CLOCK_MONOTONIC_RAW_:
  case CLOCK_MONOTONIC_COARSE_:
  case CLOCK_BOOTTIME_: *ns = los_time_monotonic_ns(); return 0;
  case CLOCK_PROCESS_CPUTIME_ID_:
  case CLOCK_THREAD_CPUTIME_ID_:
    *ns = los_time_monotonic_ns() - los_shared->clock.monotonic_ns;
    return 0;
  default: return -EINVAL;
  }
}

SYSDEF(clock_gettime)
{
  uint64_t ns;
  int rc = clock_ns(a0, &ns);
  if (rc < 0)
    return rc;
  if (!USER_OK(a1, sizeof(struct ts_), true))
    return -EFAULT;
  ((struct ts_ *)a1)->sec = (int64_t)(ns / 1000000000ULL);
  ((struct ts_ *)a1)->nsec = (int64_t)(ns % 1000000000ULL);
  return 0;
}

SYSDEF(clock_getres)
{
  uint64_t ns;
  int rc = clock_ns(a0, &ns);
  if (rc < 0)
    return rc;
  if (a1 != 0) {
    if (!USER_OK(a1, sizeof(struct ts_), true))
      return -EFAULT;
    ((struct ts_ *)a1)->sec = 0;
    ((struct ts_ *)a1)->nsec = 1;
  }
  return 0;
}

SYSDEF(gettimeofday)
{
  uint64_t ns = los_time_realtime_ns();
  if (a0 != 0) {
    if (!USER_OK(a0, 16, true))
      return -EFAULT;
    ((int64_t *)a0)[0] = (int64_t)(ns / 1000000000ULL);
    ((int64_t *)a0)[1] = (int64_t)(ns % 1000000000ULL / 1000);
  }
  if (a1 != 0) {
    if (!USER_OK(a1, 8, true))
      return -EFAULT;
    memset((void *)a1, 0, 8);
  }
  return 0;
}

SYSDEF(time)
{
  int64_t t = (int64_t)(los_time_realtime_ns() / 1000000000ULL);
  if (a0 != 0) {
    if (!USER_OK(a0, 8, true))
      return -EFAULT;
    *(int64_t *)a0 = t;
  }
  return t;
}

/* Sleeps until the deadline; -EINTR (and the time left) when a signal
 * handler is due. Ignored signals do not end the sleep. */
static int64_t sleep_until(uint64_t id, uint64_t deadline, uint64_t *left)
{
  uint64_t now;

  while (clock_ns(id, &now) == 0 && now < deadline) {
    if (los_wait(NULL, los_time_monotonic_ns() + (deadline - now)) == -EINTR) {
      *left = clock_ns(id, &now) == 0 && now < deadline ? deadline - now : 0;
      return -EINTR;
    }
  }
  return 0;
}

static int64_t do_sleep(uint64_t id, uint64_t flags, uint64_t req, uint64_t rem)
{
  const struct ts_ *t = (const struct ts_ *)req;
  uint64_t now, ns, left = 0;
  int64_t rc;

  if (!USER_OK(req, sizeof(*t), false))
    return -EFAULT;
  if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
    return -EINVAL;
  if ((rc = clock_ns(id, &now)) < 0)
    return rc;
  ns = (uint64_t)t->sec * 1000000000ULL + (uint64_t)t->nsec;
  rc = sleep_until(id, (flags & TIMER_ABSTIME_) ? ns : now + ns, &left);
  if (rc == -EINTR && rem != 0 && !(flags & TIMER_ABSTIME_)) {
    if (!USER_OK(rem, sizeof(struct ts_), true))
      return -EFAULT;
    ((struct ts_ *)rem)->sec = (int64_t)(left / 1000000000ULL);
    ((struct ts_ *)rem)->nsec = (int64_t)(left % 1000000000ULL);
  }
  return rc;
}

SYSDEF(nanosleep)
{
  return do_sleep(CLOCK_MONOTONIC_, 0, a0, a1);
}

SYSDEF(clock_nanosleep)
{
  return do_sleep(a0, a1, a2, a3); /* the libc turns -errno into a positive result */
}

SYSDEF(getrandom)
{
  if (a2 & ~(uint64_t)GRND_FLAGS_)
    return -EINVAL;
  if (!USER_OK(a0, a1, true))
    return -EFAULT;
  los_random((void *)a0, a1);
  return (int64_t)a1;
}
