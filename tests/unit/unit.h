/* Minimal C unit-test harness: TEST() registers a case; CHECK* record failures. */
#ifndef HACHER_UNIT_H
#define HACHER_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct unit_case {
  const char *name;
  void (*fn)(void);
  struct unit_case *next;
};

void unit_register(struct unit_case *c);
/* Record a failed check for the running case (first failure is printed). */
void unit_fail(const char *file, int line, const char *what);

#define TEST(name)                                                                                 \
  static void name(void);                                                                          \
  static struct unit_case unit_case_##name = {#name, name, NULL};                                  \
  __attribute__((constructor)) static void unit_register_##name(void)                              \
  {                                                                                                \
    unit_register(&unit_case_##name);                                                              \
  }                                                                                                \
  static void name(void)

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      unit_fail(__FILE__, __LINE__, #cond);                                                        \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
  do {                                                                                             \
    long long unit_a = (long long)(a), unit_b = (long long)(b);                                    \
    if (unit_a != unit_b) {                                                                        \
      char unit_m[256];                                                                            \
      snprintf(unit_m, sizeof(unit_m), "%s == %s (%lld != %lld)", #a, #b, unit_a, unit_b);         \
      unit_fail(__FILE__, __LINE__, unit_m);                                                       \
    }                                                                                              \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
  do {                                                                                             \
    const char *unit_a = (a), *unit_b = (b);                                                       \
    if (unit_a == NULL || unit_b == NULL || strcmp(unit_a, unit_b) != 0) {                         \
      char unit_m[512];                                                                            \
      snprintf(unit_m, sizeof(unit_m), "%s == %s (\"%s\" != \"%s\")", #a, #b,                      \
               unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)");                            \
      unit_fail(__FILE__, __LINE__, unit_m);                                                       \
    }                                                                                              \
  } while (0)

#endif
