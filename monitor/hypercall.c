/* Guest requests: each handler validates its arguments through MON_GUEST
 * and writes a result code into the request block. Host errno values are
 * mapped to a small fixed set before they reach the guest. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "mon.h"
#include "report.h"

#define MSG_MAX 4096
#define ALARM_MIN_NS 1000000ULL
#define SLEEP_MAX_NS (3600ULL * 1000000000ULL)

static int64_t guest_errno(int e)
{
  switch (e) {
  case EAGAIN:
  case EPIPE:
  case EINTR:
  case ENOSPC:
  case EBADF:
  case EINVAL:
  case EFBIG:
  case EDQUOT: return -e;
  default: return -EIO;
  }
}

/* Blocks until fd is readable; -1 when a host signal for the guest came
 * first (the guest then runs a handler or its default action). */
static int wait_readable(struct mon_vm *vm, int fd)
{
  struct pollfd pfd[2] = {{fd, POLLIN, 0}, {mon_signal_wake_fd(), POLLIN, 0}};

  for (;;) {
    if (mon_signal_waiting(vm))
      return -1;
    if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
      return 0; /* let read() report it */
    if (pfd[0].revents != 0)
      return 0;
  }
}

static int64_t hc_io(struct mon_vm *vm, const struct tl_hc *hc, bool write_op)
{
  struct tl_hc_io io = hc->u.io;
  const char *what = write_op ? "write" : "read";
  struct mon_slot *s;
  int64_t rc;
  void *buf;
  ssize_t n;

  if ((s = mon_slot(vm, io.fd, what, &rc)) == NULL)
    return rc;
  /* stdin slots read, stdout and stderr slots write; a terminal does both */
  if (!s->terminal && (write_op ? io.fd % 3 == 0 : io.fd % 3 != 0))
    return -EBADF;
  buf = MON_GUEST(vm, io.buf, io.len, write_op ? MON_READ : MON_READ | MON_WRITE, what);
  if (buf == NULL)
    return 0;
  if (!write_op && wait_readable(vm, s->fd) < 0)
    return -EINTR;
  do {
    n = write_op ? write(s->fd, buf, io.len) : read(s->fd, buf, io.len);
  } while (n < 0 && errno == EINTR && !mon_signal_pending());
  return n < 0 ? guest_errno(errno) : n;
}

/* Terminal requests the function may make on its stdio, with the size of
 * their argument; nothing else reaches the host's ioctl. */
#define KTERMIOS_SIZE 36 /* the kernel's struct termios, not libc's larger one */

static const struct {
  uint32_t cmd;
  uint32_t size;
  bool out; /* the host fills the guest buffer */
} tty_ioctls[] = {
    {TCGETS, KTERMIOS_SIZE, true},
    {TCSETS, KTERMIOS_SIZE, false},
    {TCSETSW, KTERMIOS_SIZE, false},
    {TCSETSF, KTERMIOS_SIZE, false},
    {TIOCGWINSZ, sizeof(struct winsize), true},
    {TIOCSWINSZ, sizeof(struct winsize), false},
    {FIONREAD, sizeof(int), true},
};

static int64_t hc_ioctl(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_ioctl io = hc->u.ioctl;
  struct mon_slot *s;
  uint8_t arg[64];
  int64_t rc;
  size_t i;
  void *buf;

  if ((s = mon_slot(vm, io.fd, "ioctl", &rc)) == NULL)
    return rc;
  if (!s->terminal)
    return -ENOTTY;
  for (i = 0; i < ARRAY_SIZE(tty_ioctls) && tty_ioctls[i].cmd != io.cmd; i++)
    ;
  if (i == ARRAY_SIZE(tty_ioctls) || io.len != tty_ioctls[i].size)
    return -EINVAL;
  buf = MON_GUEST(vm, io.buf, io.len, tty_ioctls[i].out ? MON_READ | MON_WRITE : MON_READ, "ioctl");
  if (buf == NULL)
    return 0;
  memcpy(arg, buf, io.len); /* the guest may change its copy meanwhile */
  if (ioctl(s->fd, io.cmd, arg) < 0)
    return errno == ENOTTY ? -ENOTTY : guest_errno(errno);
  if (tty_ioctls[i].out)
    memcpy(buf, arg, io.len);
  return 0;
}

/* Readiness of the container's stdio; revents go back into the slot. */
static int64_t hc_poll(struct mon_vm *vm, const struct tl_hc *hc, struct tl_hc *slot)
{
  struct tl_hc_poll p = hc->u.poll;
  struct pollfd pfd[4];
  int idx[3], n = 0, rc;
  int64_t bad;
  int64_t ms = p.timeout_ns < 0 || (uint64_t)p.timeout_ns > SLEEP_MAX_NS
                   ? (int64_t)(SLEEP_MAX_NS / 1000000)
                   : (p.timeout_ns + 999999) / 1000000;

  for (int i = 0; i < 3; i++) {
    uint16_t ev = p.events[i] & (POLLIN | POLLOUT);
    struct mon_slot *s;
    if (ev == 0)
      continue;
    /* ABI 4 requests name slots 0-2 by position; TL_POLL_SLOTS names them */
    s = mon_slot(vm, (p.flags & TL_POLL_SLOTS) ? p.slot[i] : (uint32_t)i, "poll", &bad);
    if (s == NULL)
      return bad;
    pfd[n] = (struct pollfd){s->fd, (short)ev, 0};
    idx[n++] = i;
  }
  if (mon_signal_waiting(vm))
    return -EINTR;
  pfd[n] = (struct pollfd){mon_signal_wake_fd(), POLLIN, 0};
  rc = poll(pfd, (nfds_t)n + (pfd[n].fd >= 0), (int)ms);
  if (rc < 0)
    return errno == EINTR ? -EINTR : -EINVAL;
  if (pfd[n].fd >= 0 && pfd[n].revents != 0) {
    if (--rc == 0)
      return -EINTR;
  }
  for (int i = 0; i < n; i++)
    slot->u.poll.revents[idx[i]] = (uint16_t)pfd[i].revents;
  return rc;
}

/* Copy a guest message, making it one printable line. */
static char *guest_msg(struct mon_vm *vm, struct tl_hc_msg *m, const char *what)
{
  uint64_t len = m->len > MSG_MAX ? MSG_MAX : m->len;
  const char *src = MON_GUEST(vm, m->buf, len, MON_READ, what);
  char *s;

  if (src == NULL)
    return NULL;
  s = xmalloc(len + 1);
  for (uint64_t i = 0; i < len; i++) {
    char c = src[i]; /* read once: the guest may change it */
    s[i] = (c >= 0x20 && c < 0x7f) ? c : (c == '\n' || c == '\r') ? '\n' : '?';
  }
  /* trailing newlines go; a '?' the guest wrote stays (a trace line's
   * "exit_group(0) = ?") */
  while (len > 0 && s[len - 1] == '\n')
    len--;
  for (uint64_t i = 0; i < len; i++)
    if (s[i] == '\n')
      s[i] = '?';
  s[len] = '\0';
  return s;
}

static int64_t hc_sleep(struct mon_vm *vm, const struct tl_hc *hc)
{
  uint64_t ns = hc->u.sleep.ns > SLEEP_MAX_NS ? SLEEP_MAX_NS : hc->u.sleep.ns;
  struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
  struct pollfd pfd = {mon_signal_wake_fd(), POLLIN, 0};
  int rc;

  if (mon_signal_waiting(vm))
    return -EINTR;
  rc = pfd.fd >= 0 ? ppoll(&pfd, 1, &ts, NULL) : nanosleep(&ts, NULL);
  mon_clock_update(vm);
  return rc != 0 ? -EINTR : 0;
}

static struct timeval ns_tv(uint64_t ns)
{
  if (ns > SLEEP_MAX_NS * 24 * 365)
    ns = SLEEP_MAX_NS * 24 * 365;
  if (ns != 0 && ns < 1000)
    ns = 1000; /* 0 would disarm */
  return (struct timeval){(time_t)(ns / 1000000000ULL), (suseconds_t)(ns % 1000000000ULL / 1000)};
}

static uint64_t tv_ns(struct timeval tv)
{
  return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

/* The function's ITIMER_REAL is the monitor's own: its SIGALRM takes the
 * path of every forwarded signal (and so interrupts compute loops too). */
static int64_t hc_alarm(const struct tl_hc *hc, struct tl_hc *slot)
{
  struct tl_hc_alarm a = hc->u.alarm;
  struct itimerval nw, old;

  /* a guest must not make the monitor spin on SIGALRM: at most 1000 a second */
  if (a.interval_ns > 0 && a.interval_ns < ALARM_MIN_NS)
    a.interval_ns = ALARM_MIN_NS;
  nw = (struct itimerval){ns_tv(a.interval_ns), ns_tv(a.value_ns)};

  if ((a.set ? setitimer(ITIMER_REAL, &nw, &old) : getitimer(ITIMER_REAL, &old)) < 0)
    return -EINVAL;
  slot->u.alarm.value_ns = tv_ns(old.it_value);
  slot->u.alarm.interval_ns = tv_ns(old.it_interval);
  return 0;
}

/* The LibOS's preemption tick: SIGPROF after every interval of the
 * monitor's CPU time (guest time included), so an idle trustlet costs
 * nothing. At least 1 ms, as for alarms. */
static int64_t hc_tick(const struct tl_hc *hc)
{
  uint64_t ns = hc->u.sleep.ns;
  struct itimerval it;

  if (ns > 0 && ns < ALARM_MIN_NS)
    ns = ALARM_MIN_NS;
  it = (struct itimerval){ns_tv(ns), ns_tv(ns)};
  return setitimer(ITIMER_PROF, &it, NULL) < 0 ? -EINVAL : 0;
}

/* The LibOS's own page tables: any page of RAM may hold a PML4 (the guest
 * can only ever map its own memory and the slots the monitor gave it). */
static int64_t hc_mmu(struct mon_vm *vm, uint64_t cr3)
{
  if ((cr3 & (TL_PAGE_SIZE - 1)) || cr3 < TL_APP_BASE || cr3 >= vm->ram_size)
    return -EINVAL;
  if (plat_set_cr3(vm->plat, cr3) < 0)
    mon_fault(vm, "cannot load CR3 0x%llx", (unsigned long long)cr3);
  return 0;
}

static int64_t hc_discard_range(struct mon_vm *vm, struct tl_hc_range r)
{
  uint8_t *p;

  if ((r.start.gpa | r.len) & (TL_PAGE_SIZE - 1) || r.start.gpa < TL_APP_BASE)
    return -EINVAL;
  p = MON_GUEST(vm, r.start, r.len, MON_READ | MON_WRITE, "discard");
  if (p == NULL)
    return -EFAULT;
  if (r.len > 0 && madvise(p, r.len, MADV_DONTNEED) < 0)
    return -EINVAL;
  return 0;
}

static int64_t hc_discardv(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_discardv d = hc->u.discardv;
  struct tl_hc_range ranges[TL_DISCARDV_MAX];
  const void *src;

  if (d.count > TL_DISCARDV_MAX)
    return -EINVAL;
  src = MON_GUEST(vm, d.ranges, d.count * sizeof(ranges[0]), MON_READ, "discardv");
  if (src == NULL)
    return -EFAULT;
  memcpy(ranges, src, d.count * sizeof(ranges[0])); /* the guest cannot change them under us */
  for (uint32_t i = 0; i < d.count; i++) {
    int64_t rc = hc_discard_range(vm, ranges[i]);
    if (rc < 0)
      return rc;
  }
  return d.cr3 != 0 ? hc_mmu(vm, d.cr3) : 0;
}

/* Pages the guest no longer uses go back to the host (they read as zero). */
/* A report for the guest's 64 bytes, signed with the node key (which stays
 * in monitor memory); the counter orders the reports of one node boot. */
static int64_t hc_report(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_report q = hc->u.report;
  uint8_t data[TL_REPORT_DATA_SIZE];
  hacher_error_t e = NULL;
  struct tl_report r;
  uint64_t counter;
  const void *in;
  void *out;

  if (q.out_len < sizeof(r))
    return -EINVAL;
  in = MON_GUEST(vm, q.data, sizeof(data), MON_READ, "report");
  out = in ? MON_GUEST(vm, q.out, sizeof(r), MON_READ | MON_WRITE, "report") : NULL;
  if (out == NULL)
    return 0;
  if (vm->cfg->attest_key == NULL)
    return -ENODEV;
  memcpy(data, in, sizeof(data)); /* the guest may change its copy meanwhile */
  if (mon_report_counter(vm->cfg->attest_counter_fd, vm->cfg->boot_id, &counter, &e) < 0) {
    log_warn("trustlet \"%s\": %s", vm->cfg->id, e->msg);
    hacher_error_release(&e);
    return -EIO;
  }
  mon_report_body(&r, vm->measurement, data, vm->cfg->boot_id, counter);
  if (mon_report_sign(&r, vm->cfg->attest_key, &e) < 0) {
    log_warn("trustlet \"%s\": %s", vm->cfg->id, e->msg);
    hacher_error_release(&e);
    return -EIO;
  }
  memcpy(out, &r, sizeof(r));
  return (int64_t)sizeof(r);
}

static void hc_end(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_exit e = hc->u.exit;

  vm->done = true;
  if (e.signal != 0)
    vm->status = 128 + (int)(e.signal & 0x7f);
  else
    vm->status = (int)(e.status & 0xff);
}

/* ABORT: start-up failed (e.g. the program is not in the image); the
 * message becomes mon_run's error, so `create` can report it. */
static void hc_message(struct mon_vm *vm, const struct tl_hc *hc, bool abort)
{
  struct tl_hc_msg m = hc->u.msg;
  char *s = guest_msg(vm, &m, abort ? "abort" : "log");

  if (s == NULL)
    return;
  if (abort && vm->abort_msg == NULL) {
    vm->abort_msg = s;
    vm->done = true;
    return;
  }
  if (!abort && (m.status & TL_MSG_TRACE) && vm->cfg->trace)
    hacher_log_always(HACHER_LOG_INFO, "%s", s);
  else
    log_warn("%s", s);
  free(s);
}

/* The request block stays in guest memory, where the guest could change it
 * while we work: it is copied once, and only the copy is looked at. */
void mon_hypercall(struct mon_vm *vm, uint32_t gpa)
{
  struct tl_hc *slot =
      MON_GUEST(vm, ((tl_gptr_t){gpa}), sizeof(*slot), MON_READ | MON_WRITE, "hypercall");
  struct tl_hc req;
  int64_t ret = 0;

  if (slot == NULL)
    return;
  memcpy(&req, slot, sizeof(req));
  switch (req.nr) {
  case TL_HC_WRITE: ret = hc_io(vm, &req, true); break;
  case TL_HC_READ: ret = hc_io(vm, &req, false); break;
  case TL_HC_EXIT: hc_end(vm, &req); return;
  case TL_HC_ABORT:
  case TL_HC_LOG: hc_message(vm, &req, req.nr == TL_HC_ABORT); break;
  case TL_HC_SLEEP: ret = hc_sleep(vm, &req); break;
  case TL_HC_DISCARD: ret = hc_discard_range(vm, req.u.range); break;
  case TL_HC_CLOCK: mon_clock_update(vm); break;
  case TL_HC_IOCTL: ret = hc_ioctl(vm, &req); break;
  case TL_HC_POLL: ret = hc_poll(vm, &req, slot); break;
  case TL_HC_REPORT: ret = hc_report(vm, &req); break;
  case TL_HC_ALARM: ret = hc_alarm(&req, slot); break;
  case TL_HC_TICK: ret = hc_tick(&req); break;
  case TL_HC_MMU: ret = hc_mmu(vm, req.u.mmu.cr3); break;
  case TL_HC_DISCARDV: ret = hc_discardv(vm, &req); break;
  case TL_HC_EXEC_TAKE: ret = mon_exec_take(vm, &req); break;
  case TL_HC_EXEC_DONE: ret = mon_exec_done(vm, &req); break;
  case TL_HC_READY:
    /* a failed wait for start is a signal for the container, whose default
     * action ends it (no handler is installed yet); anything else ends the
     * trustlet with status 1 */
    if (vm->cfg->on_ready != NULL && vm->cfg->on_ready(vm->cfg->on_ready_arg) != 0) {
      vm->done = true;
      vm->status = mon_signal_pending() ? 128 + mon_signal_first() : 1;
    }
    mon_clock_update(vm); /* time passed while the container was created */
    break;
  default: mon_fault(vm, "unknown request %u", req.nr); return;
  }
  slot->ret = ret;
}
