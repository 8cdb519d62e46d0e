/* Tasks: the threads of the function. One vCPU runs them in turn; a task
 * leaves the vCPU when it blocks (los_wait), yields, or when the monitor's
 * tick asks for a reschedule while another task is runnable. */
#ifndef LOS_TASK_H
#define LOS_TASK_H

#include "sched.h"
#include "syscall.h"

#define LOS_KSTACK_SIZE (64 * 1024)
#define LOS_PATH_MAX_ 4096

enum los_task_state { TASK_RUNNABLE, TASK_BLOCKED, TASK_DEAD };
enum los_wake_reason { WAKE_NONE, WAKE_EVENT, WAKE_TIMEOUT, WAKE_SIGNAL, WAKE_HOST };

/* An alternate signal stack (the kernel's stack_t). */
struct los_sigstack {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};

struct los_fdtab;
struct los_ksiginfo {
  int32_t signo, errno_, code, pad;
  union {
    struct {
      int32_t pid;
      uint32_t uid;
    } kill;
    struct {
      int32_t pid;
      uint32_t uid;
      int32_t status;
    } chld;
    uint64_t addr;
    uint8_t raw[112];
  } u;
};

/* A process: its threads share everything here (process.c). */
struct los_process {
  int pid, pgid, sid;
  struct los_process *parent;
  struct los_process *children, *sibling;
  struct los_process *all_next;
  struct los_mm *mm;
  struct los_fdtab *files;
  int nthreads;
  bool exiting, zombie;
  int wstatus;               /* wait status once a zombie */
  int exit_signal;           /* sent to the parent at the end (SIGCHLD) */
  struct los_waitq child_wq; /* a child changed state */
  struct los_waitq vfork_wq; /* this vfork child exec'd or ended */
  bool vfork_done;
  /* signals (signal.c): dispositions and process-directed pending ones */
  uint64_t sigacts[65][4];
  uint64_t sig_pending;
  struct los_ksiginfo sig_queued[65];
  int sig_handlers[65]; /* 0 default, 1 ignore, 2 handler: /proc's view */
  char comm[16];
  char exe_path[LOS_PATH_MAX_];
  char cwd[LOS_PATH_MAX_];
  uint64_t stack_start;
  uint64_t start_mono_ns;
  char *cmdline;    /* argv, NUL-separated (for /proc) */
  uint32_t exec_id; /* started by `hacher exec`: its end goes to the monitor */
  uint64_t cmdline_len;
};

struct los_task {
  int tid;
  struct los_process *proc;
  bool killed; /* its process is ending: leave at the next chance */
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
#define los_curproc (los_cur->proc)
extern uint64_t los_kstack_top; /* the syscall entry's stack: los_cur's */
extern int los_ntasks;

void los_task_init(void);
/* A new task that starts by returning from the syscall whose frame is regs
 * (copied); it is runnable. NULL when out of memory. */
struct los_task *los_task_create(struct los_process *p, const struct los_regs *regs);
/* Give the vCPU to the next runnable task; returns when this one runs again.
 * The caller sets los_cur->state first (RUNNABLE: a yield). */
void los_schedule(void);
void los_make_runnable(struct los_task *t, enum los_wake_reason why);
/* End the calling task (not the process); never returns. */
__attribute__((noreturn)) void los_task_exit(void);
struct los_task *los_task_find(int tid);
/* A signal for p arrived: its blocked tasks that may take it look. */
void los_wake_proc_for_signal(struct los_process *p, uint64_t bits);
/* signal.c */
void los_signal_publish(void);
void los_signal_child(struct los_process *parent, int sig, int code, int pid, int status);
bool los_signal_autoreap(const struct los_process *parent);
void los_signal_exec(void);
/* A signal from outside (SI_USER, pid 0) for process p. */
void los_signal_send(struct los_process *p, int sig);
/* Called at syscall exits and asynchronous entries: a tick asked to switch. */
void los_preempt_check(void);
/* Every live task (for process bookkeeping). */
struct los_task *los_task_first(void);
/* A task of an ending process calls this at its next chance. */
void los_check_killed(void);

/* process.c */
extern struct los_process *los_init_proc;
void los_process_init(void);
struct los_process *los_process_find(int pid);
struct los_process *los_process_first(void);
/* End the calling process: status for exit_group, or killed by sig. */
__attribute__((noreturn)) void los_process_exit(int status, int sig);
/* Its last task ended (from los_task_exit, still on that task's stack). */
void los_process_dead(struct los_process *p);
void los_process_free(struct los_process *p);
void los_process_set_cmdline(const char *const *argv, size_t argc);
/* main.c: the stack of a new program; *top is where it ends. */
int los_stack_reserve(uint64_t *top);
/* clone without CLONE_THREAD: a new process (process.c). */
int64_t los_fork(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                 uint64_t tls);
/* Free the tasks that ended (called once off their stacks). */
void los_task_reap(void);

#endif
