/* Signals: dispositions, the pending and blocked sets, delivery to handlers
 * through a Linux x86-64 rt_sigframe, and the signal syscalls. The LibOS
 * runs only inside syscalls, so signals are delivered at syscall exits. */
#include <asm/unistd_64.h>

#include "exec_req.h"
#include "task.h"

#define NSIG_ 64
#define SIG_DFL_ 0
#define SIG_IGN_ 1
#define SIGKILL_ 9
#define SIGSEGV_ 11
#define SIGSTOP_ 19
#define SA_SIGINFO_ 0x4ULL
#define SA_RESTORER_ 0x04000000ULL
#define SA_ONSTACK_ 0x08000000ULL
#define SA_RESTART_ 0x10000000ULL
#define SA_NODEFER_ 0x40000000ULL
#define SA_RESETHAND_ 0x80000000ULL
#define SS_ONSTACK_ 1
#define SS_DISABLE_ 2
#define SS_AUTODISARM_ (1u << 31)
#define MINSIGSTKSZ_ 2048
#define SI_USER_ 0
#define SI_TKILL_ (-6)
#define RFLAGS_TF 0x100ULL
#define RFLAGS_DF 0x400ULL
#define RFLAGS_RF 0x10000ULL
/* CF PF AF ZF SF DF OF AC: what a handler may change through uc_mcontext */
#define RFLAGS_USER 0x40cd5ULL
#define BIT(sig) (1ULL << ((sig)-1))
#define UNBLOCKABLE (BIT(SIGKILL_) | BIT(SIGSTOP_))
/* SIGCHLD, SIGCONT, SIGURG, SIGWINCH are ignored by default; the stop
 * signals too, as there is no job control inside a trustlet. */
#define DEFAULT_IGNORE (BIT(17) | BIT(18) | BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(28))
#define FXSAVE_SIZE 512

/* The kernel's x86-64 signal frame (an interface fact, see
 * arch/x86/include/uapi/asm/sigcontext.h and ucontext.h). */
#define ksiginfo los_ksiginfo /* task.h: the kernel's siginfo */

#define kstack los_sigstack /* task.h: the kernel's stack_t */

struct kmcontext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip,
      eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate; /* 512-byte fxsave area, or 0 */
  uint64_t reserved[8];
};

struct kucontext {
  uint64_t flags;
  uint64_t link;
  struct kstack stack;
  struct kmcontext mc;
  uint64_t sigmask;
};

struct rt_sigframe {
  uint64_t pretcode; /* sa_restorer: the handler's return address */
  struct kucontext uc;
  struct ksiginfo info;
};

_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo");
_Static_assert(sizeof(struct kmcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct kucontext) == 304, "ucontext");

struct los_regs *los_cur_regs;
/* Dispositions (the kernel's sigaction: handler, flags, restorer, mask) and
 * process-directed signals are the process's; the mask, thread-directed
 * signals (tgkill) and the alternate stack the thread's. */
#define sig_act (los_curproc->sigacts)
#define pending (los_curproc->sig_pending)
#define queued (los_curproc->sig_queued)
static uint64_t init_blocked; /* the init process's mask, for host signals */
#define blocked (los_cur->sig_blocked)
#define altstack (los_cur->altstack)
#define restore_mask (los_cur->sig_restore_mask) /* rt_sigsuspend: saved_mask after the handler */
#define saved_mask (los_cur->sig_saved_mask)
/* The FPU state a handler starts with (x87 control word, MXCSR defaults). */
static const uint8_t fx_init[FXSAVE_SIZE]
    __attribute__((aligned(16))) = {[0] = 0x7f, [1] = 0x03, [24] = 0x80, [25] = 0x1f};

uint64_t los_sigmask(void)
{
  return blocked;
}

uint64_t los_sigpending(void)
{
  return pending | los_cur->sig_pending;
}

/* Standard signals do not queue: a second one while pending is merged.
 * The threads of p that may take it look again. */
static void post_to(struct los_process *p, int sig, int code, int32_t pid, int32_t status)
{
  if (p->zombie || p->exiting)
    return;
  if (!(p->sig_pending & BIT(sig))) {
    struct ksiginfo *q = &p->sig_queued[sig];
    memset(q, 0, sizeof(*q));
    q->signo = sig;
    q->code = code;
    q->u.kill.pid = pid;
    q->u.kill.uid = pid != 0 ? los_proc.uid : 0;
    if (sig == 17)
      q->u.chld.status = status;
    p->sig_pending |= BIT(sig);
  }
  los_wake_proc_for_signal(p, BIT(sig));
}

static void post(int sig, int code, int32_t pid)
{
  post_to(los_curproc, sig, code, pid, 0);
}

/* Host signals come from outside the container, for its init process:
 * SI_USER, pid 0. */
static void take_host(void)
{
  uint64_t h = __atomic_exchange_n(&los_shared->sig_pending, 0, __ATOMIC_SEQ_CST);

  while (h != 0) {
    int sig = __builtin_ctzll(h) + 1;
    h &= h - 1;
    post_to(los_init_proc, sig, SI_USER_, 0, 0);
  }
}

enum sig_action { ACT_IGNORE, ACT_TERM, ACT_HANDLER };

static enum sig_action action_of(const struct los_process *p, int sig)
{
  uint64_t h = p->sigacts[sig][0];

  if (sig == SIGKILL_)
    return ACT_TERM;
  if (sig == SIGSTOP_ || h == SIG_IGN_)
    return ACT_IGNORE;
  if (h == SIG_DFL_)
    return (DEFAULT_IGNORE & BIT(sig)) ? ACT_IGNORE : ACT_TERM;
  return ACT_HANDLER;
}

static enum sig_action action(int sig)
{
  return action_of(los_curproc, sig);
}

/* Tells the monitor which host signals simply end the function (the init
 * process's dispositions) and which faults the LibOS handles: those with a
 * handler in init; every fault in another process, which ends only that
 * process. Called when these change and when another process runs. */
static void publish_fatal(void)
{
  uint64_t fatal = 0;

  if (los_curproc == los_init_proc)
    init_blocked = blocked;
  for (int sig = 1; sig <= NSIG_; sig++)
    if (action_of(los_init_proc, sig) == ACT_TERM)
      fatal |= BIT(sig);
  los_shared->sig_fatal = fatal & ~init_blocked;
  if (los_curproc != los_init_proc) {
    los_shared->sig_caught = ~0ULL;
    return;
  }
  fatal = 0;
  for (int sig = 1; sig <= NSIG_; sig++)
    if (action(sig) == ACT_HANDLER)
      fatal |= BIT(sig);
  los_shared->sig_caught = fatal & ~blocked;
}

void los_signal_publish(void)
{
  publish_fatal();
}

void los_signal_init(void)
{
  publish_fatal();
}

/* The next signal whose handler must run; default actions and ignored
 * signals are carried out on the way. 0 when none. */
static int next_signal(void)
{
  take_host();
  for (;;) {
    uint64_t d = (pending | los_cur->sig_pending) & ~blocked;
    int sig;

    if (d == 0)
      return 0;
    sig = __builtin_ctzll(d) + 1;
    switch (action(sig)) {
    case ACT_IGNORE:
      pending &= ~BIT(sig);
      los_cur->sig_pending &= ~BIT(sig);
      break;
    case ACT_TERM: los_process_exit(0, sig);
    case ACT_HANDLER: return sig;
    }
  }
}

bool los_signal_wake(void)
{
  los_exec_pending(); /* hacher exec requests (exec_req.c), also while blocked */
  return next_signal() != 0;
}

static bool on_altstack(uint64_t sp)
{
  return altstack.size != 0 && sp > altstack.sp && sp - altstack.sp <= altstack.size;
}

static void altstack_get(struct kstack *out, uint64_t sp)
{
  *out = altstack;
  if (altstack.size != 0 && on_altstack(sp))
    out->flags = SS_ONSTACK_ | (altstack.flags & (int32_t)SS_AUTODISARM_);
}

static int64_t altstack_set(const struct kstack *ss, uint64_t sp)
{
  uint32_t mode = (uint32_t)ss->flags & ~SS_AUTODISARM_;

  if (on_altstack(sp))
    return -EPERM;
  if (mode != 0 && mode != SS_DISABLE_ && mode != SS_ONSTACK_)
    return -EINVAL;
  if (mode == SS_DISABLE_) {
    altstack = (struct kstack){.flags = SS_DISABLE_};
    return 0;
  }
  if (ss->size < MINSIGSTKSZ_)
    return -ENOMEM;
  altstack = (struct kstack){.sp = ss->sp, .size = ss->size};
  altstack.flags = (int32_t)((uint32_t)ss->flags & SS_AUTODISARM_);
  return 0;
}

/* A frame that cannot be written ends the function as Linux's forced
 * SIGSEGV would when there is no way to run a handler. */
__attribute__((noreturn)) static void bad_frame(const char *what, uint64_t addr)
{
  los_log("signal frame: %s at 0x%lx: function killed by SIGSEGV", what, addr);
  los_process_exit(0, SIGSEGV_);
}

static void save_mcontext(struct kmcontext *mc, const struct los_regs *r)
{
  *mc = (struct kmcontext){.r8 = r->r8,
                           .r9 = r->r9,
                           .r10 = r->r10,
                           .r11 = r->r11,
                           .r12 = r->r12,
                           .r13 = r->r13,
                           .r14 = r->r14,
                           .r15 = r->r15,
                           .rdi = r->rdi,
                           .rsi = r->rsi,
                           .rbp = r->rbp,
                           .rbx = r->rbx,
                           .rdx = r->rdx,
                           .rax = r->rax,
                           .rcx = r->rcx,
                           .rsp = r->rsp,
                           .rip = r->rip,
                           .eflags = r->rflags,
                           .cs = TL_SEL_UCODE,
                           .ss = TL_SEL_UDATA};
}

/* Build the frame below the interrupted stack pointer (past the red zone)
 * or at the top of the alternate stack, and enter the handler. */
static void setup_frame(struct los_regs *r, int sig)
{
  const uint64_t *act = sig_act[sig];
  uint64_t sp = r->rsp, fp, old_mask = restore_mask ? saved_mask : blocked;
  bool switch_stack = (act[1] & SA_ONSTACK_) && altstack.size != 0 && !on_altstack(sp);
  struct rt_sigframe *f;

  if (!(act[1] & SA_RESTORER_))
    bad_frame("handler without SA_RESTORER", act[0]);
  sp = switch_stack ? altstack.sp + altstack.size : sp - 128;
  fp = (sp - FXSAVE_SIZE) & ~63ULL;
  sp = ((fp - sizeof(*f)) & ~15ULL) - 8; /* as after a call: (rsp + 8) % 16 == 0 */
  if (sp > r->rsp && !switch_stack)
    bad_frame("stack pointer wraps", r->rsp);
  if (!USER_OK(sp, fp + FXSAVE_SIZE - sp, true))
    bad_frame("stack not writable", sp);
  f = (struct rt_sigframe *)sp;
  memset(f, 0, sizeof(*f));
  __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_SIZE])fp));
  f->pretcode = act[2];
  altstack_get(&f->uc.stack, r->rsp);
  save_mcontext(&f->uc.mc, r);
  f->uc.mc.oldmask = old_mask;
  f->uc.mc.fpstate = fp;
  f->uc.sigmask = old_mask;
  if (act[1] & SA_SIGINFO_)
    f->info = queued[sig];
  if (switch_stack && ((uint32_t)altstack.flags & SS_AUTODISARM_))
    altstack = (struct kstack){.flags = SS_DISABLE_};

  pending &= ~BIT(sig);
  los_cur->sig_pending &= ~BIT(sig);
  restore_mask = false;
  blocked |= act[3] | ((act[1] & SA_NODEFER_) ? 0 : BIT(sig));
  blocked &= ~UNBLOCKABLE;
  r->rdi = (uint64_t)sig;
  r->rsi = (uint64_t)&f->info;
  r->rdx = (uint64_t)&f->uc;
  r->rax = 0;
  r->rsp = sp;
  r->rip = act[0];
  r->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF);
  if (act[1] & SA_RESETHAND_) {
    sig_act[sig][0] = SIG_DFL_;
    sig_act[sig][1] &= ~SA_SIGINFO_;
    los_curproc->sig_handlers[sig] = 0;
  }
  publish_fatal();
  /* the handler starts with a clean FPU state; the interrupted one is in the frame */
  __asm__ volatile("fxrstor64 %0" : : "m"(fx_init));
}

static void restart(struct los_regs *r, uint64_t nr)
{
  r->rax = nr;
  r->rip -= 2; /* the `syscall` instruction */
}

void los_signal_exit(struct los_regs *r, uint64_t nr)
{
  int64_t ret = (int64_t)r->rax;
  bool restartable =
      nr != __NR_rt_sigreturn && nr != LOS_NR_NONE && ret <= -ERESTARTSYS && ret >= -ERESTARTNOHAND;
  int sig;

  los_exec_pending(); /* hacher exec requests (exec_req.c) */
  if (!restartable && !restore_mask && los_shared->sig_pending == 0 &&
      !((pending | los_cur->sig_pending) & ~blocked))
    return;
  sig = next_signal();
  if (restartable) {
    if (sig != 0 &&
        (ret == -ERESTARTNOHAND || (ret == -ERESTARTSYS && !(sig_act[sig][1] & SA_RESTART_))))
      r->rax = (uint64_t)-EINTR;
    else
      restart(r, nr);
  }
  if (sig != 0) {
    setup_frame(r, sig);
  } else if (restore_mask) {
    blocked = saved_mask;
    restore_mask = false;
    publish_fatal();
  }
}

void los_signal_async(struct los_regs *r)
{
  const struct tl_regs *i = &los_shared->intr;

  *r = (struct los_regs){.r15 = i->r15,
                         .r14 = i->r14,
                         .r13 = i->r13,
                         .r12 = i->r12,
                         .r10 = i->r10,
                         .r9 = i->r9,
                         .r8 = i->r8,
                         .rbp = i->rbp,
                         .rdi = i->rdi,
                         .rsi = i->rsi,
                         .rdx = i->rdx,
                         .rbx = i->rbx,
                         .rax = i->rax,
                         .rsp = i->rsp,
                         .r11 = i->r11,
                         .rcx = i->rcx,
                         .rflags = i->rflags,
                         .rip = i->rip};
  los_cur_regs = r;
  if (los_shared->fault.signo != 0) {
    struct tl_fault flt = los_shared->fault;
    int sig = (int)flt.signo;

    los_shared->fault.signo = 0;
    /* as Linux's forced signals: a blocked or no longer caught one kills */
    if (sig > NSIG_ || (blocked & BIT(sig)) || action(sig) != ACT_HANDLER)
      los_process_exit(0, sig > NSIG_ ? SIGSEGV_ : sig);
    memset(&queued[sig], 0, sizeof(queued[sig]));
    queued[sig].signo = sig;
    queued[sig].code = flt.code;
    queued[sig].u.addr = flt.addr;
    pending |= BIT(sig);
    setup_frame(r, sig);
    ((struct kucontext *)r->rdx)->mc.trapno = flt.vector;
    ((struct kucontext *)r->rdx)->mc.err = flt.error;
    ((struct kucontext *)r->rdx)->mc.cr2 = flt.vector == 14 ? flt.addr : 0;
    return;
  }
  los_preempt_check();
  los_check_killed();
  los_signal_exit(r, LOS_NR_NONE);
}

SYSDEF(rt_sigreturn)
{
  static uint8_t fx[FXSAVE_SIZE] __attribute__((aligned(16)));
  struct los_regs *r = los_cur_regs;
  uint64_t sp = r->rsp - 8;
  const struct rt_sigframe *f = (const struct rt_sigframe *)sp;
  const struct kmcontext *mc = &f->uc.mc;
  uint64_t rflags;

  if (!USER_OK(sp, sizeof(*f), false))
    bad_frame("rt_sigreturn without a frame", sp);
  if (mc->fpstate != 0) {
    if ((mc->fpstate & 15) || !USER_OK(mc->fpstate, FXSAVE_SIZE, false))
      bad_frame("rt_sigreturn with a bad fpstate", mc->fpstate);
    memcpy(fx, (const void *)mc->fpstate, FXSAVE_SIZE);
    *(uint32_t *)(fx + 24) &= 0xffff; /* reserved MXCSR bits would fault in fxrstor */
    __asm__ volatile("fxrstor64 %0" : : "m"(fx));
  } else {
    __asm__ volatile("fxrstor64 %0" : : "m"(fx_init));
  }
  rflags = (r->rflags & ~(RFLAGS_USER | RFLAGS_TF)) | (mc->eflags & RFLAGS_USER);
  *r = (struct los_regs){.r15 = mc->r15,
                         .r14 = mc->r14,
                         .r13 = mc->r13,
                         .r12 = mc->r12,
                         .r10 = mc->r10,
                         .r9 = mc->r9,
                         .r8 = mc->r8,
                         .rbp = mc->rbp,
                         .rdi = mc->rdi,
                         .rsi = mc->rsi,
                         .rdx = mc->rdx,
                         .rbx = mc->rbx,
                         .rax = mc->rax,
                         .rsp = mc->rsp,
                         .r11 = mc->r11,
                         .rcx = mc->rcx,
                         .rip = mc->rip,
                         .rflags = rflags};
  blocked = f->uc.sigmask & ~UNBLOCKABLE;
  publish_fatal();
  altstack_set(&f->uc.stack, r->rsp); /* as Linux: errors are ignored */
  return (int64_t)mc->rax;
}

SYSDEF(rt_sigaction)
{
  int sig = (int)a0;
  uint64_t nw[4];

  if (sig < 1 || sig > NSIG_ || a3 != 8)
    return -EINVAL;
  if (a1 != 0 && (sig == SIGKILL_ || sig == SIGSTOP_))
    return -EINVAL;
  /* read the new action first: old and new may be the same buffer */
  if (a1 != 0) {
    if (!USER_OK(a1, 32, false))
      return -EFAULT;
    memcpy(nw, (const void *)a1, 32);
  }
  if (a2 != 0) {
    if (!USER_OK(a2, 32, true))
      return -EFAULT;
    memcpy((void *)a2, sig_act[sig], 32);
  }
  if (a1 != 0) {
    nw[3] &= ~UNBLOCKABLE;
    memcpy(sig_act[sig], nw, 32);
    los_curproc->sig_handlers[sig] = nw[0] == SIG_DFL_ ? 0 : nw[0] == SIG_IGN_ ? 1 : 2;
    if (action(sig) == ACT_IGNORE)
      pending &= ~BIT(sig); /* POSIX: setting ignore discards a pending signal */
    publish_fatal();
  }
  return 0;
}

SYSDEF(rt_sigprocmask)
{
  uint64_t set;

  if (a3 != 8)
    return -EINVAL;
  if (a1 != 0 && !USER_OK(a1, 8, false))
    return -EFAULT;
  set = a1 != 0 ? *(const uint64_t *)a1 & ~UNBLOCKABLE : 0;
  if (a2 != 0) {
    if (!USER_OK(a2, 8, true))
      return -EFAULT;
    *(uint64_t *)a2 = blocked;
  }
  if (a1 == 0)
    return 0;
  switch (a0) {
  case 0: blocked |= set; break;
  case 1: blocked &= ~set; break;
  case 2: blocked = set; break;
  default: return -EINVAL;
  }
  publish_fatal();
  return 0; /* signals it unblocked are delivered at this syscall's exit */
}

SYSDEF(rt_sigpending)
{
  if (a1 != 8)
    return -EINVAL;
  if (!USER_OK(a0, 8, true))
    return -EFAULT;
  take_host();
  *(uint64_t *)a0 = (pending | los_cur->sig_pending) & blocked;
  return 0;
}

SYSDEF(rt_sigsuspend)
{
  if (a1 != 8)
    return -EINVAL;
  if (!USER_OK(a0, 8, false))
    return -EFAULT;
  saved_mask = blocked;
  restore_mask = true;
  blocked = *(const uint64_t *)a0 & ~UNBLOCKABLE;
  publish_fatal();
  while (los_wait(NULL, 0) != -EINTR)
    ;
  return -ERESTARTNOHAND;
}

/* Only a signal whose handler runs ends pause. */
SYSDEF(pause)
{
  while (los_wait(NULL, 0) != -EINTR)
    ;
  return -ERESTARTNOHAND;
}

SYSDEF(sigaltstack)
{
  struct kstack nw, old;
  uint64_t sp = los_cur_regs->rsp;
  int64_t rc = 0;

  if (a0 != 0) {
    if (!USER_OK(a0, sizeof(nw), false))
      return -EFAULT;
    memcpy(&nw, (const void *)a0, sizeof(nw));
  }
  altstack_get(&old, sp);
  if (a0 != 0 && (rc = altstack_set(&nw, sp)) < 0)
    return rc;
  if (a1 != 0) {
    if (!USER_OK(a1, sizeof(old), true))
      return -EFAULT;
    memcpy((void *)a1, &old, sizeof(old));
  }
  return 0;
}

struct timeval_ {
  int64_t sec, usec;
};

struct itimerval_ {
  struct timeval_ interval, value;
};

static uint64_t tv_ns(const struct timeval_ *tv)
{
  return (uint64_t)tv->sec * 1000000000ULL + (uint64_t)tv->usec * 1000ULL;
}

static struct timeval_ ns_tv(uint64_t ns)
{
  return (struct timeval_){(int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL / 1000)};
}

/* ITIMER_REAL is the monitor's timer (TL_HC_ALARM); the old values come back. */
static int64_t host_alarm(bool set, uint64_t value_ns, uint64_t interval_ns, struct tl_hc *req)
{
  *req = (struct tl_hc){.nr = TL_HC_ALARM};
  req->u.alarm.value_ns = value_ns;
  req->u.alarm.interval_ns = interval_ns;
  req->u.alarm.set = set;
  return los_hc(req);
}

SYSDEF(alarm)
{
  struct tl_hc req;
  uint64_t old;

  if (host_alarm(true, (a0 & 0xffffffffULL) * 1000000000ULL, 0, &req) < 0)
    return 0;
  old = req.u.alarm.value_ns;
  /* Linux rounds to the nearest second, and a pending alarm reports at least 1 */
  return old == 0 ? 0 : (int64_t)LOS_MAX((old + 500000000ULL) / 1000000000ULL, 1);
}

static int64_t put_itimer(uint64_t uptr, const struct tl_hc *req)
{
  struct itimerval_ v = {ns_tv(req->u.alarm.interval_ns), ns_tv(req->u.alarm.value_ns)};

  if (!USER_OK(uptr, sizeof(v), true))
    return -EFAULT;
  memcpy((void *)uptr, &v, sizeof(v));
  return 0;
}

SYSDEF(setitimer)
{
  struct itimerval_ v;
  struct tl_hc req;
  int64_t rc;

  if (a0 != 0)
    return -EINVAL; /* ITIMER_VIRTUAL and ITIMER_PROF are not provided */
  if (a1 != 0) {
    if (!USER_OK(a1, sizeof(v), false))
      return -EFAULT;
    memcpy(&v, (const void *)a1, sizeof(v));
  } else {
    memset(&v, 0, sizeof(v));
  }
  if (v.value.sec < 0 || v.value.usec < 0 || v.value.usec >= 1000000 || v.interval.sec < 0 ||
      v.interval.usec < 0 || v.interval.usec >= 1000000)
    return -EINVAL;
  if ((rc = host_alarm(true, tv_ns(&v.value), tv_ns(&v.interval), &req)) < 0)
    return rc;
  return a2 != 0 ? put_itimer(a2, &req) : 0;
}

SYSDEF(getitimer)
{
  struct tl_hc req;
  int64_t rc;

  if (a0 != 0)
    return -EINVAL;
  if ((rc = host_alarm(false, 0, 0, &req)) < 0)
    return rc;
  return put_itimer(a1, &req);
}

/* A signal to the function itself; it is acted on at this syscall's exit,
 * so raise() runs the handler before it returns, as on Linux. */
static int64_t send_proc(struct los_process *p, int sig, int code)
{
  if (sig != 0)
    post_to(p, sig, code, los_curproc->pid, 0);
  return 0;
}

static int64_t send_thread(int tgid, int tid, int sig)
{
  struct los_task *t = los_task_find(tid);
  struct los_process *p;

  if (t == NULL || (tgid > 0 && t->proc->pid != tgid))
    return -ESRCH;
  if (sig < 0 || sig > NSIG_)
    return -EINVAL;
  if (sig == 0)
    return 0;
  p = t->proc;
  if (!(p->sig_pending & BIT(sig)) && !(t->sig_pending & BIT(sig))) {
    memset(&p->sig_queued[sig], 0, sizeof(p->sig_queued[sig]));
    p->sig_queued[sig].signo = sig;
    p->sig_queued[sig].code = SI_TKILL_;
    p->sig_queued[sig].u.kill.pid = los_curproc->pid;
    p->sig_queued[sig].u.kill.uid = los_proc.uid;
  }
  t->sig_pending |= BIT(sig);
  los_make_runnable(t, WAKE_SIGNAL);
  return 0;
}

/* kill(2): one process, the caller's group (0), every process but init
 * (-1), or a group (< -1). */
SYSDEF(kill)
{
  int pid = (int)a0, sig = (int)a1, n = 0;

  if (sig < 0 || sig > NSIG_)
    return -EINVAL;
  if (pid > 0) {
    struct los_process *p = los_process_find(pid);
    return p == NULL ? -ESRCH : send_proc(p, sig, SI_USER_);
  }
  for (struct los_process *p = los_process_first(); p != NULL; p = p->all_next) {
    if (p->zombie || (pid == -1 && (p->pid == 1 && los_curproc->pid != 1)) ||
        (pid == 0 && p->pgid != los_curproc->pgid) || (pid < -1 && p->pgid != -pid))
      continue;
    send_proc(p, sig, SI_USER_);
    n++;
  }
  return n > 0 ? 0 : -ESRCH;
}

SYSDEF(tgkill)
{
  if ((int)a0 <= 0 || (int)a1 <= 0)
    return -EINVAL;
  return send_thread((int)a0, (int)a1, (int)a2);
}

SYSDEF(tkill)
{
  if ((int)a0 <= 0)
    return -EINVAL;
  return send_thread(0, (int)a0, (int)a1);
}

void los_signal_send(struct los_process *p, int sig)
{
  if (sig >= 1 && sig <= NSIG_)
    post_to(p, sig, SI_USER_, 0, 0);
}

/* A child ended: SIGCHLD (or its exit signal) for the parent. */
void los_signal_child(struct los_process *parent, int sig, int code, int pid, int status)
{
  if (sig > 0 && sig <= NSIG_)
    post_to(parent, sig, code, pid, status);
}

/* Whether the parent lets its children vanish (SIGCHLD ignored or
 * SA_NOCLDWAIT): no zombie then. */
bool los_signal_autoreap(const struct los_process *parent)
{
  return parent->sigacts[17][0] == SIG_IGN_ || (parent->sigacts[17][1] & 2 /* SA_NOCLDWAIT */);
}

/* execve: handlers go back to the default, ignored signals stay ignored. */
void los_signal_exec(void)
{
  for (int sig = 1; sig <= NSIG_; sig++) {
    if (sig_act[sig][0] != SIG_IGN_) {
      memset(sig_act[sig], 0, sizeof(sig_act[sig]));
      los_curproc->sig_handlers[sig] = 0;
    }
  }
  altstack = (struct kstack){.flags = SS_DISABLE_};
  publish_fatal();
}

/* A signal the kernel sends the caller itself (SIGPIPE from a write to a
 * pipe or socket without readers); acted on at this syscall's exit. */
void los_signal_send_self(int sig)
{
  post(sig, SI_USER_, 1);
}
