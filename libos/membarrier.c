/* membarrier: the trustlet has one vCPU, and entering the LibOS is already
 * a full barrier for everything running on it, so every command is done by
 * the time it is asked (musl's dlopen and dlclose ask for it). */
#include "syscall.h"

#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_GLOBAL_EXPEDITED 2
#define MB_REGISTER_GLOBAL_EXPEDITED 4
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16
#define MB_SUPPORTED                                                                               \
  (MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | MB_PRIVATE_EXPEDITED |         \
   MB_REGISTER_PRIVATE_EXPEDITED)

static bool private_registered;

SYSDEF(membarrier)
{
  if (a1 != 0)
    return -EINVAL; /* no flags for these commands */
  if (a0 == MB_QUERY)
    return MB_SUPPORTED;
  /* exactly one supported command */
  if ((a0 & (a0 - 1)) != 0 || (a0 & ~(uint64_t)MB_SUPPORTED) != 0)
    return -EINVAL;
  if (a0 == MB_REGISTER_PRIVATE_EXPEDITED)
    private_registered = true;
  if (a0 == MB_PRIVATE_EXPEDITED && !private_registered)
    return -EPERM; /* as on Linux: register first */
  return 0;
}
