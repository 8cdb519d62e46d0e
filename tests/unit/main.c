/* Runs every registered unit case; prints one line per case and a total. */
#include <stdlib.h>

#include "unit.h"

static struct unit_case *cases;
static int failed_checks;

void unit_register(struct unit_case *c)
{
  c->next = cases;
  cases = c;
}

void unit_fail(const char *file, int line, const char *what)
{
  if (failed_checks++ == 0)
    printf("  %s:%d: check failed: %s\n", file, line, what);
}

int main(int argc, char **argv)
{
  int passed = 0, failed = 0;
  struct unit_case *rev = NULL;

  while (cases) { /* constructors register in reverse; restore file order */
    struct unit_case *n = cases->next;
    cases->next = rev;
    rev = cases;
    cases = n;
  }
  for (struct unit_case *c = rev; c; c = c->next) {
    if (argc > 1 && strstr(c->name, argv[1]) == NULL)
      continue;
    failed_checks = 0;
    c->fn();
    if (failed_checks == 0) {
      passed++;
      printf("ok %s\n", c->name);
    } else {
      failed++;
      printf("not ok %s\n", c->name);
    }
    fflush(stdout);
  }
  printf("unit: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
