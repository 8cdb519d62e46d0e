/* The seccomp policy table (struct tl_policy): validation and lookup.
 * Portable C without LibOS services, so it is also unit-tested and fuzzed
 * on the host. */
#ifndef LOS_SECCOMP_POLICY_H
#define LOS_SECCOMP_POLICY_H

#include <stdint.h>

#include "../common/tl_abi.h"

#define LOS_X32_SYSCALL_BIT 0x40000000ULL

/* NULL when the size bytes at p are a well-formed policy (every count,
 * index, action and condition in range), else what is wrong. p must be
 * 8-byte aligned. */
const char *los_policy_check(const void *p, uint64_t size);

/* The action (TL_SC_ACTION) a checked policy takes for syscall nr with the
 * six argument registers args. */
uint32_t los_policy_decide(const struct tl_policy *p, uint64_t nr, const uint64_t args[6]);

#endif
