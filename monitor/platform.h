/* The isolation platform interface (KVM now; SEV-SNP VMPL next). The monitor
 * core never calls KVM directly. */
#ifndef HACHER_MON_PLATFORM_H
#define HACHER_MON_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/tl_abi.h"

struct plat_vm;

enum plat_exit_kind {
  PLAT_EXIT_IO,       /* port write: port, value */
  PLAT_EXIT_SIGNAL,   /* a host signal interrupted the guest */
  PLAT_EXIT_HALT,     /* hlt */
  PLAT_EXIT_SHUTDOWN, /* triple fault */
  PLAT_EXIT_MMIO,     /* access to a guest-physical address with no memory */
  PLAT_EXIT_FAIL,     /* anything else; detail says what */
};

struct plat_exit {
  enum plat_exit_kind kind;
  uint16_t port;
  uint32_t value;
  uint64_t addr;     /* MMIO address */
  bool mmio_write32; /* MMIO: a 4-byte store; value holds the data */
  char detail[96];
};

struct plat_regs {
  uint64_t rip, rsp, rflags, rax, rdi, cr2, cr3;
};

/* Initial CPU state: 64-bit long mode, entered directly in ring 3. */
struct plat_boot_cpu {
  uint64_t rip, rsp, rdi, rflags;
  uint64_t cr3, gdt_base, idt_base, tss_base;
  uint16_t gdt_limit, idt_limit;
  uint64_t lstar, star, sfmask;
};

int plat_create(struct plat_vm **out, hacher_error_t *err);
int plat_map(struct plat_vm *vm, uint32_t slot, uint64_t gpa, void *host, uint64_t size,
             bool readonly, hacher_error_t *err);
int plat_boot_cpu(struct plat_vm *vm, const struct plat_boot_cpu *cpu, hacher_error_t *err);
/* Enter the guest until the next exit. */
int plat_run(struct plat_vm *vm, struct plat_exit *exit, hacher_error_t *err);
int plat_get_regs(struct plat_vm *vm, struct plat_regs *regs);
/* All general registers, rip and rflags (struct tl_regs layout). */
int plat_get_gprs(struct plat_vm *vm, struct tl_regs *regs);
int plat_set_gprs(struct plat_vm *vm, const struct tl_regs *regs);
/* Load CR3 (the guest switched address spaces or wants its TLB flushed). */
int plat_set_cr3(struct plat_vm *vm, uint64_t cr3);
/* Guest TSC now, paired with the host clock read right after it. */
int plat_tsc(struct plat_vm *vm, uint64_t *tsc, uint32_t *khz);
/* Make the next (or current) plat_run return PLAT_EXIT_SIGNAL; async-signal-safe. */
void plat_kick(struct plat_vm *vm);
void plat_destroy(struct plat_vm *vm);
/* "kvm" or "kvm (pvm)", for messages and features. */
const char *plat_name(void);

#endif
