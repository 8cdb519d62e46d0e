/* A misbehaving guest: raises raw requests the monitor must refuse, each
 * ending the trustlet with a clear message. Usage: badrequest [MODE]
 *   addr    write request whose buffer is far outside guest RAM (default)
 *   boot    write request whose buffer is the guest's GDT
 *   nr      request number the monitor does not know
 *   slot    doorbell carrying an address outside guest RAM
 *   mmio    store to an unmapped guest-physical address
 *   libos   overwrite the LibOS syscall entry, then make a syscall
 *   report  report request whose output is the guest's page tables
 *   report-small  report request with too small an output buffer (refused, not fatal) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/tl_abi.h"

/* Static, so it lives in low identity-mapped memory: its address is its GPA. */
/* Application memory is not identity-mapped (every process has its own page
 * tables), so requests are written where the LibOS writes them: the request
 * slot of the shared page, whose guest-physical address is fixed. */
#define req (((volatile struct tl_shared *)TL_SHARED_GPA)->hc)
#define SLOT_GPA ((uint32_t)(TL_SHARED_GPA + offsetof(struct tl_shared, hc)))

static void ring(uint32_t gpa)
{
  *(volatile uint32_t *)TL_HC_DOORBELL = gpa;
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "addr";
  uint32_t gpa = SLOT_GPA;

  req.nr = TL_HC_WRITE;
  req.u.io.fd = 1;
  req.u.io.buf.gpa = 0xfffffffffff000ULL;
  req.u.io.len = 16;
  if (strcmp(mode, "boot") == 0) {
    req.u.io.buf.gpa = TL_GDT_GPA;
  } else if (strcmp(mode, "nr") == 0) {
    req.nr = 99;
  } else if (strcmp(mode, "slot") == 0) {
    gpa = 0xfffff000u;
  } else if (strcmp(mode, "mmio") == 0) {
    *(volatile uint32_t *)(TL_HC_DOORBELL + 8) = 1;
    return 2;
  } else if (strncmp(mode, "report", 6) == 0) {
    req.nr = TL_HC_REPORT;
    req.u.report.data.gpa = TL_ARGS_GPA;
    req.u.report.out.gpa = strcmp(mode, "report") == 0 ? TL_PT_GPA : TL_SHARED_GPA + 2048;
    req.u.report.out_len = strcmp(mode, "report") == 0 ? sizeof(struct tl_report) : 16;
  } else if (strcmp(mode, "mmu") == 0) {
    req.nr = TL_HC_MMU;
    req.u.mmu.cr3 = TL_RAM_MAX + TL_PAGE_SIZE; /* outside RAM: refused */
  } else if (strcmp(mode, "discardv") == 0) {
    req.nr = TL_HC_DISCARDV;
    req.u.discardv.ranges.gpa = TL_SHARED_GPA + 2048;
    req.u.discardv.count = TL_DISCARDV_MAX + 1; /* too many: refused */
    req.u.discardv.cr3 = 0;
  } else if (strcmp(mode, "discardv-addr") == 0) {
    req.nr = TL_HC_DISCARDV;
    req.u.discardv.ranges.gpa = 0xfffffffffff000ULL;
    req.u.discardv.count = 1;
    req.u.discardv.cr3 = 0;
  } else if (strcmp(mode, "libos") == 0) {
    const struct tl_los_header *h = (const struct tl_los_header *)TL_LOS_VA;
    memcpy((void *)h->syscall_entry, "\x0f\x0b", 2); /* ud2 */
    getppid();
    return 2;
  }
  ring(gpa);
  /* Only reached if the monitor let the guest continue. */
  printf("badrequest: monitor returned %lld\n", (long long)req.ret);
  return 2;
}
