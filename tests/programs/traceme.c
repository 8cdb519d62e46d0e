/* traceme: raw syscalls with known arguments, so tests/integration/trace.bats
 * can expect exact trace lines whatever the C library does around them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
  static char buf[4096], big[100];
  static const char longpath[] = "/data/a-name-much-longer-than-thirty-two-bytes/file";
  static const char odd[] = "\001\tA\n";
  struct timespec ts = {0, 1000};
  long fd;

  fd = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || syscall(SYS_read, fd, buf, sizeof(buf)) <= 0)
    return 1;
  syscall(SYS_close, fd);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_RDONLY);
  syscall(SYS_openat, AT_FDCWD, longpath, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  syscall(SYS_openat, AT_FDCWD, (const char *)1, O_RDONLY);
  syscall(SYS_write, 1, "hello\n", 6);
  syscall(SYS_write, 1, odd, 4);
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\n';
  syscall(SYS_write, 1, big, sizeof(big));
  syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  syscall(SYS_nanosleep, &ts, NULL);
  syscall(SYS_kill, 1, 0);
  syscall(SYS_io_uring_setup, 1, NULL, 0, 0, 0, 0); /* not in trace.def: hex */
  return 0;
}
