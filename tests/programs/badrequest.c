/* Issues one raw hypercall whose buffer address is far outside guest RAM;
 * the monitor must refuse it and end the trustlet. */
#include <stdint.h>
#include <stdio.h>

#include "../../common/tl_abi.h"

#define BAD_GPA 0xfffffffffff000ULL

/* Static, so non-PIE builds place it in low identity-mapped memory. */
static volatile struct tl_hc req __attribute__((aligned(64)));

int main(void)
{
  uintptr_t gpa = (uintptr_t)&req;

  if (gpa >= (1ULL << 32)) {
    printf("badrequest: request block at %#lx is above 4 GiB\n", (unsigned long)gpa);
    return 3;
  }
  req.nr = TL_HC_WRITE;
  req.u.io.fd = 1;
  req.u.io.buf.gpa = BAD_GPA;
  req.u.io.len = 16;
  /* Raise it exactly as the LibOS does (see tl_abi.h). */
#ifdef TL_HC_DOORBELL
  *(volatile uint32_t *)TL_HC_DOORBELL = (uint32_t)gpa;
#else
  __asm__ volatile("outl %0, %w1" : : "a"((uint32_t)gpa), "Nd"((uint16_t)TL_HC_PORT) : "memory");
#endif
  /* Only reached if the monitor let the guest continue. */
  printf("badrequest: monitor returned %lld\n", (long long)req.ret);
  return 2;
}
