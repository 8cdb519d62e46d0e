/* Small behaviours of the trustlet, one per mode. Usage: misc MODE
 *   segv     dereference NULL (killed by SIGSEGV)
 *   ill      execute ud2 (killed by SIGILL)
 *   fpe      divide by zero (killed by SIGFPE)
 *   enosys   call an unsupported syscall twice; prints the errno names
 *   random   print 16 bytes of getrandom as hex */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  fprintf(stderr, "misc: unknown mode \"%s\"\n", mode);
  return 2;
}
