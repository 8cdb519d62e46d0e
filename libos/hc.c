/* Hypercalls to the monitor: one request slot in the shared page, raised with
 * a store of the slot's guest-physical address to the doorbell page. */
#include "los.h"

struct tl_shared *los_shared;
uint64_t los_phys_base;
uint64_t los_idle_ns;

uint64_t los_gpa(const void *p)
{
  uint64_t va = (uint64_t)p;
  return va >= TL_LOS_VA ? va - TL_LOS_VA + los_phys_base : va;
}

int64_t los_hc(struct tl_hc *req)
{
  struct tl_hc *slot = &los_shared->hc;

  *slot = *req;
  *(volatile uint32_t *)TL_HC_DOORBELL = (uint32_t)los_gpa(slot);
  *req = *slot; /* some requests return more than ret (TL_HC_POLL) */
  return req->ret;
}

static void hc_msg(uint32_t nr, const char *fmt, va_list ap)
{
  char buf[512];
  int n = los_vsnprintf(buf, sizeof(buf), fmt, ap);
  struct tl_hc req = {.nr = nr};

  req.u.msg.buf.gpa = los_gpa(buf);
  req.u.msg.len = (uint64_t)LOS_MIN(n, (int)sizeof(buf) - 1);
  los_hc(&req);
}

void los_log(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hc_msg(TL_HC_LOG, fmt, ap);
  va_end(ap);
}

void los_abort(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hc_msg(TL_HC_ABORT, fmt, ap);
  va_end(ap);
  for (;;)
    __asm__ volatile("ud2");
}

void los_panic(const char *fmt, ...)
{
  char buf[400];
  va_list ap;
  va_start(ap, fmt);
  los_vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  los_abort("LibOS panic: %s", buf);
}

void los_exit(int status, int signal)
{
  struct tl_hc req = {.nr = TL_HC_EXIT};
  req.u.exit.status = (uint32_t)status;
  req.u.exit.signal = (uint32_t)signal;
  los_hc(&req);
  for (;;)
    __asm__ volatile("ud2");
}

static int64_t host_io(uint32_t nr, int fd, const void *buf, uint64_t len)
{
  struct tl_hc req = {.nr = nr};

  /* nothing to move: answer here, as Linux does for a pipe (EFAULT for a
   * pointer outside the process), instead of handing the monitor a bad address */
  if (len == 0)
    return los_user_ok(buf, 1, false) ? 0 : -EFAULT;
  req.u.io.fd = (uint32_t)fd;
  req.u.io.buf.gpa = los_gpa(buf);
  req.u.io.len = len;
  return los_hc(&req);
}

int64_t los_host_write(int fd, const void *buf, uint64_t len)
{
  return host_io(TL_HC_WRITE, fd, buf, len);
}

int64_t los_host_read(int fd, void *buf, uint64_t len)
{
  return host_io(TL_HC_READ, fd, buf, len);
}

int64_t los_host_ioctl(int fd, uint32_t cmd, void *buf, uint64_t len)
{
  struct tl_hc req = {.nr = TL_HC_IOCTL};
  req.u.ioctl.fd = (uint32_t)fd;
  req.u.ioctl.cmd = cmd;
  req.u.ioctl.buf.gpa = los_gpa(buf);
  req.u.ioctl.len = len;
  return los_hc(&req);
}

void los_discard(uint64_t start, uint64_t len)
{
  struct tl_hc req = {.nr = TL_HC_DISCARD};
  if (len == 0)
    return;
  req.u.range.start.gpa = start;
  req.u.range.len = len;
  los_hc(&req);
}

void los_sleep_ns(uint64_t ns)
{
  struct tl_hc req = {.nr = TL_HC_SLEEP};
  uint64_t t0 = los_time_monotonic_ns();
  req.u.sleep.ns = ns;
  los_hc(&req);
  los_idle_ns += los_time_monotonic_ns() - t0;
}
