/* Syscall microbenchmark: sysbench FILE prints "name ns-per-op" lines for
 * getppid, a 4 KiB pread of FILE, open+close of FILE, and a 64-byte write
 * to stdout (which leaves a trustlet). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
  const char *file = argc > 1 ? argv[1] : "/etc/passwd";
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
  return 0;
}
