/* Syscall dispatch: the seccomp profile first (when there is one), then
 * the table built from syscalls.def; anything else gets ENOSYS and one log
 * line per syscall number. */
#include <asm/unistd_64.h>

#include "task.h"
#include "trace.h"

#define NR_MAX 512

typedef int64_t (*los_sys_fn)(SYSARGS);

static const los_sys_fn table[NR_MAX] = {
#define SYSCALL(name, status, note) [__NR_##name] = los_sys_##name,
#include "syscalls.def"
#undef SYSCALL
};

/* Every Linux x86-64 syscall name, generated from <asm/unistd_64.h>. */
static const char *const names[NR_MAX] = {
#include "syscall_names.h"
};

const char *los_syscall_name(uint64_t nr)
{
  return nr < NR_MAX && names[nr] ? names[nr] : "?";
}

static uint8_t reported[NR_MAX / 8];

static int64_t unsupported(uint64_t nr)
{
  if (nr < NR_MAX && !(reported[nr / 8] & (1u << (nr % 8)))) {
    reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
    los_log("unsupported syscall '%s' (%u)", names[nr] ? names[nr] : "?", (unsigned)nr);
  } else if (nr >= NR_MAX && !(reported[0] & 1)) {
    reported[0] |= 1;
    los_log("unsupported syscall number %u", (unsigned)nr);
  }
  return -ENOSYS;
}

static inline int64_t dispatch(struct los_regs *r, uint64_t nr)
{
  int64_t ret;

  if (los_seccomp != NULL && los_seccomp_denies(r, &ret))
    return ret; /* the profile answered; the syscall does not run */
  if (nr < NR_MAX && table[nr] != NULL)
    return table[nr](r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
  return unsupported(nr);
}

/* Out of line, so the untraced path stays as it was. The arguments are
 * captured before the call (it may change or free them) and shown after. */
static __attribute__((noinline)) int64_t traced(struct los_regs *r, uint64_t nr)
{
  struct los_trace_call t;
  int64_t ret;

  los_trace_enter(&t, r);
  ret = dispatch(r, nr);
  los_trace_exit(&t, ret);
  return ret;
}

void los_syscall(struct los_regs *r)
{
  uint64_t nr = r->rax;
  int64_t ret;

  los_cur_regs = r;
  /* the only cost of the trace mode when it is off */
  if (__builtin_expect(los_proc.trace, 0))
    ret = traced(r, nr);
  else
    ret = dispatch(r, nr);
  r->rax = (uint64_t)ret;
  los_preempt_check();
  los_check_killed();
  los_signal_exit(r, nr);
}
