/* Benchmark: the LibOS's seccomp lookup (libos/seccomp_policy.c, built for
 * the host) on a compiled profile, per kind of syscall.
 * Usage: seccomp_lookup PROFILE.json; PROFILE is a linux.seccomp object.
 * Prints "seccomp-lookup WHAT ns-per-lookup" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "libos/seccomp_policy.h"
#include "oci-spec/config.h"
#include "shim/seccomp_compile.h"

#define N 20000000

static double per_lookup(const struct tl_policy *p, uint64_t nr, uint64_t a0)
{
  uint64_t args[6] = {a0, 0, 0, 0, 0, 0};
  volatile uint32_t sink = 0;
  struct timespec t0, t1;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < N; i++) {
    args[1] = (uint64_t)i; /* keep the loop from being hoisted */
    sink += los_policy_decide(p, nr, args);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  (void)sink;
  return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
}

int main(int argc, char **argv)
{
  hacher_error_t err = NULL;
  struct oci_config *cfg;
  char *json, *text;
  size_t size;
  void *blob;

  if (argc != 2 || read_file(argv[1], &json, &size, &err) < 0)
    return 2;
  text = xasprintf("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, "
                   "\"linux\": {\"seccomp\": %s}}",
                   json);
  if (oci_config_parse(argv[1], text, strlen(text), &cfg, &err) < 0 || cfg->seccomp == NULL ||
      hacher_seccomp_compile(cfg->seccomp, &blob, &size, &err) < 0 || blob == NULL ||
      los_policy_check(blob, size) != NULL) {
    fprintf(stderr, "seccomp_lookup: %s\n", err ? err->msg : "no policy");
    return 1;
  }
  printf("seccomp-lookup allowed(getppid) %.1f\n", per_lookup(blob, 110, 0));
  printf("seccomp-lookup conditional(personality) %.1f\n", per_lookup(blob, 135, 0xffffffff));
  printf("seccomp-lookup default(mount) %.1f\n", per_lookup(blob, 165, 0));
  return 0;
}
