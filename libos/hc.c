/* Hypercalls to the monitor: one request slot in the shared page, raised with
 * a store of the slot's guest-physical address to the doorbell page. */
#include "los.h"

struct tl_shared *los_shared;
uint64_t los_phys_base;
uint64_t los_idle_ns;

/* LibOS memory only: the LibOS image or the physmap (the heap). Application
 * memory is not contiguous in guest-physical memory; requests carry it
 * through bounce buffers. */
uint64_t los_gpa(const void *p)
{
  uint64_t va = (uint64_t)p;
  if (va >= TL_LOS_VA)
    return va - TL_LOS_VA + los_phys_base;
  if (va >= TL_PHYSMAP_VA)
    return va - TL_PHYSMAP_VA;
  return va; /* the boot area (shared page, strings): identity-mapped */
}

/* One request at a time (one vCPU), so one bounce buffer serves them all. */
#define BOUNCE_SIZE (64 * 1024)
static uint8_t bounce[BOUNCE_SIZE] __attribute__((aligned(4096)));

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
  req.u.io.buf.gpa = los_gpa(bounce);
  req.u.io.len = LOS_MIN(len, BOUNCE_SIZE);
  if (nr == TL_HC_WRITE)
    memcpy(bounce, buf, req.u.io.len);
  int64_t n = los_hc(&req);
  if (nr == TL_HC_READ && n > 0)
    memcpy((void *)buf, bounce, (size_t)LOS_MIN((uint64_t)n, req.u.io.len));
  return n;
}

/* A write goes out whole, in bounce-sized pieces, unless the host stops it. */
int64_t los_host_write(int fd, const void *buf, uint64_t len)
{
  uint64_t done = 0;

  do {
    uint64_t chunk = LOS_MIN(len - done, BOUNCE_SIZE);
    int64_t n = host_io(TL_HC_WRITE, fd, (const uint8_t *)buf + done, chunk);
    if (n < 0)
      return done > 0 ? (int64_t)done : n;
    done += (uint64_t)n;
    if ((uint64_t)n < chunk)
      break; /* short: the host side is full or gone */
  } while (done < len);
  return (int64_t)done;
}

int64_t los_host_read(int fd, void *buf, uint64_t len)
{
  return host_io(TL_HC_READ, fd, buf, len);
}

int64_t los_host_ioctl(int fd, uint32_t cmd, void *buf, uint64_t len)
{
  struct tl_hc req = {.nr = TL_HC_IOCTL};
  if (len > BOUNCE_SIZE)
    return -EINVAL;
  req.u.ioctl.fd = (uint32_t)fd;
  req.u.ioctl.cmd = cmd;
  req.u.ioctl.buf.gpa = los_gpa(bounce);
  req.u.ioctl.len = len;
  memcpy(bounce, buf, len);
  int64_t rc = los_hc(&req);
  memcpy(buf, bounce, len);
  return rc;
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
