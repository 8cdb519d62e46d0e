/* The checked guest-access helper: every guest-supplied address goes here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/util.h"
#include "mon.h"

bool mon_range_ok(uint64_t addr, uint64_t len, uint64_t base, uint64_t size)
{
  if (addr < base)
    return false;
  if (len > size)
    return false;
  return addr - base <= size - len;
}

void mon_fault(struct mon_vm *vm, const char *fmt, ...)
{
  va_list ap;

  if (vm->fault != NULL)
    return;
  va_start(ap, fmt);
  vm->fault = xvasprintf(fmt, ap);
  va_end(ap);
  vm->done = true;
}

void *mon_guest_checked(struct mon_vm *vm, tl_gptr_t p, uint64_t len, unsigned access,
                        const char *what, const char *file, int line)
{
  /* Requests may name the shared page (the request slot), the application
   * and LibOS RAM above TL_APP_BASE, and, for reading only, the boot strings
   * and the image; never page tables, descriptor tables or the trap stack. */
  if (mon_range_ok(p.gpa, len, TL_APP_BASE, vm->ram_size - TL_APP_BASE))
    return vm->ram + p.gpa;
  if (mon_range_ok(p.gpa, len, TL_SHARED_GPA, TL_PAGE_SIZE))
    return vm->ram + p.gpa;
  if (!(access & MON_WRITE)) {
    if (mon_range_ok(p.gpa, len, TL_ARGS_GPA, TL_ARGS_SIZE))
      return vm->ram + p.gpa;
    if (mon_range_ok(p.gpa, len, TL_IMAGE_GPA, vm->image_size))
      return vm->image + (p.gpa - TL_IMAGE_GPA);
  }
  mon_fault(vm, "bad guest address 0x%llx (length %llu) in %s request [%s:%d]",
            (unsigned long long)p.gpa, (unsigned long long)len, what, file, line);
  return NULL;
}
