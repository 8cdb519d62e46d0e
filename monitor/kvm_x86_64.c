/* KVM platform backend for x86-64: one VM, one vCPU, entered in 64-bit ring 3. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/tl_abi.h"
#include "../common/util.h"
#include "platform.h"

#define MSR_IA32_TSC 0x10
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)

#define CPUID_MAX_ENTRIES 256

struct plat_vm {
  int kvm_fd, vm_fd, vcpu_fd;
  struct kvm_run *run;
  size_t run_size;
};

static int kvm_err(hacher_error_t *err, const char *what)
{
  return hacher_error(err, errno, "kvm: %s", what);
}

int plat_create(struct plat_vm **out, hacher_error_t *err)
{
  struct plat_vm *vm = xmalloc0(sizeof(*vm));
  int size;

  vm->vm_fd = vm->vcpu_fd = -1;
  vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (vm->kvm_fd < 0) {
    hacher_error(err, errno, "open \"/dev/kvm\"");
    goto fail;
  }
  if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
    hacher_error(err, 0, "kvm: unsupported KVM API version");
    goto fail;
  }
  vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
  if (vm->vm_fd < 0) {
    kvm_err(err, "KVM_CREATE_VM");
    goto fail;
  }
  vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
  if (vm->vcpu_fd < 0) {
    kvm_err(err, "KVM_CREATE_VCPU");
    goto fail;
  }
  size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size <= 0) {
    kvm_err(err, "KVM_GET_VCPU_MMAP_SIZE");
    goto fail;
  }
  vm->run_size = (size_t)size;
  vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
  if (vm->run == MAP_FAILED) {
    vm->run = NULL;
    kvm_err(err, "mmap vcpu");
    goto fail;
  }
  *out = vm;
  return 0;
fail:
  plat_destroy(vm);
  return -1;
}

int plat_map(struct plat_vm *vm, uint32_t slot, uint64_t gpa, void *host, uint64_t size,
             bool readonly, hacher_error_t *err)
{
  struct kvm_userspace_memory_region r = {
      .slot = slot,
      .flags = readonly ? KVM_MEM_READONLY : 0,
      .guest_phys_addr = gpa,
      .memory_size = size,
      .userspace_addr = (uint64_t)(uintptr_t)host,
  };
  if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return kvm_err(err, "KVM_SET_USER_MEMORY_REGION");
  return 0;
}

static int set_cpuid(struct plat_vm *vm, bool *fsgsbase, hacher_error_t *err)
{
  cleanup_free struct kvm_cpuid2 *cpuid =
      xmalloc0(sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));

  cpuid->nent = CPUID_MAX_ENTRIES;
  if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
    return kvm_err(err, "KVM_GET_SUPPORTED_CPUID");
  *fsgsbase = false;
  for (uint32_t i = 0; i < cpuid->nent; i++)
    if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0)
      *fsgsbase = cpuid->entries[i].ebx & 1;
  /* CR4 bits are checked against the guest CPUID, so this comes first. */
  if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
    return kvm_err(err, "KVM_SET_CPUID2");
  return 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
  memset(s, 0, sizeof(*s));
  s->selector = sel;
  s->limit = 0xffffffff;
  s->type = type;
  s->present = 1;
  s->dpl = sel & 3;
  s->s = 1;
  s->l = code;
  s->db = !code;
  s->g = 1;
}

static int set_msrs(struct plat_vm *vm, const struct plat_boot_cpu *cpu, hacher_error_t *err)
{
  struct {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[3];
  } msrs = {.hdr.nmsrs = 3};

  msrs.e[0].index = MSR_STAR;
  msrs.e[0].data = cpu->star;
  msrs.e[1].index = MSR_LSTAR;
  msrs.e[1].data = cpu->lstar;
  msrs.e[2].index = MSR_SFMASK;
  msrs.e[2].data = cpu->sfmask;
  if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs) != 3)
    return kvm_err(err, "KVM_SET_MSRS");
  return 0;
}

int plat_boot_cpu(struct plat_vm *vm, const struct plat_boot_cpu *cpu, hacher_error_t *err)
{
  struct kvm_sregs sregs;
  struct kvm_regs regs = {0};
  bool fsgsbase = false;

  if (set_cpuid(vm, &fsgsbase, err) < 0)
    return -1;
  if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
    return kvm_err(err, "KVM_GET_SREGS");
  sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  sregs.cr3 = cpu->cr3;
  sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (fsgsbase ? CR4_FSGSBASE : 0);
  sregs.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
  sregs.gdt.base = cpu->gdt_base;
  sregs.gdt.limit = cpu->gdt_limit;
  sregs.idt.base = cpu->idt_base;
  sregs.idt.limit = cpu->idt_limit;
  seg(&sregs.cs, TL_SEL_UCODE, 11, true);
  seg(&sregs.ss, TL_SEL_UDATA, 3, false);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
  memset(&sregs.tr, 0, sizeof(sregs.tr));
  sregs.tr.selector = TL_SEL_TSS;
  sregs.tr.base = cpu->tss_base;
  sregs.tr.limit = 103;
  sregs.tr.type = 11; /* busy 64-bit TSS */
  sregs.tr.present = 1;
  if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
    return kvm_err(err, "KVM_SET_SREGS");
  if (set_msrs(vm, cpu, err) < 0)
    return -1;
  regs.rip = cpu->rip;
  regs.rsp = cpu->rsp;
  regs.rdi = cpu->rdi;
  regs.rflags = cpu->rflags;
  if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
    return kvm_err(err, "KVM_SET_REGS");
  return 0;
}

static void decode_exit(struct kvm_run *run, struct plat_exit *exit)
{
  memset(exit, 0, sizeof(*exit));
  switch (run->exit_reason) {
  case KVM_EXIT_IO:
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 && run->io.count == 1) {
      exit->kind = PLAT_EXIT_IO;
      exit->port = run->io.port;
      memcpy(&exit->value, (char *)run + run->io.data_offset, 4);
      return;
    }
    exit->kind = PLAT_EXIT_FAIL;
    snprintf(exit->detail, sizeof(exit->detail), "unsupported I/O on port 0x%x (size %u, %s)",
             run->io.port, run->io.size, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in");
    return;
  case KVM_EXIT_HLT: exit->kind = PLAT_EXIT_HALT; return;
  case KVM_EXIT_SHUTDOWN: exit->kind = PLAT_EXIT_SHUTDOWN; return;
  case KVM_EXIT_MMIO:
    exit->kind = PLAT_EXIT_MMIO;
    exit->addr = run->mmio.phys_addr;
    exit->mmio_write32 = run->mmio.is_write && run->mmio.len == 4;
    if (exit->mmio_write32)
      memcpy(&exit->value, run->mmio.data, 4);
    return;
  case KVM_EXIT_INTERNAL_ERROR:
    exit->kind = PLAT_EXIT_FAIL;
    snprintf(exit->detail, sizeof(exit->detail), "KVM internal error (suberror %u)",
             run->internal.suberror);
    return;
  case KVM_EXIT_FAIL_ENTRY:
    exit->kind = PLAT_EXIT_FAIL;
    snprintf(exit->detail, sizeof(exit->detail), "guest entry failed (reason 0x%llx)",
             (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    return;
  default:
    exit->kind = PLAT_EXIT_FAIL;
    snprintf(exit->detail, sizeof(exit->detail), "unexpected KVM exit reason %u", run->exit_reason);
  }
}

int plat_run(struct plat_vm *vm, struct plat_exit *exit, hacher_error_t *err)
{
  if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
    if (errno == EINTR || errno == EAGAIN) {
      vm->run->immediate_exit = 0;
      memset(exit, 0, sizeof(*exit));
      exit->kind = PLAT_EXIT_SIGNAL;
      return 0;
    }
    return kvm_err(err, "KVM_RUN");
  }
  decode_exit(vm->run, exit);
  return 0;
}

int plat_get_regs(struct plat_vm *vm, struct plat_regs *out)
{
  struct kvm_regs regs;
  struct kvm_sregs sregs;

  memset(out, 0, sizeof(*out));
  if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
    return -1;
  out->rip = regs.rip;
  out->rsp = regs.rsp;
  out->rflags = regs.rflags;
  out->rax = regs.rax;
  out->rdi = regs.rdi;
  out->cr2 = sregs.cr2;
  out->cr3 = sregs.cr3;
  return 0;
}

_Static_assert(sizeof(struct kvm_regs) == sizeof(struct tl_regs), "kvm_regs is tl_regs");

int plat_set_cr3(struct plat_vm *vm, uint64_t cr3)
{
  struct kvm_sregs sregs;

  if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
    return -1;
  sregs.cr3 = cr3;
  return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ? -1 : 0;
}

int plat_get_gprs(struct plat_vm *vm, struct tl_regs *out)
{
  struct kvm_regs regs;

  if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
    return -1;
  memcpy(out, &regs, sizeof(*out));
  return 0;
}

int plat_set_gprs(struct plat_vm *vm, const struct tl_regs *in)
{
  struct kvm_regs regs;

  memcpy(&regs, in, sizeof(regs));
  return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0 ? -1 : 0;
}

int plat_tsc(struct plat_vm *vm, uint64_t *tsc, uint32_t *khz)
{
  struct {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e;
  } msrs = {.hdr.nmsrs = 1, .e.index = MSR_IA32_TSC};
  int k = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);

  if (k <= 0 || ioctl(vm->vcpu_fd, KVM_GET_MSRS, &msrs) != 1)
    return -1;
  *tsc = msrs.e.data;
  *khz = (uint32_t)k;
  return 0;
}

void plat_kick(struct plat_vm *vm)
{
  if (vm != NULL && vm->run != NULL)
    vm->run->immediate_exit = 1;
}

void plat_destroy(struct plat_vm *vm)
{
  if (vm == NULL)
    return;
  if (vm->run != NULL)
    munmap(vm->run, vm->run_size);
  if (vm->vcpu_fd >= 0)
    close(vm->vcpu_fd);
  if (vm->vm_fd >= 0)
    close(vm->vm_fd);
  if (vm->kvm_fd >= 0)
    close(vm->kvm_fd);
  free(vm);
}

const char *plat_name(void)
{
  return access("/sys/module/kvm_pvm", F_OK) == 0 ? "kvm (pvm)" : "kvm";
}
