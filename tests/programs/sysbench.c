/* Syscall microbenchmark: sysbench FILE prints "name ns-per-op" lines for
 * getppid, a 4 KiB pread of FILE, open+close of FILE, a 64-byte write to
 * stdout (which leaves a trustlet), a futex hand-off between two threads,
 * thread create+join, fork+wait and fork+execve+wait. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5000
#define FUTEX_WAIT_PRIVATE_ 128
#define FUTEX_WAKE_PRIVATE_ 129

static volatile int turn;

static void futex_wait(volatile int *p, int v)
{
  syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE_, v, NULL, NULL, 0);
}

static void futex_wake(volatile int *p)
{
  syscall(SYS_futex, p, FUTEX_WAKE_PRIVATE_, 1, NULL, NULL, 0);
}

/* Thread 1 waits for turn 1, hands back 0: each hand-off is a wake and a
 * switch to the waiting thread. */
static void *partner(void *arg)
{
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    while (turn != 1)
      futex_wait(&turn, 0);
    turn = 0;
    futex_wake(&turn);
  }
  return NULL;
}

static void *nothing(void *arg)
{
  return arg;
}

static double now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
  const char *file = argc > 1 ? argv[1] : "/etc/passwd";
  pthread_t th;
  pid_t pid;
  int st;

  if (argc > 1 && strcmp(argv[1], "--noop") == 0)
    return 0;
  static char buf[4096];
  char line[64];
  int fd = open(file, O_RDONLY), n;
  double t0;

  if (fd < 0) {
    perror(file);
    return 1;
  }
  t0 = now_ns();
  for (n = 0; n < 100000; n++)
    syscall(SYS_getppid);
  fprintf(stderr, "getppid %.0f\n", (now_ns() - t0) / n);
  t0 = now_ns();
  for (n = 0; n < 20000; n++)
    if (pread(fd, buf, sizeof(buf), 0) < 0)
      return 1;
  fprintf(stderr, "pread-4k %.0f\n", (now_ns() - t0) / n);
  t0 = now_ns();
  for (n = 0; n < 20000; n++)
    close(open(file, O_RDONLY));
  fprintf(stderr, "open-close %.0f\n", (now_ns() - t0) / n);
  memset(line, '.', sizeof(line) - 1);
  line[sizeof(line) - 1] = '\n';
  t0 = now_ns();
  for (n = 0; n < 2000; n++)
    if (write(1, line, sizeof(line)) != (ssize_t)sizeof(line))
      return 1;
  fprintf(stderr, "write-stdout-64 %.0f\n", (now_ns() - t0) / n);
  pthread_create(&th, NULL, partner, NULL);
  t0 = now_ns();
  for (n = 0; n < ROUNDS; n++) {
    turn = 1;
    futex_wake(&turn);
    while (turn != 0)
      futex_wait(&turn, 1);
  }
  fprintf(stderr, "futex-handoff %.0f\n", (now_ns() - t0) / (2.0 * n));
  pthread_join(th, NULL);
  t0 = now_ns();
  for (n = 0; n < 200; n++) {
    pthread_create(&th, NULL, nothing, NULL);
    pthread_join(th, NULL);
  }
  fprintf(stderr, "thread-create-join %.0f\n", (now_ns() - t0) / n);
  t0 = now_ns();
  for (n = 0; n < 100; n++) {
    if ((pid = fork()) == 0)
      _exit(0);
    waitpid(pid, &st, 0);
  }
  fprintf(stderr, "fork-wait %.0f\n", (now_ns() - t0) / n);
  t0 = now_ns();
  for (n = 0; n < 50; n++) {
    if ((pid = fork()) == 0) {
      execl("/proc/self/exe", "sysbench", "--noop", (char *)NULL);
      _exit(127);
    }
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      return 1;
  }
  fprintf(stderr, "fork-exec-wait %.0f\n", (now_ns() - t0) / n);
  return 0;
}
