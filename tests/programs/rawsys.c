/* rawsys CALL...: makes raw syscalls and prints one line per call, so tests
 * can give exact numbers and 64-bit arguments. CALL is NR[:ARG]... with
 * numbers in C notation (0x..., decimal). Prints "NR(ARGS) = RC" or
 * "NR(ARGS) = -1 ERRNO" (errno as a number). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int call(const char *spec)
{
  unsigned long long v[7] = {0};
  const char *p = spec;
  char *end;
  int n = 0;
  long rc;

  while (n < 7) {
    errno = 0;
    v[n++] = strtoull(p, &end, 0);
    if (errno != 0 || end == p || (*end != ':' && *end != '\0')) {
      fprintf(stderr, "rawsys: bad call \"%s\"\n", spec);
      return -1;
    }
    if (*end == '\0')
      break;
    p = end + 1;
  }
  rc = syscall((long)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  printf("%s = %ld", spec, rc);
  if (rc == -1)
    printf(" errno %d", errno);
  printf("\n");
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (call(argv[i]) < 0)
      return 2;
  return 0;
}
