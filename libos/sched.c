/* The scheduler and wait queues. One vCPU runs the tasks in turn, first in
 * first out. When none is runnable the vCPU idles in the monitor (a sleep,
 * or a poll of the container's stdio) until the earliest deadline, host
 * readiness or a host signal. */
#include "exec_req.h"
#include "task.h"

struct los_waiter {
  struct los_task *t;
  struct los_waiter *next;
};

struct los_waitq los_poll_wq;
struct los_task *los_cur;
uint64_t los_kstack_top;
int los_ntasks;

extern uint8_t los_stack_top[];
void los_switch(uint64_t *save_ksp, uint64_t next_ksp);
void los_task_start(void);

static struct los_task boot_task;
static struct los_task *all_tasks;
static struct los_task *rq_head, *rq_tail;
static struct los_task *dead_tasks; /* freed once off their stack */
static int next_tid = 2;
static bool use_xsave;
static uint32_t fpu_size = 512;
static uint64_t xsave_mask;
static bool ticking;

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* The application's vector state: xsave where the CPU runs the guest with
 * OSXSAVE (AVX registers then survive a task switch), else fxsave. */
static void fpu_save(uint8_t *area)
{
  if (use_xsave)
    __asm__ volatile("xsave64 (%0)"
                     :
                     : "r"(area), "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32))
                     : "memory");
  else
    __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void fpu_restore(const uint8_t *area)
{
  if (use_xsave)
    __asm__ volatile("xrstor64 (%0)"
                     :
                     : "r"(area), "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32))
                     : "memory");
  else
    __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* xsave wants 64-byte alignment: the block is kept for kfree. */
static bool fpu_alloc(struct los_task *t)
{
  t->fpu_block = kzalloc(fpu_size + 64);
  t->fpu = (uint8_t *)LOS_ALIGN_UP((uint64_t)t->fpu_block, 64);
  return t->fpu_block != NULL;
}

void los_task_init(void)
{
  uint32_t r[4];

  cpuid(1, 0, r);
  if (r[2] & (1u << 27)) { /* OSXSAVE */
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xsave_mask = ((uint64_t)hi << 32) | lo;
    cpuid(0xd, 0, r);
    if (r[1] >= 576) {
      use_xsave = true;
      fpu_size = r[1];
    }
  }
  boot_task.tid = 1;
  boot_task.state = TASK_RUNNABLE;
  boot_task.kstack_top = (uint64_t)los_stack_top;
  boot_task.altstack.flags = 2; /* SS_DISABLE */
  if (!fpu_alloc(&boot_task))
    los_panic("out of memory");
  all_tasks = &boot_task;
  los_cur = &boot_task;
  los_kstack_top = boot_task.kstack_top;
  los_ntasks = 1;
}

static void enqueue(struct los_task *t)
{
  t->run_next = NULL;
  if (rq_tail != NULL)
    rq_tail->run_next = t;
  else
    rq_head = t;
  rq_tail = t;
}

static struct los_task *dequeue(void)
{
  struct los_task *t = rq_head;
  if (t != NULL) {
    rq_head = t->run_next;
    if (rq_head == NULL)
      rq_tail = NULL;
  }
  return t;
}

/* The monitor's CPU-time tick asks for a switch only while tasks compete. */
static void set_tick(bool on)
{
  struct tl_hc req = {.nr = TL_HC_TICK};

  if (on == ticking)
    return;
  ticking = on;
  req.u.sleep.ns = on ? 10 * 1000000ULL : 0;
  los_hc(&req);
}

struct los_task *los_task_create(struct los_process *p, const struct los_regs *regs)
{
  struct los_task *t = kzalloc(sizeof(*t));
  uint64_t *sp;

  if (t == NULL)
    return NULL;
  t->kstack = kmalloc(LOS_KSTACK_SIZE);
  if (t->kstack == NULL || !fpu_alloc(t)) {
    kfree(t->kstack);
    kfree(t->fpu_block);
    kfree(t);
    return NULL;
  }
  t->tid = next_tid++;
  t->proc = p;
  p->nthreads++;
  t->kstack_top = LOS_ALIGN_DOWN((uint64_t)t->kstack + LOS_KSTACK_SIZE, 16);
  memcpy((void *)(t->kstack_top - sizeof(*regs)), regs, sizeof(*regs));
  /* los_switch pops six callee-saved registers, then returns to los_task_start */
  sp = (uint64_t *)(t->kstack_top - sizeof(*regs)) - 7;
  memset(sp, 0, 6 * sizeof(*sp));
  sp[6] = (uint64_t)los_task_start;
  t->ksp = (uint64_t)sp;
  fpu_save(t->fpu); /* a new thread starts with its creator's vector state */
  __asm__ volatile("rdfsbase %0" : "=r"(t->fsbase));
  __asm__ volatile("rdgsbase %0" : "=r"(t->gsbase));
  t->sig_blocked = los_cur->sig_blocked;
  t->altstack.flags = 2; /* SS_DISABLE */
  t->state = TASK_RUNNABLE;
  t->all_next = all_tasks;
  all_tasks = t;
  los_ntasks++;
  enqueue(t);
  set_tick(true);
  return t;
}

struct los_task *los_task_find(int tid)
{
  for (struct los_task *t = all_tasks; t != NULL; t = t->all_next)
    if (t->tid == tid && t->state != TASK_DEAD)
      return t;
  return NULL;
}

/* Free tasks that ended, now that nothing runs on their stacks. */
void los_task_reap(void)
{
  while (dead_tasks != NULL) {
    struct los_task *t = dead_tasks;
    dead_tasks = t->run_next;
    if (t->proc->nthreads == 0 && t->proc->mm != NULL) {
      los_mm_put(t->proc->mm); /* now that nothing runs in it */
      t->proc->mm = NULL;
    }
    if (t->proc->nthreads == 0 && t->proc->zombie && t->proc->parent == NULL)
      los_process_free(t->proc); /* nobody waits for it */
    kfree(t->kstack);
    kfree(t->fpu_block);
    kfree(t);
  }
}

static void switch_to(struct los_task *prev, struct los_task *next)
{
  struct los_mm *mm = next->proc->mm;

  __asm__ volatile("rdfsbase %0" : "=r"(prev->fsbase));
  __asm__ volatile("rdgsbase %0" : "=r"(prev->gsbase));
  fpu_save(prev->fpu);
  los_cur = next;
  if (mm != los_mm_current())
    los_mm_switch(mm);
  if (next->proc != prev->proc)
    los_signal_publish();
  los_kstack_top = next->kstack_top;
  los_cur_regs = (struct los_regs *)(next->kstack_top - sizeof(struct los_regs));
  fpu_restore(next->fpu);
  __asm__ volatile("wrfsbase %0" : : "r"(next->fsbase));
  __asm__ volatile("wrgsbase %0" : : "r"(next->gsbase));
  los_switch(&prev->ksp, next->ksp);
  los_task_reap();
}

void los_make_runnable(struct los_task *t, enum los_wake_reason why)
{
  if (t->state != TASK_BLOCKED)
    return;
  t->state = TASK_RUNNABLE;
  t->wake = why;
  enqueue(t);
}

static void wake_blocked(enum los_wake_reason why)
{
  for (struct los_task *t = all_tasks; t != NULL; t = t->all_next)
    los_make_runnable(t, why);
}

void los_wake_proc_for_signal(struct los_process *p, uint64_t bits)
{
  for (struct los_task *t = all_tasks; t != NULL; t = t->all_next)
    if (t->proc == p && (bits & ~t->sig_blocked))
      los_make_runnable(t, WAKE_SIGNAL);
}

struct los_task *los_task_first(void)
{
  return all_tasks;
}

void los_check_killed(void)
{
  if (los_cur->killed)
    los_task_exit();
}

/* Wake the blocked tasks whose deadline passed, whose stdio is ready or
 * that a host signal concerns. With block (nothing can run) the vCPU waits in
 * the monitor for the first of these; without, only a look (the tick). */
static void poll_events(bool block)
{
  uint64_t now = los_time_monotonic_ns(), first = 0;
  uint16_t ev[3] = {0, 0, 0};
  bool host = false;

  for (struct los_task *t = all_tasks; t != NULL; t = t->all_next) {
    if (t->state != TASK_BLOCKED)
      continue;
    if (t->deadline != 0) {
      if (t->deadline <= now) {
        los_make_runnable(t, WAKE_TIMEOUT);
        continue;
      }
      if (first == 0 || t->deadline < first)
        first = t->deadline;
    }
    for (int i = 0; i < 3; i++) {
      ev[i] |= t->host_events[i];
      host |= t->host_events[i] != 0;
    }
  }
  if (los_shared->exec_pending != 0)
    los_exec_pending(); /* may start a process: then something runs */
  if (los_shared->sig_pending != 0) {
    wake_blocked(WAKE_SIGNAL);
    return;
  }
  if (rq_head != NULL)
    block = false;
  if (host) {
    struct tl_hc req = {.nr = TL_HC_POLL};
    uint64_t t0 = now;
    memcpy(req.u.poll.events, ev, sizeof(ev));
    req.u.poll.timeout_ns = !block ? 0 : first != 0 ? (int64_t)(first - now) : -1;
    int64_t rc = los_hc(&req);
    los_idle_ns += los_time_monotonic_ns() - t0;
    if (rc > 0) {
      for (struct los_task *t = all_tasks; t != NULL; t = t->all_next) {
        uint16_t hit = 0;
        if (t->state != TASK_BLOCKED)
          continue;
        for (int i = 0; i < 3; i++) {
          t->host_revents[i] = t->host_events[i] ? req.u.poll.revents[i] : 0;
          hit |= t->host_revents[i];
        }
        if (hit)
          los_make_runnable(t, WAKE_HOST);
      }
    }
  } else if (block) {
    los_sleep_ns(first != 0 ? first - now : 3600ULL * 1000000000ULL);
  }
  if (los_shared->sig_pending != 0)
    wake_blocked(WAKE_SIGNAL);
}

void los_schedule(void)
{
  struct los_task *prev = los_cur, *next;

  if (prev->state == TASK_RUNNABLE) {
    if (rq_head == NULL)
      return; /* nobody else wants the vCPU */
    enqueue(prev);
  }
  while ((next = dequeue()) == NULL)
    poll_events(true);
  if (next != prev)
    switch_to(prev, next);
}

void los_preempt_check(void)
{
  if (los_shared->resched == 0)
    return;
  los_shared->resched = 0;
  poll_events(false);
  if (rq_head != NULL) {
    los_cur->state = TASK_RUNNABLE;
    los_schedule();
  }
}

void los_task_exit(void)
{
  struct los_task *me = los_cur, **pp;

  for (pp = &all_tasks; *pp != me; pp = &(*pp)->all_next)
    ;
  *pp = me->all_next;
  if (--me->proc->nthreads == 0)
    los_process_dead(me->proc);
  los_ntasks--;
  if (los_ntasks == 1)
    set_tick(false);
  me->state = TASK_DEAD;
  if (me != &boot_task) {
    me->run_next = dead_tasks;
    dead_tasks = me;
  }
  los_schedule();
  los_panic("a dead task ran again");
}

void los_wake(struct los_waitq *q)
{
  if (q != NULL)
    for (struct los_waiter *w = q->head; w != NULL; w = w->next)
      los_make_runnable(w->t, WAKE_EVENT);
  if (q != &los_poll_wq)
    for (struct los_waiter *w = los_poll_wq.head; w != NULL; w = w->next)
      los_make_runnable(w->t, WAKE_EVENT);
}

int los_wait_host(struct los_waitq *q, const uint16_t events[3], uint16_t revents[3],
                  uint64_t deadline_ns)
{
  struct los_task *me = los_cur;
  struct los_waiter w = {me, NULL};
  enum los_wake_reason why;

  if (revents != NULL)
    memset(revents, 0, 3 * sizeof(*revents));
  if (los_signal_wake())
    return -EINTR;
  if (deadline_ns != 0 && los_time_monotonic_ns() >= deadline_ns)
    return -ETIMEDOUT;
  if (q != NULL) {
    w.next = q->head;
    q->head = &w;
  }
  me->deadline = deadline_ns;
  for (int i = 0; i < 3; i++)
    me->host_events[i] = events != NULL ? events[i] : 0;
  me->wake = WAKE_NONE;
  me->state = TASK_BLOCKED;
  los_schedule();
  if (q != NULL) {
    struct los_waiter **pp = &q->head;
    while (*pp != NULL && *pp != &w)
      pp = &(*pp)->next;
    if (*pp == &w)
      *pp = w.next;
  }
  why = me->wake;
  me->deadline = 0;
  los_check_killed();
  memset(me->host_events, 0, sizeof(me->host_events));
  switch (why) {
  case WAKE_TIMEOUT: return -ETIMEDOUT;
  case WAKE_SIGNAL: return los_signal_wake() ? -EINTR : 0;
  case WAKE_HOST:
    if (revents != NULL)
      memcpy(revents, me->host_revents, sizeof(me->host_revents));
    return 0;
  default: return 0;
  }
}

/* A wait no signal ends (a vfork parent): returns once woken. */
void los_wait_nosig(struct los_waitq *q)
{
  struct los_task *me = los_cur;
  struct los_waiter w = {me, q->head};

  q->head = &w;
  me->deadline = 0;
  memset(me->host_events, 0, sizeof(me->host_events));
  do { /* a signal's wakeup does not end this wait */
    me->state = TASK_BLOCKED;
    me->wake = WAKE_NONE;
    los_schedule();
  } while (me->wake == WAKE_SIGNAL);
  for (struct los_waiter **pp = &q->head; *pp != NULL; pp = &(*pp)->next)
    if (*pp == &w) {
      *pp = w.next;
      break;
    }
}

int los_wait(struct los_waitq *q, uint64_t deadline_ns)
{
  return los_wait_host(q, NULL, NULL, deadline_ns);
}
