/* Tasks: the threads of the function. One vCPU runs them in turn; a task
 * leaves the vCPU when it blocks (los_wait), yields, or when the monitor's
 * tick asks for a reschedule while another task is runnable. */
#ifndef LOS_TASK_H
#define LOS_TASK_H

#include "sched.h"
#include "syscall.h"

#define LOS_KSTACK_SIZE (64 * 1024)

enum los_task_state { TASK_RUNNABLE, TASK_BLOCKED, TASK_DEAD };
enum los_wake_reason { WAKE_NONE, WAKE_EVENT, WAKE_TIMEOUT, WAKE_SIGNAL, WAKE_HOST };

/* An alternate signal stack (the kernel's stack_t). */
struct los_sigstack {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};

struct los_task {
  int tid;
  enum los_task_state state;
  uint64_t ksp;        /* saved LibOS stack pointer while switched out */
  uint8_t *kstack;     /* its LibOS stack (NULL: the boot stack) */
  uint64_t kstack_top; /* syscalls from this task run below this */
  uint64_t fsbase, gsbase;
  uint8_t *fpu; /* the application's FPU/vector state while switched out */
  void *fpu_block;
  /* signals (signal.c): what is per thread */
  uint64_t sig_blocked, sig_pending, sig_saved_mask;
  bool sig_restore_mask;
  struct los_sigstack altstack;
  /* threads (sys_thread.c) */
  uint64_t clear_child_tid, robust_list;
  /* blocking (sched.c) */
  uint64_t deadline; /* monotonic ns, 0: none */
  uint16_t host_events[3], host_revents[3];
  enum los_wake_reason wake;
  struct los_task *run_next; /* run queue */
  struct los_task *all_next; /* every live task */
};

extern struct los_task *los_cur;
extern uint64_t los_kstack_top; /* the syscall entry's stack: los_cur's */
extern int los_ntasks;

void los_task_init(void);
/* A new task that starts by returning from the syscall whose frame is regs
 * (copied); it is runnable. NULL when out of memory. */
struct los_task *los_task_create(const struct los_regs *regs);
/* Give the vCPU to the next runnable task; returns when this one runs again.
 * The caller sets los_cur->state first (RUNNABLE: a yield). */
void los_schedule(void);
void los_make_runnable(struct los_task *t, enum los_wake_reason why);
/* End the calling task (not the process); never returns. */
__attribute__((noreturn)) void los_task_exit(void);
struct los_task *los_task_find(int tid);
/* A process-directed signal arrived: blocked tasks that may take it look. */
void los_wake_for_signal(uint64_t bits);
/* Called at syscall exits and asynchronous entries: a tick asked to switch. */
void los_preempt_check(void);
/* clone without CLONE_THREAD: a new process (process.c). */
int64_t los_fork(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                 uint64_t tls);
/* Free the tasks that ended (called once off their stacks). */
void los_task_reap(void);

#endif
