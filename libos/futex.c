/* Futexes: waiters keyed by address, in a small hash table. Wait, wake,
 * requeue, wake-op and the bitset variants; the private flag changes
 * nothing as there is one address space. PI futexes are not provided. */
#include "futex.h"
#include "task.h"

#define FUTEX_WAIT_ 0
#define FUTEX_WAKE_ 1
#define FUTEX_REQUEUE_ 3
#define FUTEX_CMP_REQUEUE_ 4
#define FUTEX_WAKE_OP_ 5
#define FUTEX_WAIT_BITSET_ 9
#define FUTEX_WAKE_BITSET_ 10
#define FUTEX_PRIVATE_ 128
#define FUTEX_CLOCK_REALTIME_ 256
#define NBUCKETS 64

struct fwaiter {
  uint64_t key;
  uint32_t bitset;
  bool woken;
  struct los_waitq wq;
  struct fwaiter *next;
};

static struct fwaiter *buckets[NBUCKETS];

static struct fwaiter **bucket(uint64_t key)
{
  return &buckets[(key >> 2) % NBUCKETS];
}

static void unlink_waiter(struct fwaiter *w)
{
  for (struct fwaiter **pp = bucket(w->key); *pp != NULL; pp = &(*pp)->next)
    if (*pp == w) {
      *pp = w->next;
      return;
    }
}

int los_futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
  int woken = 0;

  for (struct fwaiter **pp = bucket(uaddr); *pp != NULL && woken < n;) {
    struct fwaiter *w = *pp;
    if (w->key == uaddr && (w->bitset & bitset)) {
      *pp = w->next;
      w->woken = true;
      los_wake(&w->wq);
      woken++;
    } else {
      pp = &w->next;
    }
  }
  return woken;
}

static int64_t futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
  struct fwaiter w = {.key = uaddr, .bitset = bitset};

  if (bitset == 0)
    return -EINVAL;
  if (!USER_OK(uaddr, 4, false))
    return -EFAULT;
  if (__atomic_load_n((uint32_t *)uaddr, __ATOMIC_SEQ_CST) != val)
    return -EAGAIN;
  w.next = *bucket(uaddr);
  *bucket(uaddr) = &w;
  for (;;) {
    int rc = los_wait(&w.wq, deadline);
    if (w.woken)
      return 0;
    if (rc == -ETIMEDOUT || rc == -EINTR) {
      unlink_waiter(&w);
      return rc == -ETIMEDOUT ? -ETIMEDOUT : deadline == 0 ? -ERESTARTSYS : -EINTR;
    }
  }
}

static int64_t requeue(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2)
{
  int woken = los_futex_wake(uaddr, nwake, ~0u), moved = 0;

  if (!USER_OK(uaddr2, 4, false))
    return -EFAULT;
  for (struct fwaiter **pp = bucket(uaddr); *pp != NULL && moved < nmove;) {
    struct fwaiter *w = *pp;
    if (w->key == uaddr) {
      *pp = w->next;
      w->key = uaddr2;
      w->next = *bucket(uaddr2);
      *bucket(uaddr2) = w;
      moved++;
    } else {
      pp = &w->next;
    }
  }
  return woken + moved;
}

/* FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg; wake on uaddr; and on uaddr2 if
 * the old value passes the comparison. */
static int64_t wake_op(uint64_t uaddr, int n, int n2, uint64_t uaddr2, uint32_t val3)
{
  uint32_t op = (val3 >> 28) & 7, cmp = (val3 >> 24) & 15;
  int32_t oparg = (int32_t)(val3 << 8) >> 20, cmparg = (int32_t)(val3 << 20) >> 20;
  uint32_t *p = (uint32_t *)uaddr2, old, nw;
  bool hit;
  int woken;

  if (!USER_OK(uaddr2, 4, true))
    return -EFAULT;
  if ((val3 >> 31) & 1) /* FUTEX_OP_OPARG_SHIFT */
    oparg = oparg < 0 || oparg > 31 ? 0 : 1 << oparg;
  old = *p;
  switch (op) {
  case 0: nw = (uint32_t)oparg; break;
  case 1: nw = old + (uint32_t)oparg; break;
  case 2: nw = old | (uint32_t)oparg; break;
  case 3: nw = old & ~(uint32_t)oparg; break;
  case 4: nw = old ^ (uint32_t)oparg; break;
  default: return -ENOSYS;
  }
  *p = nw;
  switch (cmp) {
  case 0: hit = (int32_t)old == cmparg; break;
  case 1: hit = (int32_t)old != cmparg; break;
  case 2: hit = (int32_t)old < cmparg; break;
  case 3: hit = (int32_t)old <= cmparg; break;
  case 4: hit = (int32_t)old > cmparg; break;
  case 5: hit = (int32_t)old >= cmparg; break;
  default: return -ENOSYS;
  }
  woken = los_futex_wake(uaddr, n, ~0u);
  if (hit)
    woken += los_futex_wake(uaddr2, n2, ~0u);
  return woken;
}

struct ts_ {
  int64_t sec, nsec;
};

static int64_t deadline_of(uint64_t uts, bool absolute, bool realtime, uint64_t *out)
{
  const struct ts_ *t = (const struct ts_ *)uts;
  uint64_t ns;

  *out = 0;
  if (uts == 0)
    return 0;
  if (!USER_OK(uts, sizeof(*t), false))
    return -EFAULT;
  if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
    return -EINVAL;
  ns =
      t->sec > 1000000000000LL ? UINT64_MAX / 2 : (uint64_t)t->sec * 1000000000 + (uint64_t)t->nsec;
  if (!absolute) {
    *out = los_time_monotonic_ns() + ns;
  } else if (realtime) {
    uint64_t now = los_time_realtime_ns();
    *out = los_time_monotonic_ns() + (ns > now ? ns - now : 0);
  } else {
    *out = ns;
  }
  if (*out == 0)
    *out = 1;
  return 0;
}

SYSDEF(futex)
{
  uint32_t cmd = (uint32_t)a1 & ~(uint32_t)(FUTEX_PRIVATE_ | FUTEX_CLOCK_REALTIME_);
  bool realtime = (a1 & FUTEX_CLOCK_REALTIME_) != 0;
  uint64_t deadline;
  int64_t rc;

  if (a0 & 3)
    return -EINVAL;
  switch (cmd) {
  case FUTEX_WAIT_:
  case FUTEX_WAIT_BITSET_:
    rc = deadline_of(a3, cmd == FUTEX_WAIT_BITSET_, realtime, &deadline);
    if (rc < 0)
      return rc;
    return futex_wait(a0, (uint32_t)a2, deadline, cmd == FUTEX_WAIT_ ? ~0u : (uint32_t)a5);
  case FUTEX_WAKE_:
  case FUTEX_WAKE_BITSET_:
    if (cmd == FUTEX_WAKE_BITSET_ && (uint32_t)a5 == 0)
      return -EINVAL;
    return los_futex_wake(a0, (int)LOS_MIN(a2, (uint64_t)INT32_MAX),
                          cmd == FUTEX_WAKE_ ? ~0u : (uint32_t)a5);
  case FUTEX_CMP_REQUEUE_:
    if (!USER_OK(a0, 4, false))
      return -EFAULT;
    if (*(volatile uint32_t *)a0 != (uint32_t)a5)
      return -EAGAIN;
    /* fall through */
  case FUTEX_REQUEUE_:
    return requeue(a0, (int)LOS_MIN(a2, (uint64_t)INT32_MAX), (int)LOS_MIN(a3, (uint64_t)INT32_MAX),
                   a4);
  case FUTEX_WAKE_OP_:
    return wake_op(a0, (int)LOS_MIN(a2, (uint64_t)INT32_MAX), (int)LOS_MIN(a3, (uint64_t)INT32_MAX),
                   a4, (uint32_t)a5);
  default: return -ENOSYS;
  }
}
