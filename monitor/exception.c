/* Reports from the ring-0 trap stubs: an application fault ends the function
 * with the signal Linux would send; a LibOS fault ends the trustlet. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "mon.h"

struct exc_info {
  const char *name;
  int signal;
};

static const struct exc_info exceptions[32] = {
    [0] = {"#DE divide error", SIGFPE},
    [1] = {"#DB debug", SIGTRAP},
    [2] = {"NMI", SIGKILL},
    [3] = {"#BP breakpoint", SIGTRAP},
    [4] = {"#OF overflow", SIGSEGV},
    [5] = {"#BR bound range", SIGSEGV},
    [6] = {"#UD invalid opcode", SIGILL},
    [7] = {"#NM device not available", SIGSEGV},
    [8] = {"#DF double fault", SIGKILL},
    [10] = {"#TS invalid TSS", SIGSEGV},
    [11] = {"#NP segment not present", SIGBUS},
    [12] = {"#SS stack fault", SIGBUS},
    [13] = {"#GP general protection", SIGSEGV},
    [14] = {"#PF page fault", SIGSEGV},
    [16] = {"#MF x87 floating point", SIGFPE},
    [17] = {"#AC alignment check", SIGBUS},
    [18] = {"#MC machine check", SIGKILL},
    [19] = {"#XM SIMD floating point", SIGFPE},
};

/* Frame the stubs leave on the ring-0 stack. */
struct exc_frame {
  uint64_t rdx, rax, vector, error, rip, cs, rflags, rsp, ss;
};

/* Linux's si_code for the fault. */
static int32_t fault_code(uint32_t vector, uint64_t error)
{
  switch (vector) {
  case 14: return (error & 1) ? 2 : 1; /* SEGV_ACCERR : SEGV_MAPERR */
  case 6: return 2;                    /* ILL_ILLOPN */
  case 0: return 1;                    /* FPE_INTDIV */
  case 3: return 0x80;                 /* SI_KERNEL */
  default: return 0x80;
  }
}

/* The function has a handler for the signal: its registers go to the
 * shared page and the stub's iretq returns to the LibOS signal entry. */
static bool to_handler(struct mon_vm *vm, uint64_t frame_gpa, const struct exc_frame *f,
                       uint32_t vector, uint64_t cr2, int sig)
{
  struct tl_regs r;
  struct exc_frame nf = *f;

  if (vm->los_signal_entry == 0 || !(vm->shared->sig_caught & (1ULL << (sig - 1))) ||
      plat_get_gprs(vm->plat, &r) < 0)
    return false;
  r.rax = f->rax;
  r.rdx = f->rdx;
  r.rip = f->rip;
  r.rsp = f->rsp;
  r.rflags = f->rflags;
  vm->shared->intr = r;
  vm->shared->fault = (struct tl_fault){.signo = (uint32_t)sig,
                                        .code = fault_code(vector, f->error),
                                        .addr = vector == 14 ? cr2 : f->rip,
                                        .vector = vector,
                                        .error = f->error};
  nf.rip = vm->los_signal_entry;
  memcpy(vm->ram + frame_gpa, &nf, sizeof(nf));
  return true;
}

void mon_exception(struct mon_vm *vm, uint32_t vector)
{
  struct plat_regs regs;
  struct exc_frame f;
  const char *name;

  if (vector >= 32 || plat_get_regs(vm->plat, &regs) < 0 ||
      !mon_range_ok(regs.rsp, sizeof(f), TL_KSTACK_GPA, TL_KSTACK_SIZE)) {
    mon_fault(vm, "malformed trap report (vector %u)", vector);
    return;
  }
  memcpy(&f, vm->ram + regs.rsp, sizeof(f));
  name = exceptions[vector].name ? exceptions[vector].name : "reserved exception";
  log_debug("trap frame: rip 0x%llx cs 0x%llx rflags 0x%llx rsp 0x%llx ss 0x%llx",
            (unsigned long long)f.rip, (unsigned long long)f.cs, (unsigned long long)f.rflags,
            (unsigned long long)f.rsp, (unsigned long long)f.ss);
  if ((f.cs & 3) != 3 || f.rip >= TL_LOS_VA || exceptions[vector].signal == SIGKILL) {
    mon_fault(vm, "LibOS exception %s (vector %u, error 0x%llx) at rip 0x%llx, address 0x%llx",
              name, vector, (unsigned long long)f.error, (unsigned long long)f.rip,
              (unsigned long long)regs.cr2);
    return;
  }
  if (to_handler(vm, regs.rsp, &f, vector, regs.cr2, exceptions[vector].signal))
    return;
  log_warn("trustlet \"%s\": function killed by signal %d: %s at rip 0x%llx, address 0x%llx",
           vm->cfg->id, exceptions[vector].signal, name, (unsigned long long)f.rip,
           (unsigned long long)regs.cr2);
  vm->done = true;
  vm->status = 128 + exceptions[vector].signal;
}
