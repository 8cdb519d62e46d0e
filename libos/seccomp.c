/* linux.seccomp enforced on the function's syscalls: the policy blob from
 * the monitor is copied into LibOS memory, checked against its digest and
 * validated once; then every syscall is looked up before dispatch. */
#include <asm/unistd_64.h>

#include "../common/sha256.h"
#include "seccomp_policy.h"
#include "syscall.h"

#define SIGSYS_ 31
#define LOG_LINES_MAX 100

const struct tl_policy *los_seccomp;
static unsigned log_lines;

void los_seccomp_init(const struct tl_boot *b)
{
  uint64_t size = b->policy_size;
  uint8_t digest[32];
  void *copy;
  const char *why;

  if (size == 0)
    return;
  if (size > sizeof(struct tl_policy) + TL_POLICY_MAX_RULES * sizeof(struct tl_policy_rule) +
                 TL_POLICY_MAX_CONDS * sizeof(struct tl_policy_cond))
    los_abort("seccomp: malformed policy from the monitor: too large");
  /* A private copy: the host cannot change what was checked. */
  copy = kmalloc(size);
  if (copy == NULL)
    los_abort("seccomp: no memory for the policy");
  memcpy(copy, (const void *)TL_POLICY_GPA, size);
  sha256(copy, size, digest);
  if (memcmp(digest, b->policy_digest, sizeof(digest)) != 0)
    los_abort("seccomp: policy does not match its digest");
  why = los_policy_check(copy, size);
  if (why != NULL)
    los_abort("seccomp: malformed policy from the monitor: %s", why);
  los_seccomp = copy;
}

static const char *kind_name(uint32_t kind)
{
  static const char *const names[] = {
      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",         "SCMP_ACT_TRACE",       "SCMP_ACT_ERRNO",
      "SCMP_ACT_TRAP",  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS"};
  return kind < LOS_ARRAY_SIZE(names) ? names[kind] : "?";
}

/* What the kernel would audit-log: kills always, SCMP_ACT_LOG always, the
 * rest with SECCOMP_FILTER_FLAG_LOG. Bounded, so a loop cannot flood. */
static void log_action(uint64_t nr, uint32_t action)
{
  uint32_t kind = TL_SC_KIND(action);
  bool kill = kind >= TL_SC_TRAP;

  if (kind == TL_SC_ALLOW || (kind != TL_SC_LOG && !kill && !(los_seccomp->flags & TL_POLICY_LOG)))
    return;
  if (!kill && log_lines >= LOG_LINES_MAX) {
    if (log_lines == LOG_LINES_MAX)
      los_log("seccomp: %u actions logged; no further lines", LOG_LINES_MAX);
    log_lines = LOG_LINES_MAX + 1;
    return;
  }
  log_lines++;
  if (kill)
    los_log("seccomp: syscall '%s' (%lu): %s: killed by SIGSYS", los_syscall_name(nr), nr,
            kind_name(kind));
  else if (kind == TL_SC_ERRNO)
    los_log("seccomp: syscall '%s' (%lu): %s (errno %u)", los_syscall_name(nr), nr, kind_name(kind),
            TL_SC_DATA(action));
  else
    los_log("seccomp: syscall '%s' (%lu): %s", los_syscall_name(nr), nr, kind_name(kind));
}

bool los_seccomp_denies(const struct los_regs *r, int64_t *ret)
{
  const uint64_t args[6] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9};
  uint32_t action = los_policy_decide(los_seccomp, r->rax, args);

  if (action == TL_SC_ACTION(TL_SC_ALLOW, 0))
    return false;
  log_action(r->rax, action);
  switch (TL_SC_KIND(action)) {
  case TL_SC_ALLOW:
  case TL_SC_LOG: return false;
  case TL_SC_ERRNO: *ret = -(int64_t)TL_SC_DATA(action); return true;
  case TL_SC_TRACE: *ret = -ENOSYS; return true; /* no tracer: as the kernel */
  default:
    /* KILL_*, and TRAP: signal handlers are not run yet, so SIGSYS takes
     * its default action */
    los_exit(0, SIGSYS_);
  }
}

/* runc installs the profile before it execs the function, so the execve
 * that starts the program is subject to it too (its pointer arguments mean
 * nothing here and are passed as 0). A refusal is a start-up error, like
 * the other exec errors. */
void los_seccomp_exec(const char *path)
{
  static const uint64_t args[6];
  uint32_t action, kind, e;

  if (los_seccomp == NULL)
    return;
  action = los_policy_decide(los_seccomp, __NR_execve, args);
  kind = TL_SC_KIND(action);
  if (kind == TL_SC_LOG)
    log_action(__NR_execve, action);
  if (kind == TL_SC_ALLOW || kind == TL_SC_LOG)
    return;
  e = kind == TL_SC_ERRNO ? TL_SC_DATA(action) : kind == TL_SC_TRACE ? ENOSYS : 0;
  if (e == EPERM)
    los_abort("exec \"%s\": operation not permitted", path);
  if (e == EACCES)
    los_abort("exec \"%s\": permission denied", path);
  if (e == ENOSYS)
    los_abort("exec \"%s\": function not implemented", path);
  if (e != 0)
    los_abort("exec \"%s\": errno %u from the seccomp profile", path, e);
  los_abort("exec \"%s\": killed by the seccomp profile (%s)", path, kind_name(kind));
}
