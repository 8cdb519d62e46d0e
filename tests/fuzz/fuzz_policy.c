/* libFuzzer target: the seccomp policy blob the LibOS receives from the
 * host. Whatever los_policy_check accepts must be safe to look up, for
 * every syscall number and any arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const uint64_t odd_numbers[] = {TL_POLICY_NR, 600, LOS_X32_SYSCALL_BIT | 1, UINT64_MAX};
  uint64_t args[6] = {0};
  uint64_t *copy;

  if (size > (4u << 20))
    return 0;
  /* the LibOS checks an 8-byte aligned private copy */
  copy = malloc(size + 8);
  memcpy(copy, data, size);
  if (los_policy_check(copy, size) == NULL) {
    memcpy(args, data + sizeof(struct tl_policy) / 2, sizeof(args));
    for (uint64_t nr = 0; nr < TL_POLICY_NR; nr++)
      los_policy_decide((const struct tl_policy *)copy, nr, args);
    for (size_t i = 0; i < sizeof(odd_numbers) / sizeof(odd_numbers[0]); i++)
      los_policy_decide((const struct tl_policy *)copy, odd_numbers[i], args);
  }
  free(copy);
  return 0;
}
