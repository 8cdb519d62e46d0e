/* Threads inside a trustlet: creation and join, mutexes and condition
 * variables, a busy thread that must not starve the others, per-thread
 * signals, timed waits. Prints one line per check; exits 1 on a mismatch. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("FAIL: " __VA_ARGS__);                                                                \
      printf("\n");                                                                                \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static void *sum_range(void *arg)
{
  long n = (long)arg, s = 0;
  for (long i = n * 1000000; i < (n + 1) * 1000000; i++)
    s += i % 7;
  return (void *)s;
}

static void check_join(void)
{
  pthread_t t[4];
  long total = 0, expect = 0;

  for (long n = 0; n < 4; n++)
    CHECK(pthread_create(&t[n], NULL, sum_range, (void *)n) == 0, "pthread_create");
  for (int n = 0; n < 4; n++) {
    void *r;
    CHECK(pthread_join(t[n], &r) == 0, "pthread_join");
    total += (long)r;
  }
  for (long i = 0; i < 4000000; i++)
    expect += i % 7;
  CHECK(total == expect, "sum %ld != %ld", total, expect);
  printf("join: 4 threads summed %ld\n", total);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds = 2000;

static void *pong(void *arg)
{
  (void)arg;
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&mu);
    while (turn != 1)
      pthread_cond_wait(&cv, &mu);
    turn = 0;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static void check_pingpong(void)
{
  pthread_t t;
  pthread_create(&t, NULL, pong, NULL);
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&mu);
    turn = 1;
    pthread_cond_signal(&cv);
    while (turn != 0)
      pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  pthread_join(t, NULL);
  printf("pingpong: %d rounds\n", rounds);
}

static volatile int stop_spin;
static volatile unsigned long spins;

static void *spinner(void *arg)
{
  (void)arg;
  while (!stop_spin)
    spins++;
  return NULL;
}

/* The main thread sleeps while a thread spins without syscalls: it must
 * still wake up (preemption), and the spinner must have run meanwhile. */
static void check_preempt(void)
{
  pthread_t t;
  struct timespec ts = {0, 50 * 1000 * 1000};

  pthread_create(&t, NULL, spinner, NULL);
  nanosleep(&ts, NULL);
  stop_spin = 1;
  pthread_join(t, NULL);
  CHECK(spins > 0, "the spinner never ran");
  printf("preempt: the sleeper woke while a thread spun\n");
}

static volatile pid_t handler_tid;

static void on_usr1(int sig)
{
  (void)sig;
  handler_tid = (pid_t)syscall(SYS_gettid);
}

static volatile pid_t waiter_tid;
static volatile int waiter_go;

static void *sig_waiter(void *arg)
{
  (void)arg;
  waiter_tid = (pid_t)syscall(SYS_gettid);
  while (handler_tid == 0)
    pause();
  return NULL;
}

static void check_thread_signal(void)
{
  pthread_t t;
  sigset_t set;

  signal(SIGUSR1, on_usr1);
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_create(&t, NULL, sig_waiter, NULL);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* the main thread must not take it */
  while (waiter_tid == 0)
    sched_yield();
  pthread_kill(t, SIGUSR1);
  pthread_join(t, NULL);
  CHECK(handler_tid == waiter_tid, "handler ran in %d, not %d", handler_tid, waiter_tid);
  CHECK(handler_tid != getpid(), "handler ran in the main thread");
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  printf("tgkill: the handler ran in the target thread\n");
}

static void check_timedwait(void)
{
  struct timespec t0, t1, dl;
  int rc;

  clock_gettime(CLOCK_REALTIME, &t0);
  dl = t0;
  dl.tv_nsec += 30 * 1000 * 1000;
  if (dl.tv_nsec >= 1000000000) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&mu);
  rc = pthread_cond_timedwait(&cv, &mu, &dl);
  pthread_mutex_unlock(&mu);
  clock_gettime(CLOCK_REALTIME, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  CHECK(rc == ETIMEDOUT, "timedwait returned %d", rc);
  CHECK(ms >= 29, "timedwait returned after %ld ms", ms);
  printf("timedwait: ETIMEDOUT\n");
}

/* Vector registers survive a switch to another thread that uses them too:
 * each thread keeps its own pattern in ymm7 across sched_yield. */
static void *avx_keep(void *arg)
{
  uint64_t p = (uint64_t)arg, in[4] = {p, ~p, p * 3, p ^ 0x5555}, out[4];
  long bad = 0;

  for (int i = 0; i < 300; i++) {
    __asm__ volatile("vmovdqu (%1), %%ymm7\n\t"
                     "mov $24, %%eax\n\t" /* sched_yield */
                     "syscall\n\t"
                     "vmovdqu %%ymm7, (%0)\n\t"
                     :
                     : "r"(out), "r"(in)
                     : "rax", "rcx", "r11", "memory", "xmm7");
    bad += memcmp(in, out, sizeof(in)) != 0;
  }
  return (void *)bad;
}

static void check_avx(void)
{
  pthread_t t[2];
  void *r0, *r1;

  if (!__builtin_cpu_supports("avx")) {
    printf("avx: not supported by this CPU, skipped\n");
    return;
  }
  pthread_create(&t[0], NULL, avx_keep, (void *)0x1111222233334444ULL);
  pthread_create(&t[1], NULL, avx_keep, (void *)0x9999888877776666ULL);
  pthread_join(t[0], &r0);
  pthread_join(t[1], &r1);
  CHECK(r0 == NULL && r1 == NULL, "ymm7 changed under a thread %ld/%ld times", (long)r0, (long)r1);
  printf("avx: ymm registers kept across switches\n");
}

static void check_many(void)
{
  enum { N = 50 };
  pthread_t t[N];
  for (long n = 0; n < N; n++)
    CHECK(pthread_create(&t[n], NULL, sum_range, (void *)0) == 0, "create %ld", n);
  for (int n = 0; n < N; n++)
    pthread_join(t[n], NULL);
  printf("many: %d threads came and went\n", N);
}

int main(int argc, char **argv)
{
  const char *what = argc > 1 ? argv[1] : "all";

  if (!strcmp(what, "all") || !strcmp(what, "join"))
    check_join();
  if (!strcmp(what, "all") || !strcmp(what, "pingpong"))
    check_pingpong();
  if (!strcmp(what, "all") || !strcmp(what, "preempt"))
    check_preempt();
  if (!strcmp(what, "all") || !strcmp(what, "signal"))
    check_thread_signal();
  if (!strcmp(what, "all") || !strcmp(what, "timedwait"))
    check_timedwait();
  if (!strcmp(what, "all") || !strcmp(what, "avx"))
    check_avx();
  if (!strcmp(what, "all") || !strcmp(what, "many"))
    check_many();
  printf("%s\n", failures ? "threads: FAILED" : "threads: ok");
  return failures ? 1 : 0;
}
