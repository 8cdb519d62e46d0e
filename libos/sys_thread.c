/* Threads: clone/clone3 with CLONE_VM|CLONE_THREAD, their ends, thread ids
 * and yielding. */
#include "futex.h"
#include "task.h"

#define CLONE_VM_ 0x100ULL
#define CLONE_FS_ 0x200ULL
#define CLONE_FILES_ 0x400ULL
#define CLONE_SIGHAND_ 0x800ULL
#define CLONE_VFORK_ 0x4000ULL
#define CLONE_THREAD_ 0x10000ULL
#define CLONE_SETTLS_ 0x80000ULL
#define CLONE_PARENT_SETTID_ 0x100000ULL
#define CLONE_CHILD_CLEARTID_ 0x200000ULL
#define CLONE_CHILD_SETTID_ 0x1000000ULL
#define THREAD_FLAGS (CLONE_VM_ | CLONE_SIGHAND_ | CLONE_THREAD_)

struct clone_req {
  uint64_t flags, stack, parent_tid, child_tid, tls;
};

static int64_t do_clone(const struct clone_req *c)
{
  struct los_regs regs = *los_cur_regs;
  struct los_task *t;

  if ((c->flags & THREAD_FLAGS) != THREAD_FLAGS) {
    if ((c->flags & CLONE_THREAD_) || ((c->flags & CLONE_SIGHAND_) && !(c->flags & CLONE_VM_)))
      return -EINVAL;
    return los_fork(c->flags, c->stack, c->parent_tid, c->child_tid, c->tls);
  }
  if ((c->flags & CLONE_PARENT_SETTID_) && !USER_OK(c->parent_tid, 4, true))
    return -EFAULT;
  if ((c->flags & (CLONE_CHILD_SETTID_ | CLONE_CHILD_CLEARTID_)) && !USER_OK(c->child_tid, 4, true))
    return -EFAULT;
  regs.rax = 0;
  if (c->stack != 0)
    regs.rsp = c->stack;
  t = los_task_create(los_curproc, &regs);
  if (t == NULL)
    return -EAGAIN;
  if (c->flags & CLONE_SETTLS_)
    t->fsbase = c->tls;
  if (c->flags & CLONE_PARENT_SETTID_)
    *(int32_t *)c->parent_tid = t->tid;
  if (c->flags & CLONE_CHILD_SETTID_)
    *(int32_t *)c->child_tid = t->tid;
  if (c->flags & CLONE_CHILD_CLEARTID_)
    t->clear_child_tid = c->child_tid;
  return t->tid;
}

SYSDEF(clone)
{
  /* x86-64 order: flags, stack, parent_tid, child_tid, tls */
  struct clone_req c = {a0, a1, a2, a3, a4}; /* the low byte: a new process's exit signal */
  return do_clone(&c);
}

/* struct clone_args (an interface fact) */
struct clone_args_ {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

SYSDEF(clone3)
{
  const struct clone_args_ *ca = (const struct clone_args_ *)a0;
  struct clone_req c;

  if (a1 < 64 || a1 > 4096)
    return -EINVAL;
  if (!USER_OK(a0, sizeof(*ca), false))
    return -EFAULT;
  if ((ca->stack == 0) != (ca->stack_size == 0))
    return -EINVAL;
  if (ca->flags & 0xff)
    return -EINVAL; /* clone3 has exit_signal for that */
  c = (struct clone_req){ca->flags | (ca->exit_signal & 0xff),
                         ca->stack ? ca->stack + ca->stack_size : 0, ca->parent_tid, ca->child_tid,
                         ca->tls};
  return do_clone(&c);
}

/* The end of one thread; the last one ends the process. */
SYSDEF(exit)
{
  struct los_task *me = los_cur;

  if (me->proc->nthreads <= 1)
    los_process_exit((int)(a0 & 0xff), 0);
  if (me->clear_child_tid != 0 && USER_OK(me->clear_child_tid, 4, true)) {
    *(int32_t *)me->clear_child_tid = 0;
    los_futex_wake(me->clear_child_tid, 1, ~0u);
  }
  los_task_exit();
}

SYSDEF(exit_group)
{
  los_process_exit((int)(a0 & 0xff), 0);
}

SYSDEF(gettid)
{
  return los_cur->tid;
}

SYSDEF(set_tid_address)
{
  los_cur->clear_child_tid = a0;
  return los_cur->tid;
}

SYSDEF(set_robust_list)
{
  if (a1 != 24)
    return -EINVAL;
  los_cur->robust_list = a0;
  return 0;
}

SYSDEF(sched_yield)
{
  los_cur->state = TASK_RUNNABLE;
  los_schedule();
  return 0;
}
