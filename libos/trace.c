/* The trace mode: one strace-like line per syscall, sent to the monitor's
 * log. What each syscall's arguments mean is data (trace.def); this file
 * only knows how to show each kind. Nothing here runs unless tracing is on:
 * syscall.c tests los_proc.trace once per syscall. */
#include <asm/ioctls.h>
#include <asm/unistd_64.h>
#include <linux/fcntl.h>
#include <linux/mman.h>

#include "task.h"
#include "trace.h"

#define TRACE_NR_MAX 512
#define TRACE_STR_MAX 32 /* bytes of a string or buffer shown, as strace -s 32 */
#define TRACE_LINE 1024  /* below the monitor's message limit */

enum { R_INT = 1, R_HEX, R_OCT, R_NONE };
enum {
  A_END,
  A_INT,
  A_LONG,
  A_ULONG,
  A_HEX,
  A_PTR,
  A_FD,
  A_DIRFD,
  A_STR,
  A_IBUF,
  A_OBUF,
  A_OSTR,
  A_OFLAGS,
  A_CMODE,
  A_MODE,
  A_PROT,
  A_MFLAGS,
  A_SIG,
  A_ATFLAGS,
  A_ACCFLAGS,
  A_AMODE,
  A_WHENCE,
  A_CLOCK,
  A_FCNTL,
  A_IOCTL,
  A_SIGHOW,
  A_MADV,
  A_TIMESPEC,
  A_ARCH,
  A_PRCTL,
  A_RLIMIT,
  A_GRND,
};

struct trace_desc {
  uint8_t ret; /* 0: not described */
  uint8_t arg[6];
};

static const struct trace_desc descs[TRACE_NR_MAX] = {
#define TRACE(name, ret, ...) [__NR_##name] = {ret, {__VA_ARGS__}},
#include "trace.def"
#undef TRACE
};

/* Every syscall the LibOS implements is described: a syscalls.def entry
 * without a trace.def line fails here ("TRACE_HAS_name undeclared"). */
enum {
#define TRACE(name, ...) TRACE_HAS_##name,
#include "trace.def"
#undef TRACE
};
#define SYSCALL(name, status, note) _Static_assert(TRACE_HAS_##name >= 0, #name);
#include "syscalls.def"
#undef SYSCALL

struct errno_name {
  const char *name, *text;
};
static const struct errno_name errnos[] = {
#define ERRNO(name, text) [name] = {#name, text},
#include "errno.def"
#undef ERRNO
};

struct tname {
  uint64_t v;
  const char *n;
};
#define N(x) x, #x /* {N(O_CREAT)}: the value and its name */

/* Multi-bit flags come before their parts (O_TMPFILE holds O_DIRECTORY). */
static const struct tname oflags[] = {
    {N(O_CREAT)},     {N(O_EXCL)},    {N(O_NOCTTY)},    {N(O_TRUNC)},    {N(O_APPEND)},
    {N(O_NONBLOCK)},  {N(O_SYNC)},    {N(O_DSYNC)},     {N(FASYNC)},     {N(O_DIRECT)},
    {N(O_LARGEFILE)}, {N(O_TMPFILE)}, {N(O_DIRECTORY)}, {N(O_NOFOLLOW)}, {N(O_NOATIME)},
    {N(O_CLOEXEC)},   {N(O_PATH)},
};
static const struct tname prots[] = {
    {N(PROT_READ)}, {N(PROT_WRITE)},     {N(PROT_EXEC)},
    {N(PROT_SEM)},  {N(PROT_GROWSDOWN)}, {N(PROT_GROWSUP)},
};
static const struct tname mflags[] = {
    {N(MAP_FIXED)},     {N(MAP_ANONYMOUS)},       {N(MAP_32BIT)},  {N(MAP_GROWSDOWN)},
    {N(MAP_DENYWRITE)}, {N(MAP_EXECUTABLE)},      {N(MAP_LOCKED)}, {N(MAP_NORESERVE)},
    {N(MAP_POPULATE)},  {N(MAP_NONBLOCK)},        {N(MAP_STACK)},  {N(MAP_HUGETLB)},
    {N(MAP_SYNC)},      {N(MAP_FIXED_NOREPLACE)},
};
static const struct tname atflags[] = {
    {N(AT_SYMLINK_NOFOLLOW)}, {N(AT_REMOVEDIR)},  {N(AT_SYMLINK_FOLLOW)},
    {N(AT_NO_AUTOMOUNT)},     {N(AT_EMPTY_PATH)}, {N(AT_STATX_FORCE_SYNC)},
    {N(AT_STATX_DONT_SYNC)},  {N(AT_RECURSIVE)},
};
static const struct tname accflags[] = {
    {N(AT_EACCESS)},
    {N(AT_SYMLINK_NOFOLLOW)},
    {N(AT_EMPTY_PATH)},
};
static const struct tname amodes[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};
static const struct tname whences[] = {
    {0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"},
};
static const struct tname clocks[] = {
    {0, "CLOCK_REALTIME"},          {1, "CLOCK_MONOTONIC"},     {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"},  {7, "CLOCK_BOOTTIME"},      {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},    {11, "CLOCK_TAI"},
};
static const struct tname fcntls[] = {
    {N(F_DUPFD)},      {N(F_GETFD)},     {N(F_SETFD)},     {N(F_GETFL)},         {N(F_SETFL)},
    {N(F_GETLK)},      {N(F_SETLK)},     {N(F_SETLKW)},    {N(F_SETOWN)},        {N(F_GETOWN)},
    {N(F_SETSIG)},     {N(F_GETSIG)},    {N(F_OFD_GETLK)}, {N(F_OFD_SETLK)},     {N(F_OFD_SETLKW)},
    {N(F_SETLEASE)},   {N(F_GETLEASE)},  {N(F_NOTIFY)},    {N(F_DUPFD_CLOEXEC)}, {N(F_SETPIPE_SZ)},
    {N(F_GETPIPE_SZ)}, {N(F_ADD_SEALS)}, {N(F_GET_SEALS)},
};
static const struct tname ioctls[] = {
    {N(TCGETS)},    {N(TCSETS)},     {N(TCSETSW)},  {N(TCSETSF)},    {N(TIOCSCTTY)},
    {N(TIOCGPGRP)}, {N(TIOCSPGRP)},  {N(TIOCOUTQ)}, {N(TIOCGWINSZ)}, {N(TIOCSWINSZ)},
    {N(FIONREAD)},  {N(FIONBIO)},    {N(TIOCGSID)}, {N(FIONCLEX)},   {N(FIOCLEX)},
    {N(TIOCGPTN)},  {N(TIOCSPTLCK)},
};
static const struct tname sighows[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};
static const struct tname madvs[] = {
    {N(MADV_NORMAL)},     {N(MADV_RANDOM)},    {N(MADV_SEQUENTIAL)},  {N(MADV_WILLNEED)},
    {N(MADV_DONTNEED)},   {N(MADV_FREE)},      {N(MADV_REMOVE)},      {N(MADV_DONTFORK)},
    {N(MADV_DOFORK)},     {N(MADV_MERGEABLE)}, {N(MADV_UNMERGEABLE)}, {N(MADV_HUGEPAGE)},
    {N(MADV_NOHUGEPAGE)}, {N(MADV_DONTDUMP)},  {N(MADV_DODUMP)},
};
static const struct tname archs[] = {
    {0x1001, "ARCH_SET_GS"},
    {0x1002, "ARCH_SET_FS"},
    {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},
};
static const struct tname prctls[] = {
    {1, "PR_SET_PDEATHSIG"},     {2, "PR_GET_PDEATHSIG"},     {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},      {15, "PR_SET_NAME"},         {16, "PR_GET_NAME"},
    {23, "PR_CAPBSET_READ"},     {24, "PR_CAPBSET_DROP"},     {36, "PR_SET_CHILD_SUBREAPER"},
    {38, "PR_SET_NO_NEW_PRIVS"}, {39, "PR_GET_NO_NEW_PRIVS"}, {47, "PR_CAP_AMBIENT"},
};
static const struct tname rlimits[] = {
    {0, "RLIMIT_CPU"},       {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"},    {3, "RLIMIT_STACK"},
    {4, "RLIMIT_CORE"},      {5, "RLIMIT_RSS"},   {6, "RLIMIT_NPROC"},   {7, "RLIMIT_NOFILE"},
    {8, "RLIMIT_MEMLOCK"},   {9, "RLIMIT_AS"},    {10, "RLIMIT_LOCKS"},  {11, "RLIMIT_SIGPENDING"},
    {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"}, {14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"},
};
static const struct tname grnds[] = {
    {1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}};
static const char *const signames[32] = {
    NULL,        "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};

/* The calling process: one per trustlet until processes land; the
 * scheduler's current task gives it then. */
static int trace_pid(void)
{
  return los_cur->tid;
}

/* A bounded text builder: output past the end is dropped, never written. */
struct tbuf {
  char *p;
  size_t cap, n;
};

static void put(struct tbuf *b, char c)
{
  if (b->n + 1 < b->cap)
    b->p[b->n++] = c;
}

static void puts_(struct tbuf *b, const char *s)
{
  while (*s)
    put(b, *s++);
}

static void putf(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct tbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (b->n + 1 >= b->cap)
    return;
  va_start(ap, fmt);
  n = los_vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  b->n += LOS_MIN((size_t)n, b->cap - b->n - 1);
}

static void put_oct(struct tbuf *b, uint64_t v, int width)
{
  char tmp[24];
  int n = 0;

  do {
    tmp[n++] = (char)('0' + (v & 7));
    v >>= 3;
  } while (v);
  while (n < width)
    tmp[n++] = '0';
  while (n > 0)
    put(b, tmp[--n]);
}

/* As strace: C escapes, octal for other unprintable bytes (three digits
 * when a digit follows, so the escape cannot swallow it). */
static void put_quoted(struct tbuf *b, const unsigned char *s, size_t n)
{
  put(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    const char *esc = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\n' ? "\\n"
                      : c == '\t' ? "\\t"
                      : c == '\r' ? "\\r"
                      : c == '\f' ? "\\f"
                      : c == '\v' ? "\\v"
                                  : NULL;
    if (esc != NULL) {
      puts_(b, esc);
    } else if (c >= 0x20 && c < 0x7f) {
      put(b, (char)c);
    } else {
      bool digit = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
      put(b, '\\');
      put_oct(b, c, digit ? 3 : 1);
    }
  }
  put(b, '"');
}

/* Copies up to n bytes of the application's memory at p, stopping after a
 * NUL when str; returns how many were readable (USER_OK page by page). */
static size_t user_copy(unsigned char *dst, uint64_t p, size_t n, bool str)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if ((i == 0 || ((p + i) & (LOS_PAGE - 1)) == 0) && !USER_OK(p + i, 1, false))
      break;
    dst[i] = *(const unsigned char *)(p + i);
    if (str && dst[i] == '\0')
      return i + 1;
  }
  return i;
}

static void put_ptr(struct tbuf *b, uint64_t p)
{
  if (p == 0)
    puts_(b, "NULL");
  else
    putf(b, "0x%lx", p);
}

static void put_str(struct tbuf *b, uint64_t p)
{
  unsigned char s[TRACE_STR_MAX + 1];
  size_t n = p ? user_copy(s, p, sizeof(s), true) : 0;

  if (n == 0) {
    put_ptr(b, p);
  } else if (s[n - 1] == '\0') {
    put_quoted(b, s, n - 1);
  } else {
    put_quoted(b, s, LOS_MIN(n, TRACE_STR_MAX));
    puts_(b, "...");
  }
}

static void put_buf(struct tbuf *b, uint64_t p, uint64_t len)
{
  unsigned char s[TRACE_STR_MAX];
  size_t want = LOS_MIN(len, TRACE_STR_MAX);

  if (len == 0) {
    puts_(b, "\"\"");
    return;
  }
  if (p == 0 || user_copy(s, p, want, false) < want) {
    put_ptr(b, p);
    return;
  }
  put_quoted(b, s, want);
  if (len > TRACE_STR_MAX)
    puts_(b, "...");
}

static void put_timespec(struct tbuf *b, uint64_t p)
{
  int64_t ts[2];

  if (p == 0 || user_copy((unsigned char *)ts, p, sizeof(ts), false) < sizeof(ts))
    put_ptr(b, p);
  else
    putf(b, "{tv_sec=%ld, tv_nsec=%ld}", ts[0], ts[1]);
}

/* Named bits, then what is left in hex; `any` when something is already
 * written before them. */
static void put_flags(struct tbuf *b, uint64_t v, const struct tname *t, size_t n, bool any,
                      const char *zero)
{
  for (size_t i = 0; i < n; i++) {
    if (t[i].v == 0 || (v & t[i].v) != t[i].v)
      continue;
    if (any)
      put(b, '|');
    puts_(b, t[i].n);
    v &= ~t[i].v;
    any = true;
  }
  if (v != 0) {
    if (any)
      put(b, '|');
    putf(b, "0x%lx", v);
  } else if (!any) {
    puts_(b, zero);
  }
}

static void put_enum(struct tbuf *b, int64_t v, const struct tname *t, size_t n, bool hex)
{
  for (size_t i = 0; i < n; i++)
    if ((int64_t)t[i].v == v) {
      puts_(b, t[i].n);
      return;
    }
  if (hex)
    putf(b, "0x%lx", (uint64_t)v);
  else
    putf(b, "%ld", v);
}

static void put_sig(struct tbuf *b, int v)
{
  if (v > 0 && v < 32)
    puts_(b, signames[v]);
  else if (v >= 32 && v <= 64)
    putf(b, "SIGRT_%d", v - 32);
  else
    putf(b, "%d", v);
}

static void put_oflags(struct tbuf *b, uint64_t v)
{
  static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};

  puts_(b, acc[v & O_ACCMODE]);
  put_flags(b, v & ~(uint64_t)O_ACCMODE, oflags, LOS_ARRAY_SIZE(oflags), true, "");
}

static void put_mflags(struct tbuf *b, uint64_t v)
{
  static const char *const type[] = {NULL, "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
  uint64_t t = v & MAP_TYPE;

  if (t < 4 && type[t] != NULL)
    puts_(b, type[t]);
  else
    putf(b, "0x%lx", t);
  put_flags(b, v & ~(uint64_t)MAP_TYPE, mflags, LOS_ARRAY_SIZE(mflags), true, "");
}

/* Arguments read before the call (strings, input buffers) are captured at
 * entry; the rest are values, formatted with the line. */
static bool captured_kind(uint8_t k)
{
  return k == A_STR || k == A_IBUF || k == A_TIMESPEC;
}

static const struct trace_desc *desc_of(uint64_t nr)
{
  return nr < TRACE_NR_MAX && descs[nr].ret != 0 ? &descs[nr] : NULL;
}

static void put_arg(struct tbuf *b, const struct los_trace_call *t, int i, uint8_t k, int64_t ret)
{
  uint64_t v = t->a[i];

  if (captured_kind(k)) {
    for (uint16_t j = 0; j < t->len[i]; j++)
      put(b, t->text[t->off[i] + j]);
    return;
  }
  switch (k) {
  case A_INT:
  case A_FD: putf(b, "%d", (int)v); break;
  case A_LONG: putf(b, "%ld", (int64_t)v); break;
  case A_ULONG: putf(b, "%lu", v); break;
  case A_PTR: put_ptr(b, v); break;
  case A_DIRFD:
    if ((int)v == AT_FDCWD)
      puts_(b, "AT_FDCWD");
    else
      putf(b, "%d", (int)v);
    break;
  case A_OBUF:
    if (ret > 0)
      put_buf(b, v, (uint64_t)ret);
    else
      put_ptr(b, v);
    break;
  case A_OSTR:
    if (ret > 0)
      put_str(b, v);
    else
      put_ptr(b, v);
    break;
  case A_OFLAGS: put_oflags(b, v); break;
  case A_CMODE:
  case A_MODE:
    put(b, '0');
    put_oct(b, v, 2);
    break;
  case A_PROT: put_flags(b, v, prots, LOS_ARRAY_SIZE(prots), false, "PROT_NONE"); break;
  case A_MFLAGS: put_mflags(b, v); break;
  case A_SIG: put_sig(b, (int)v); break;
  case A_ATFLAGS: put_flags(b, v, atflags, LOS_ARRAY_SIZE(atflags), false, "0"); break;
  case A_ACCFLAGS: put_flags(b, v, accflags, LOS_ARRAY_SIZE(accflags), false, "0"); break;
  case A_AMODE: put_flags(b, v, amodes, LOS_ARRAY_SIZE(amodes), false, "F_OK"); break;
  case A_WHENCE: put_enum(b, (int)v, whences, LOS_ARRAY_SIZE(whences), false); break;
  case A_CLOCK: put_enum(b, (int)v, clocks, LOS_ARRAY_SIZE(clocks), false); break;
  case A_FCNTL: put_enum(b, (int)v, fcntls, LOS_ARRAY_SIZE(fcntls), false); break;
  case A_IOCTL: put_enum(b, (uint32_t)v, ioctls, LOS_ARRAY_SIZE(ioctls), true); break;
  case A_SIGHOW: put_enum(b, (int)v, sighows, LOS_ARRAY_SIZE(sighows), false); break;
  case A_MADV: put_enum(b, (int)v, madvs, LOS_ARRAY_SIZE(madvs), false); break;
  case A_ARCH: put_enum(b, (int)v, archs, LOS_ARRAY_SIZE(archs), true); break;
  case A_PRCTL: put_enum(b, (int)v, prctls, LOS_ARRAY_SIZE(prctls), false); break;
  case A_RLIMIT: put_enum(b, (int)v, rlimits, LOS_ARRAY_SIZE(rlimits), false); break;
  case A_GRND: put_flags(b, v, grnds, LOS_ARRAY_SIZE(grnds), false, "0"); break;
  default: putf(b, "0x%lx", v); break;
  }
}

static void put_result(struct tbuf *b, uint8_t kind, int64_t ret)
{
  if (ret < 0 && ret >= -4095) {
    uint64_t e = (uint64_t)-ret;
    switch (e) {
    case ERESTARTSYS: puts_(b, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"); return;
    case ERESTARTNOINTR: puts_(b, "? ERESTARTNOINTR (To be restarted)"); return;
    case ERESTARTNOHAND: puts_(b, "? ERESTARTNOHAND (To be restarted if no handler)"); return;
    default: break;
    }
    if (e < LOS_ARRAY_SIZE(errnos) && errnos[e].name != NULL)
      putf(b, "-1 %s (%s)", errnos[e].name, errnos[e].text);
    else
      putf(b, "-1 (errno %lu)", e);
    return;
  }
  if (kind == R_HEX) {
    putf(b, "0x%lx", (uint64_t)ret);
  } else if (kind == R_OCT) {
    put(b, '0');
    put_oct(b, (uint64_t)ret, 2);
  } else {
    putf(b, "%ld", ret);
  }
}

/* The whole line, straight to the monitor's log (no second formatting). */
static void write_line(const struct los_trace_call *t, int64_t ret, bool returns)
{
  const struct trace_desc *d = desc_of(t->nr);
  const char *name = los_syscall_name(t->nr);
  char line[TRACE_LINE];
  struct tbuf b = {line, sizeof(line), 0};
  struct tl_hc req = {.nr = TL_HC_LOG};

  putf(&b, "trace: [pid %d] ", trace_pid());
  if (name[0] == '?')
    putf(&b, "syscall_%lu(", t->nr);
  else
    putf(&b, "%s(", name);
  for (int i = 0; i < 6; i++) {
    uint8_t k = d ? d->arg[i] : A_HEX;
    if (k == A_END || (k == A_CMODE && i > 0 && !(t->a[i - 1] & (O_CREAT | __O_TMPFILE))))
      break;
    if (i > 0)
      puts_(&b, ", ");
    put_arg(&b, t, i, k, ret);
  }
  puts_(&b, ") = ");
  if (returns)
    put_result(&b, d ? d->ret : R_INT, ret);
  else
    put(&b, '?');
  req.u.msg.buf.gpa = los_gpa(line);
  req.u.msg.len = b.n;
  req.u.msg.status = TL_MSG_TRACE;
  los_hc(&req);
}

void los_trace_enter(struct los_trace_call *t, const struct los_regs *r)
{
  const struct trace_desc *d = desc_of(r->rax);
  const uint64_t a[6] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9};

  t->nr = r->rax;
  t->used = 0;
  for (int i = 0; i < 6; i++) {
    uint8_t k = d ? d->arg[i] : A_HEX;
    struct tbuf b = {t->text + t->used, sizeof(t->text) - t->used, 0};
    t->a[i] = a[i];
    t->off[i] = t->used;
    t->len[i] = 0;
    if (!captured_kind(k))
      continue;
    if (k == A_STR)
      put_str(&b, a[i]);
    else if (k == A_IBUF)
      put_buf(&b, a[i], i < 5 ? a[i + 1] : 0);
    else
      put_timespec(&b, a[i]);
    t->len[i] = (uint16_t)b.n;
    t->used = (uint16_t)(t->used + b.n);
  }
  if (d != NULL && d->ret == R_NONE)
    write_line(t, 0, false); /* exit and exit_group do not come back */
}

void los_trace_exit(struct los_trace_call *t, int64_t ret)
{
  const struct trace_desc *d = desc_of(t->nr);

  if (d == NULL || d->ret != R_NONE)
    write_line(t, ret, true);
}
