/* The syscall table: entries are data (syscalls.def), so the dispatcher, the
 * "unsupported" log and docs/syscalls.md come from one list. */
#ifndef LOS_SYSCALL_H
#define LOS_SYSCALL_H

#include "los.h"

#define SYSARGS uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5
#define SYSDEF(name) int64_t los_sys_##name(SYSARGS)

#define SYSCALL(name, status, note) SYSDEF(name);
#include "syscalls.def"
#undef SYSCALL

/* Saved application registers, in the order entry_x86_64.S pushes them;
 * the exit restores all of them (rip and rflags included). */
struct los_regs {
  uint64_t r15, r14, r13, r12, r10, r9, r8, rbp, rdi, rsi, rdx, rbx, rax, rsp, r11, rcx, rflags,
      rip;
};

/* signal.c: signal state, delivery and the signal syscalls */
/* Called at every syscall exit: restarts an interrupted syscall, or builds
 * the frame of the next deliverable signal (r then enters the handler). */
void los_signal_exit(struct los_regs *r, uint64_t nr);
/* For blocking syscalls: takes host signals, runs default actions (may not
 * return), drops ignored ones; true when a handler is due (return
 * -ERESTARTSYS/-ERESTARTNOHAND then). */
bool los_signal_wake(void);
/* Before the function starts: default dispositions, published to the monitor. */
void los_signal_init(void);
extern struct los_regs *los_cur_regs;
/* The entry from the monitor for an interrupted application (entry_x86_64.S). */
void los_signal_async(struct los_regs *r);
#define LOS_NR_NONE (~0ULL) /* los_signal_exit outside a syscall */

/* Internal restart codes (never seen by the application), as Linux's. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514

/* The syscall's Linux name, or "?". */
const char *los_syscall_name(uint64_t nr);

/* seccomp.c: linux.seccomp. los_seccomp is NULL when there is no profile. */
extern const struct tl_policy *los_seccomp;
void los_seccomp_init(const struct tl_boot *b);
/* Whether the profile stops this syscall: then *ret is its result (kills
 * do not return). Call only when los_seccomp is set. */
bool los_seccomp_denies(const struct los_regs *r, int64_t *ret);
/* The profile's verdict on the execve that starts the program. */
void los_seccomp_exec(const char *path);

/* Copy a NUL-terminated string from the application; -EFAULT/-ENAMETOOLONG. */
int los_copy_str(char *dst, uint64_t src, size_t size);
#define USER_OK(p, len, w) los_user_ok((const void *)(p), (uint64_t)(len), (w))

#endif
