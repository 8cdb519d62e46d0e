/* timerfd: expirations counted against the clock the timer was made on;
 * nothing runs when it expires: reads, poll and gettime bring the count up
 * to date, and waits end at the next expiration. */
#include <linux/fcntl.h>

#include "iofile.h"
#include "syscall.h"

#define CLOCK_REALTIME_ 0
#define CLOCK_MONOTONIC_ 1
#define CLOCK_BOOTTIME_ 7
#define CLOCK_REALTIME_ALARM_ 8
#define CLOCK_BOOTTIME_ALARM_ 9
#define TFD_TIMER_ABSTIME_ 1
#define TFD_TIMER_CANCEL_ON_SET_ 2
#define NS 1000000000ULL

struct ts_ {
  int64_t sec, nsec;
};

struct itimerspec_ {
  struct ts_ interval, value;
};

struct tfd {
  int clock;
  uint64_t next; /* next expiration on the timer's clock (ns), 0: disarmed */
  uint64_t interval, ticks, seq;
  struct los_waitq q;
};

static uint64_t clock_now(const struct tfd *t)
{
  return t->clock == CLOCK_REALTIME_ ? los_time_realtime_ns() : los_time_monotonic_ns();
}

/* Count the expirations up to now. */
static void update(struct tfd *t, uint64_t now)
{
  if (t->next == 0 || now < t->next)
    return;
  if (t->interval != 0) {
    uint64_t k = (now - t->next) / t->interval + 1;
    t->ticks += k;
    t->next += k * t->interval;
  } else {
    t->ticks++;
    t->next = 0;
  }
  t->seq++;
  los_wake(&t->q);
}

/* The monotonic time of the next expiration (0: none). */
static uint64_t mono_deadline(const struct tfd *t, uint64_t now)
{
  if (t->next == 0)
    return 0;
  return los_time_monotonic_ns() + (t->next > now ? t->next - now : 0);
}

static int64_t tfd_read(struct los_file *f, void *buf, uint64_t len)
{
  struct tfd *t = f->priv;

  if (len < 8)
    return -EINVAL;
  for (;;) {
    uint64_t now = clock_now(t);
    update(t, now);
    if (t->ticks != 0)
      break;
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    if (los_wait(&t->q, mono_deadline(t, now)) == -EINTR)
      return -ERESTARTSYS;
  }
  memcpy(buf, &t->ticks, 8);
  t->ticks = 0;
  t->seq++;
  return 8;
}

static int64_t tfd_write(struct los_file *f, const void *buf, uint64_t len)
{
  return -EINVAL;
}

static uint32_t tfd_poll(struct los_file *f, struct los_pollctx *pc, uint64_t *seq)
{
  struct tfd *t = f->priv;
  uint64_t now = clock_now(t), d;

  update(t, now);
  if (seq != NULL)
    *seq = t->seq;
  if (t->ticks != 0)
    return LPOLL_IN;
  d = mono_deadline(t, now);
  if (d != 0 && (pc->wake_ns == 0 || d < pc->wake_ns))
    pc->wake_ns = d;
  return 0;
}

static void tfd_release(struct los_file *f)
{
  kfree(f->priv);
}

static const struct los_file_ops tfd_ops = {
    .read = tfd_read,
    .write = tfd_write,
    .poll = tfd_poll,
    .release = tfd_release,
    .mode = 0600,
    .link_fmt = "anon_inode:[timerfd]",
};

SYSDEF(timerfd_create)
{
  struct tfd *t;
  struct los_file *f;

  if (a1 & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
    return -EINVAL;
  if (a0 == CLOCK_REALTIME_ALARM_ || a0 == CLOCK_BOOTTIME_ALARM_)
    return -EPERM; /* CAP_WAKE_ALARM */
  if (a0 != CLOCK_REALTIME_ && a0 != CLOCK_MONOTONIC_ && a0 != CLOCK_BOOTTIME_)
    return -EINVAL;
  if ((t = kzalloc(sizeof(*t))) == NULL)
    return -ENOMEM;
  t->clock = (int)a0;
  f = los_obj_file(LF_TIMERFD, &tfd_ops, t, O_RDWR | (uint32_t)(a1 & O_NONBLOCK), los_obj_ino());
  if (f == NULL) {
    kfree(t);
    return -ENOMEM;
  }
  return los_obj_install(f, (uint32_t)a1);
}

static struct ts_ ns_ts(uint64_t ns)
{
  return (struct ts_){(int64_t)(ns / NS), (int64_t)(ns % NS)};
}

static bool ts_ok(const struct ts_ *t)
{
  return t->sec >= 0 && t->nsec >= 0 && (uint64_t)t->nsec < NS &&
         (uint64_t)t->sec < UINT64_MAX / NS / 2;
}

static struct tfd *get_tfd(int fd, int64_t *err)
{
  struct los_file *f = fd_get(fd);

  *err = f == NULL ? -EBADF : f->type != LF_TIMERFD ? -EINVAL : 0;
  return *err == 0 ? f->priv : NULL;
}

static int64_t put_time(struct tfd *t, uint64_t uptr)
{
  uint64_t now = clock_now(t);
  struct itimerspec_ v;

  if (!USER_OK(uptr, sizeof(v), true))
    return -EFAULT;
  update(t, now);
  v.interval = ns_ts(t->interval);
  v.value = ns_ts(t->next > now ? t->next - now : 0);
  memcpy((void *)uptr, &v, sizeof(v));
  return 0;
}

SYSDEF(timerfd_settime)
{
  int64_t err;
  struct tfd *t = get_tfd((int)a0, &err);
  struct itimerspec_ v;

  if (t == NULL)
    return err;
  if (a1 & ~(uint64_t)(TFD_TIMER_ABSTIME_ | TFD_TIMER_CANCEL_ON_SET_))
    return -EINVAL;
  if (!USER_OK(a2, sizeof(v), false))
    return -EFAULT;
  memcpy(&v, (const void *)a2, sizeof(v));
  if (!ts_ok(&v.value) || !ts_ok(&v.interval))
    return -EINVAL;
  if (a3 != 0 && (err = put_time(t, a3)) < 0)
    return err;
  uint64_t value = (uint64_t)v.value.sec * NS + (uint64_t)v.value.nsec;
  t->ticks = 0;
  t->interval = value != 0 ? (uint64_t)v.interval.sec * NS + (uint64_t)v.interval.nsec : 0;
  t->next = value == 0 ? 0 : (a1 & TFD_TIMER_ABSTIME_) ? LOS_MAX(value, 1) : clock_now(t) + value;
  t->seq++;
  los_wake(&t->q);
  return 0;
}

SYSDEF(timerfd_gettime)
{
  int64_t err;
  struct tfd *t = get_tfd((int)a0, &err);

  return t == NULL ? err : put_time(t, a1);
}
