/* signals MODE: signal handlers, masks and frames, checked from inside.
 * Each mode prints what it saw; a failed check prints "FAIL: ..." and
 * exits 1. Modes: term-handler pause-eintr ignore sleep-handler
 * read-restart spin spin-handler alarm fault raise mask altstack resethand fpu nested sigsuspend.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, got2, depth, max_depth;
static volatile int info_signo, info_code, info_pid;
static volatile uintptr_t handler_sp;
static char altstack_mem[65536] __attribute__((aligned(16)));

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("FAIL: " __VA_ARGS__);                                                                \
      printf("\n");                                                                                \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static void install(int sig, void (*fn)(int), int flags)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction %d: %s", sig, strerror(errno));
}

static void on_term(int sig)
{
  printf("got %d\n", sig);
  fflush(stdout);
  _exit(0);
}

static void count(int sig)
{
  (void)sig;
  got++;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
  (void)uc;
  got++;
  info_signo = si->si_signo;
  info_code = si->si_code;
  info_pid = si->si_pid;
  CHECK(sig == si->si_signo, "handler sig %d, si_signo %d", sig, si->si_signo);
}

/* Many live values across the signal: the frame must restore them all. */
static uint64_t mix(uint64_t seed, int rounds)
{
  uint64_t a = seed, b = seed ^ 0x9e3779b97f4a7c15ULL, c = seed * 3, d = seed + 7, e = ~seed;
  uint64_t f = seed << 3, g = seed >> 5, h = seed * seed;

  for (int i = 0; i < rounds; i++) {
    a += b ^ (c << 7);
    b ^= c + (d >> 3);
    c += d * 31 + e;
    d ^= e + (f << 11);
    e += f ^ (g >> 2);
    f ^= g + h;
    g += h ^ a;
    h ^= a + b;
  }
  return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
}

static int mode_raise(void)
{
  struct sigaction sa;
  uint64_t before, after;

  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
  before = mix(12345, 1000);
  CHECK(raise(SIGUSR1) == 0, "raise");
  after = mix(12345, 1000);
  CHECK(got == 1, "handler ran %d times", (int)got);
  CHECK(before == after, "registers changed across the handler");
  printf("si_signo %d si_code %d\n", info_signo, info_code);
  CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
  printf("kill: si_code %d si_pid %d\n", info_code, info_pid);
  printf("registers intact\n");
  return 0;
}

static int mode_mask(void)
{
  sigset_t set, pend, old;

  install(SIGUSR1, count, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "block");
  raise(SIGUSR1);
  CHECK(got == 0, "handler ran while blocked");
  CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1), "SIGUSR1 not pending");
  printf("pending while blocked\n");
  raise(SIGUSR1); /* standard signals merge */
  CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "unblock");
  CHECK(got == 1, "handler ran %d times after unblock", (int)got);
  CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1), "still pending");
  printf("delivered once on unblock\n");
  return 0;
}

static void on_alt(int sig)
{
  (void)sig;
  handler_sp = (uintptr_t)__builtin_frame_address(0);
  got++;
}

static int mode_altstack(void)
{
  stack_t ss = {.ss_sp = altstack_mem, .ss_size = sizeof(altstack_mem)}, cur;
  uintptr_t lo = (uintptr_t)altstack_mem, hi = lo + sizeof(altstack_mem);

  CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
  CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_sp == altstack_mem && cur.ss_flags == 0,
        "sigaltstack readback");
  install(SIGUSR2, on_alt, SA_ONSTACK);
  raise(SIGUSR2);
  CHECK(got == 1, "handler did not run");
  CHECK(handler_sp >= lo && handler_sp < hi, "handler stack 0x%lx not in the altstack",
        (unsigned long)handler_sp);
  printf("handler on the alternate stack\n");
  install(SIGUSR1, on_alt, 0);
  raise(SIGUSR1);
  CHECK(!(handler_sp >= lo && handler_sp < hi), "handler without SA_ONSTACK on the altstack");
  printf("handler without SA_ONSTACK on the normal stack\n");
  return 0;
}

static int mode_resethand(void)
{
  install(SIGUSR1, count, SA_RESETHAND);
  raise(SIGUSR1);
  CHECK(got == 1, "handler did not run");
  printf("handler ran once\n");
  fflush(stdout);
  raise(SIGUSR1); /* now the default action: killed by SIGUSR1 */
  printf("FAIL: still alive\n");
  return 1;
}

static volatile double fpu_seen;

static void on_fpu(int sig)
{
  /* clobber vector registers through the compiler and by hand */
  volatile double x = 1.0;
  (void)sig;
  for (int i = 0; i < 100; i++)
    x = x * 1.5 + 0.25;
  fpu_seen = x;
  __asm__ volatile("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\t"
                   "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm15, %%xmm15" ::
                       : "xmm0", "xmm1", "xmm2", "xmm6", "xmm15");
  got++;
}

static int mode_fpu(void)
{
  double a = 1.0, b = 0.5;
  double want = 0;
  long pid = getpid();

  install(SIGUSR1, on_fpu, 0);
  for (int i = 0; i < 1000; i++)
    want = want * 0.999 + (double)i / 3.0;
  /* a and b live in xmm registers across raise() only if the compiler keeps
   * them there; the inline asm pins them in xmm6/xmm15 around the signal */
  register double ra __asm__("xmm6") = a * 3.25;
  register double rb __asm__("xmm15") = b / 7.0;
  __asm__ volatile("" : "+x"(ra), "+x"(rb));
  {
    register long nr __asm__("rax") = 62; /* kill(1, SIGUSR1) by hand: no libc code in between */
    register long p1 __asm__("rdi") = pid;
    register long p2 __asm__("rsi") = SIGUSR1;
    __asm__ volatile("syscall"
                     : "+r"(nr)
                     : "r"(p1), "r"(p2), "x"(ra), "x"(rb)
                     : "rcx", "r11", "memory");
  }
  __asm__ volatile("" : "+x"(ra), "+x"(rb));
  CHECK(got == 1, "handler did not run");
  CHECK(ra == 3.25 && rb == 0.5 / 7.0, "xmm registers clobbered: %g %g", ra, rb);
  double again = 0;
  for (int i = 0; i < 1000; i++)
    again = again * 0.999 + (double)i / 3.0;
  CHECK(again == want, "double arithmetic differs");
  printf("fpu state intact (handler computed %.2f)\n", fpu_seen);
  return 0;
}

static void on_outer(int sig)
{
  (void)sig;
  depth++;
  if (depth > max_depth)
    max_depth = depth;
  raise(SIGUSR2); /* runs inside this handler: SIGUSR2 is not blocked */
  if (got == 0)
    raise(SIGUSR1); /* blocked while this handler runs: after it returns */
  got++;
  depth--;
}

static void on_inner(int sig)
{
  (void)sig;
  depth++;
  if (depth > max_depth)
    max_depth = depth;
  got2++;
  depth--;
}

static int mode_nested(void)
{
  install(SIGUSR1, on_outer, 0);
  install(SIGUSR2, on_inner, 0);
  raise(SIGUSR1);
  CHECK(got == 2 && got2 == 2, "outer %d inner %d", (int)got, (int)got2);
  CHECK(max_depth == 2, "max depth %d", (int)max_depth);
  printf("nested: outer 2 inner 2 depth 2\n");
  return 0;
}

static int mode_sigsuspend(void)
{
  sigset_t set, none;

  install(SIGUSR1, count, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  sigemptyset(&none);
  CHECK(sigsuspend(&none) == -1 && errno == EINTR, "sigsuspend: %s", strerror(errno));
  CHECK(got == 1, "handler did not run");
  sigprocmask(SIG_BLOCK, NULL, &set);
  CHECK(sigismember(&set, SIGUSR1), "mask not restored after sigsuspend");
  printf("sigsuspend: EINTR, mask restored\n");
  return 0;
}

static void on_spin(int sig)
{
  (void)sig;
  __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\t"
                   "pcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm8, %%xmm8" ::
                       : "xmm0", "xmm1", "xmm2", "xmm3", "xmm8");
  got++;
}

/* A loop without syscalls: the handler interrupts it anywhere, and the
 * integer and double state it had must be intact afterwards. */
static int mode_spin_handler(void)
{
  uint64_t x = 42, y = 42;
  double d = 1.0, e = 1.0;
  long n = 0;

  install(SIGUSR1, on_spin, 0);
  printf("ready\n");
  while (!got) {
    x = mix(x, 1);
    d = d * 1.0000001 + 0.5;
    n++;
  }
  for (long i = 0; i < n; i++) {
    y = mix(y, 1);
    e = e * 1.0000001 + 0.5;
  }
  CHECK(x == y && d == e, "state changed by the handler after %ld rounds", n);
  printf("handler ran in a loop without syscalls; state intact\n");
  return 6;
}

/* alarm interrupts a loop without syscalls; a periodic ITIMER_REAL ends
 * pause() each period; an alarm without a handler ends the function. */
static int mode_alarm(void)
{
  struct itimerval it = {{0, 100000}, {0, 100000}}, cur;
  int pauses = 0;

  install(SIGALRM, count, 0);
  CHECK(alarm(1) == 0, "no alarm was pending");
  CHECK(alarm(1) == 1, "alarm did not report the pending one");
  while (!got)
    got2++;
  printf("alarm interrupted a loop\n");
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: %s", strerror(errno));
  CHECK(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_interval.tv_usec == 100000,
        "getitimer interval %ld", (long)cur.it_interval.tv_usec);
  while (pauses < 3)
    if (pause() == -1 && errno == EINTR)
      pauses++;
  printf("itimer ended pause %d times\n", pauses);
  memset(&it, 0, sizeof(it));
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "disarm");
  signal(SIGALRM, SIG_DFL);
  alarm(1);
  pause();
  printf("FAIL: alive after SIGALRM\n");
  return 1;
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
  (void)uc;
  fault_sig = sig;
  fault_code = si->si_code;
  fault_addr = (uintptr_t)si->si_addr;
  siglongjmp(fault_jmp, 1);
}

/* Faults reach handlers with Linux's si_code and si_addr; the handler
 * leaves with siglongjmp, which restores the mask. */
static int mode_fault(void)
{
  struct sigaction sa;
  volatile int zero = 0;
  volatile uintptr_t bad = 0x10;

  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGFPE, &sa, NULL);
  if (sigsetjmp(fault_jmp, 1) == 0)
    *(volatile int *)bad = 1;
  printf("SIGSEGV code %d addr 0x%lx\n", fault_code, (unsigned long)fault_addr);
  if (sigsetjmp(fault_jmp, 1) == 0)
    __asm__ volatile("ud2");
  printf("SIGILL code %d\n", fault_code);
  if (sigsetjmp(fault_jmp, 1) == 0)
    printf("%d\n", 7 / zero);
  printf("SIGFPE code %d\n", fault_code);
  signal(SIGSEGV, SIG_DFL);
  *(volatile int *)bad = 1;
  printf("FAIL: alive after the fault\n");
  return 1;
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  setvbuf(stdout, NULL, _IONBF, 0);
  if (strcmp(mode, "term-handler") == 0) {
    install(SIGTERM, on_term, 0);
    printf("ready\n");
    for (;;)
      pause();
  }
  if (strcmp(mode, "pause-eintr") == 0) {
    install(SIGTERM, count, 0);
    printf("ready\n");
    CHECK(pause() == -1 && errno == EINTR, "pause returned without EINTR");
    printf("pause: EINTR after the handler (got %d)\n", (int)got);
    return 4;
  }
  if (strcmp(mode, "ignore") == 0) {
    struct timespec ts = {1, 0};
    signal(SIGTERM, SIG_IGN);
    printf("ready\n");
    while (nanosleep(&ts, &ts) != 0)
      ;
    printf("slept\n");
    return 3;
  }
  if (strcmp(mode, "sleep-handler") == 0) {
    struct timespec ts = {30, 0};
    install(SIGUSR1, count, 0);
    printf("ready\n");
    CHECK(nanosleep(&ts, &ts) == -1 && errno == EINTR, "nanosleep was not interrupted");
    CHECK(ts.tv_sec > 0 && ts.tv_sec <= 30, "remaining %ld s", (long)ts.tv_sec);
    printf("nanosleep: EINTR, time left\n");
    return 5;
  }
  if (strcmp(mode, "read-restart") == 0) {
    char buf[64];
    ssize_t n;
    install(SIGUSR1, count, SA_RESTART);
    printf("ready\n");
    n = read(0, buf, sizeof(buf) - 1);
    CHECK(n >= 0, "read: %s", strerror(errno));
    buf[n] = '\0';
    printf("read %zd bytes after %d signals: %s", n, (int)got, buf);
    return 0;
  }
  if (strcmp(mode, "spin") == 0) {
    printf("ready\n");
    for (;;)
      got2++; /* no syscalls: a host signal must still end it */
  }
  if (strcmp(mode, "spin-handler") == 0)
    return mode_spin_handler();
  if (strcmp(mode, "fault") == 0)
    return mode_fault();
  if (strcmp(mode, "alarm") == 0)
    return mode_alarm();
  if (strcmp(mode, "raise") == 0)
    return mode_raise();
  if (strcmp(mode, "mask") == 0)
    return mode_mask();
  if (strcmp(mode, "altstack") == 0)
    return mode_altstack();
  if (strcmp(mode, "resethand") == 0)
    return mode_resethand();
  if (strcmp(mode, "fpu") == 0)
    return mode_fpu();
  if (strcmp(mode, "nested") == 0)
    return mode_nested();
  if (strcmp(mode, "sigsuspend") == 0)
    return mode_sigsuspend();
  fprintf(stderr, "usage: signals MODE\n");
  return 2;
}
