/* The monitor confines itself before running guest code: no new privileges,
 * no capabilities, and a seccomp allowlist of what the vCPU loop needs.
 * Anything else kills the monitor (a bug, or a compromised monitor). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>

#include "mon.h"

struct rule {
  int nr;
  const char *why;
};

/* Allowed without argument checks, one line each saying who needs it. */
static const struct rule plain[] = {
    {SCMP_SYS(read), "TL_HC_READ: the container's stdin; exec.fifo (wait for start)"},
    {SCMP_SYS(write), "TL_HC_WRITE, log lines, the create status pipe"},
    {SCMP_SYS(close), "teardown; the exec fifo after start"},
    {SCMP_SYS(nanosleep), "TL_HC_SLEEP"},
    {SCMP_SYS(poll), "TL_HC_POLL: readiness of the container's stdio"},
    {SCMP_SYS(ppoll), "TL_HC_POLL (a libc's poll)"},
    {SCMP_SYS(clock_nanosleep), "TL_HC_SLEEP (glibc's nanosleep)"},
    {SCMP_SYS(clock_gettime), "clock base refresh (when the vDSO is not used)"},
    {SCMP_SYS(madvise), "TL_HC_DISCARD: freed guest pages back to the host"},
    {SCMP_SYS(munmap), "teardown of guest memory and malloc"},
    {SCMP_SYS(brk), "malloc (error messages)"},
    {SCMP_SYS(futex), "glibc's locks (stdio, malloc)"},
    {SCMP_SYS(rt_sigreturn), "return from the forwarded-signal handler"},
    {SCMP_SYS(restart_syscall), "a sleep resumed after pause (SIGSTOP/SIGCONT)"},
    {SCMP_SYS(rt_sigprocmask), "glibc around signal-sensitive paths"},
    {SCMP_SYS(getpid), "abort()"},
    {SCMP_SYS(gettid), "abort()"},
    {SCMP_SYS(tgkill), "abort()"},
    {SCMP_SYS(setitimer), "TL_HC_ALARM: the function's alarm/setitimer"},
    {SCMP_SYS(getitimer), "TL_HC_ALARM: the function's getitimer"},
    {SCMP_SYS(exit), "thread exit"},
    {SCMP_SYS(exit_group), "the trustlet ends"},
    {SCMP_SYS(getrandom), "TL_HC_REPORT: OpenSSL's ECDSA nonce and generator reseeding"},
    {SCMP_SYS(flock), "TL_HC_REPORT: lock the per-boot report counter file"},
    {SCMP_SYS(pread64), "TL_HC_REPORT: read the report counter"},
    {SCMP_SYS(pwrite64), "TL_HC_REPORT: write the report counter"},
    {SCMP_SYS(accept4), "exec: a connection from an exec proxy on exec.sock"},
    {SCMP_SYS(recvmsg), "exec: a proxy's request with its stdio fds (SCM_RIGHTS), its signals"},
    {SCMP_SYS(sendto), "exec: started, exit status or error back to the proxy (send)"},
};

/* fcntl commands: exec connections raise SIGIO (O_ASYNC, owner: the monitor). */
static const int fcntl_cmds[] = {F_GETFL, F_SETFL, F_SETOWN};

/* KVM ioctls the vCPU loop makes; set-up ones (CREATE_VM, SET_SREGS, ...)
 * are gone. SET_REGS: resume an interrupted application at the LibOS's
 * signal entry (rip only changes; the vCPU's mode and privilege do not). */
static const unsigned long kvm_ioctls[] = {KVM_RUN,      KVM_GET_REGS,    KVM_GET_SREGS,
                                           KVM_GET_MSRS, KVM_GET_TSC_KHZ, KVM_SET_REGS,
                                           KVM_SET_SREGS /* TL_HC_MMU: CR3 */};

/* TL_HC_IOCTL's table (hypercall.c) on the container's terminal. */
static const unsigned long tty_ioctls[] = {TCGETS,     TCSETS,     TCSETSW, TCSETSF,
                                           TIOCGWINSZ, TIOCSWINSZ, FIONREAD};

static int drop_capabilities(hacher_error_t *err)
{
  cap_t caps = cap_init(); /* empty sets */
  int rc;

  if (caps == NULL)
    return hacher_error(err, errno, "sandbox: cap_init");
  rc = cap_set_proc(caps);
  cap_free(caps);
  return rc < 0 ? hacher_error(err, errno, "sandbox: drop capabilities") : 0;
}

static int add_rules(scmp_filter_ctx ctx)
{
  int rc = 0;

  for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]) && rc == 0; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i].nr, 0);
  for (size_t i = 0; i < sizeof(kvm_ioctls) / sizeof(kvm_ioctls[0]) && rc == 0; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, kvm_ioctls[i]));
  for (size_t i = 0; i < sizeof(tty_ioctls) / sizeof(tty_ioctls[0]) && rc == 0; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, tty_ioctls[i]));
  for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]) && rc == 0; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]));
  /* malloc: anonymous memory, never executable */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  return rc;
}

int mon_sandbox(hacher_error_t *err)
{
  scmp_filter_ctx ctx;
  int rc;

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return hacher_error(err, errno, "sandbox: no_new_privs");
  if (drop_capabilities(err) < 0)
    return -1;
  ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (ctx == NULL)
    return hacher_error(err, 0, "sandbox: seccomp_init failed");
  rc = add_rules(ctx);
  if (rc == 0)
    rc = seccomp_load(ctx);
  seccomp_release(ctx);
  return rc < 0 ? hacher_error(err, -rc, "sandbox: load the seccomp filter") : 0;
}
