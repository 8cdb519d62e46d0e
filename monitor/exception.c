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
  uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

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
  log_warn("trustlet \"%s\": function killed by signal %d: %s at rip 0x%llx, address 0x%llx",
           vm->cfg->id, exceptions[vector].signal, name, (unsigned long long)f.rip,
           (unsigned long long)regs.cr2);
  vm->done = true;
  vm->status = 128 + exceptions[vector].signal;
}
