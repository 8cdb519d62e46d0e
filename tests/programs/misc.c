/* Small behaviours of the trustlet, one per mode. Usage: misc MODE
 *   segv     dereference NULL (killed by SIGSEGV)
 *   ill      execute ud2 (killed by SIGILL)
 *   fpe      divide by zero (killed by SIGFPE)
 *   enosys   call an unsupported syscall twice; prints the errno names
 *   random   print 16 bytes of getrandom as hex
 *   edges    Linux's answers for edge cases (prints one line per check)
 *   caps     the capabilities the process has; dropping one works, regaining it does not */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *what, long rc)
{
  printf("%s: %ld %s\n", what, rc, rc < 0 ? strerror(errno) : "ok");
}

/* Cases where a careless LibOS hangs, crashes or loses data. */
static int edges(void)
{
  int fd = open("/tmp/edge", O_RDWR | O_CREAT | O_TRUNC, 0644);
  struct stat st;
  /* the kernel's sigaction layout: the C libraries copy theirs, so only the
   * raw syscall can pass one buffer as both new and old action */
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
  } k = {SIG_IGN, 0, 0, 0}, k2;

  say("ftruncate -1", ftruncate(fd, -1));
  say("pwrite at 2^63-2", pwrite(fd, "ab", 2, INT64_MAX - 1));
  say("fstatat cwd empty path", fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
  say("rename onto itself", rename("/tmp/edge", "/tmp/edge"));
  say("stat after rename", stat("/tmp/edge", &st));
  say("sigaction same buffer", syscall(SYS_rt_sigaction, SIGUSR1, &k, &k, 8));
  say("write 0 bytes from a bad pointer", syscall(SYS_write, 1, (void *)0x7ff0000000000000UL, 0));
  syscall(SYS_rt_sigaction, SIGUSR1, NULL, &k2, 8);
  printf("handler kept: %s\n", k2.handler == SIG_IGN ? "yes" : "no");
  return 0;
}

/* The raw syscalls: neither C library wraps capget the same way. */
static int caps(void)
{
  struct {
    uint32_t version;
    int pid;
  } h = {0x20080522, 0};
  struct {
    uint32_t eff, prm, inh;
  } d[2];

  if (syscall(SYS_capget, &h, d) < 0) {
    say("capget", -1);
    return 1;
  }
  printf("eff %08x%08x prm %08x%08x inh %08x%08x\n", d[1].eff, d[0].eff, d[1].prm, d[0].prm,
         d[1].inh, d[0].inh);
  printf("bounding CAP_KILL %d CAP_SYS_ADMIN %d\n", (int)prctl(PR_CAPBSET_READ, 5),
         (int)prctl(PR_CAPBSET_READ, 21));
  d[0].eff &= ~(1u << 5);
  d[0].prm &= ~(1u << 5);
  say("drop CAP_KILL", syscall(SYS_capset, &h, d));
  d[0].prm |= 1u << 5;
  say("regain CAP_KILL", syscall(SYS_capset, &h, d));
  return 0;
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";
  volatile int zero = 0;

  if (strcmp(mode, "segv") == 0)
    return *(volatile int *)(long)zero;
  if (strcmp(mode, "ill") == 0)
    __asm__ volatile("ud2");
  if (strcmp(mode, "fpe") == 0) /* in asm: C division by zero is undefined */
    __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; cltd; idiv %%ecx" : : : "eax", "ecx", "edx");
  if (strcmp(mode, "enosys") == 0) {
    for (int i = 0; i < 2; i++) {
      long rc = syscall(SYS_inotify_init1, 0);
      printf("inotify_init1: %ld %s\n", rc, rc < 0 && errno == ENOSYS ? "ENOSYS" : "?");
    }
    return 0;
  }
  if (strcmp(mode, "random") == 0) {
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
      return 1;
    for (size_t i = 0; i < sizeof(b); i++)
      printf("%02x", b[i]);
    printf("\n");
    return 0;
  }
  if (strcmp(mode, "edges") == 0)
    return edges();
  if (strcmp(mode, "caps") == 0)
    return caps();
  fprintf(stderr, "misc: unknown mode \"%s\"\n", mode);
  return 2;
}
