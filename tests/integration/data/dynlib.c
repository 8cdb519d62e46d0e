/* A shared library dynprog.c loads with dlopen: initialised data, a large
 * bss, a thread-local counter (dynamic TLS) and a constructor. */
#include <stdio.h>

static int data = 1234;
static char bss[1 << 20];
static int constructed;
static __thread int counter = 41;

__attribute__((constructor)) static void init(void)
{
  constructed = 1;
}

const char *dynlib_describe(void)
{
  static char out[128];
  int zero = 1;

  for (size_t i = 0; i < sizeof(bss); i++)
    zero &= bss[i] == 0;
  bss[0] = 1; /* writable */
  snprintf(out, sizeof(out), "data %d, bss zero %s, constructor %s", data, zero ? "yes" : "no",
           constructed ? "ran" : "did not run");
  return out;
}

int dynlib_tls_next(void)
{
  return ++counter;
}
