/* Builds the guest's initial state: page tables, descriptor tables, trap
 * stubs, the LibOS image and the boot block. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../common/sha256.h"
#include "../common/util.h"
#include "mon.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

extern const uint8_t mon_stubs_start[], mon_stubs_end[];
extern const uint8_t mon_libos_start[], mon_libos_end[];

struct pt_alloc {
  struct mon_vm *vm;
  uint64_t next; /* next free page-table GPA */
};

static uint64_t *pt_page(struct pt_alloc *pa, uint64_t *gpa, hacher_error_t *err)
{
  if (pa->next + TL_PAGE_SIZE > TL_PT_END) {
    hacher_error(err, 0, "guest page tables do not fit: memory or image too large");
    return NULL;
  }
  *gpa = pa->next;
  pa->next += TL_PAGE_SIZE;
  return (uint64_t *)(pa->vm->ram + *gpa);
}

/* Return the next-level table behind entry e, allocating it. */
static uint64_t *pt_next(struct pt_alloc *pa, uint64_t *e, hacher_error_t *err)
{
  uint64_t gpa;
  uint64_t *t;

  if (*e & PTE_P)
    return (uint64_t *)(pa->vm->ram + (*e & 0x000ffffffffff000ULL));
  t = pt_page(pa, &gpa, err);
  if (t != NULL)
    *e = gpa | PTE_P | PTE_W | PTE_U;
  return t;
}

/* Map [va, va+size) to [pa, ...) with 2 MiB pages; all three 2 MiB aligned. */
static int map_2m(struct pt_alloc *pa, uint64_t *pml4, uint64_t va, uint64_t phys, uint64_t size,
                  uint64_t flags, hacher_error_t *err)
{
  for (uint64_t off = 0; off < size; off += SZ_2M) {
    uint64_t v = va + off;
    uint64_t *pdpt = pt_next(pa, &pml4[(v >> 39) & 511], err);
    uint64_t *pd = pdpt ? pt_next(pa, &pdpt[(v >> 30) & 511], err) : NULL;
    if (pd == NULL)
      return -1;
    pd[(v >> 21) & 511] = (phys + off) | PTE_P | PTE_PS | flags;
  }
  return 0;
}

/* The first 2 MiB with 4 KiB pages: page 0 absent (NULL traps), boot
 * structures supervisor-only, the shared page and boot strings user-visible. */
static int map_low(struct pt_alloc *pa, uint64_t *pml4, hacher_error_t *err)
{
  uint64_t *pdpt = pt_next(pa, &pml4[0], err);
  uint64_t *pd = pdpt ? pt_next(pa, &pdpt[0], err) : NULL;
  uint64_t *pt = pd ? pt_next(pa, &pd[0], err) : NULL;

  if (pt == NULL)
    return -1;
  for (uint64_t i = 1; i < 512; i++) {
    uint64_t gpa = i * TL_PAGE_SIZE, flags = PTE_P | PTE_NX;
    if (gpa == TL_STUBS_GPA)
      flags &= ~PTE_NX;
    if (gpa < TL_SHARED_GPA || (gpa >= TL_PT_GPA && gpa < TL_PT_END))
      flags |= PTE_W;
    else if (gpa < TL_PT_GPA)
      flags |= PTE_W | PTE_U; /* shared page */
    else
      flags |= PTE_U; /* boot strings: read-only */
    pt[i] = gpa | flags;
  }
  return 0;
}

static int build_page_tables(struct mon_vm *vm, hacher_error_t *err)
{
  struct pt_alloc pa = {vm, TL_PT_GPA};
  uint64_t pml4_gpa;
  uint64_t *pml4 = pt_page(&pa, &pml4_gpa, err);

  if (pml4 == NULL || map_low(&pa, pml4, err) < 0)
    return -1;
  if (map_2m(&pa, pml4, SZ_2M, SZ_2M, vm->ram_size - SZ_2M, PTE_W | PTE_U, err) < 0)
    return -1;
  if (vm->image_size > 0 &&
      map_2m(&pa, pml4, TL_IMAGE_GPA, TL_IMAGE_GPA, (vm->image_map_size + SZ_2M - 1) & ~(SZ_2M - 1),
             PTE_U | PTE_NX, err) < 0)
    return -1;
  if (vm->mounts_map_size > 0 &&
      map_2m(&pa, pml4, TL_MOUNTS_GPA, TL_MOUNTS_GPA,
             (vm->mounts_map_size + SZ_2M - 1) & ~(SZ_2M - 1), PTE_U | PTE_NX, err) < 0)
    return -1;
  if (vm->policy_map_size > 0 &&
      map_2m(&pa, pml4, TL_POLICY_GPA, TL_POLICY_GPA,
             (vm->policy_map_size + SZ_2M - 1) & ~(SZ_2M - 1), PTE_U | PTE_NX, err) < 0)
    return -1;
  if (map_2m(&pa, pml4, TL_MMIO_GPA, TL_MMIO_GPA, SZ_2M, PTE_W | PTE_U | PTE_NX, err) < 0)
    return -1;
  if (map_2m(&pa, pml4, TL_PHYSMAP_VA, 0, vm->ram_size, PTE_W | PTE_U | PTE_NX, err) < 0)
    return -1;
  return map_2m(&pa, pml4, TL_LOS_VA, vm->los_phys, TL_LOS_RESERVE, PTE_W | PTE_U, err);
}

static void set_gate(uint8_t *idt, unsigned vec, uint64_t handler, unsigned dpl)
{
  uint64_t lo = (handler & 0xffff) | ((uint64_t)TL_SEL_KCODE << 16) |
                ((uint64_t)(0x8e | (dpl << 5)) << 40) | ((handler >> 16 & 0xffff) << 48);
  uint64_t hi = handler >> 32;
  memcpy(idt + vec * 16, &lo, 8);
  memcpy(idt + vec * 16 + 8, &hi, 8);
}

/* GDT with Linux's selectors, a TSS whose RSP0 is the trap stack, the IDT
 * pointing at the ring-0 stubs. */
static void build_descriptors(struct mon_vm *vm, struct plat_boot_cpu *cpu)
{
  uint64_t *gdt = (uint64_t *)(vm->ram + TL_GDT_GPA);
  uint8_t *tss = vm->ram + TL_GDT_GPA + 0x80;
  uint64_t tss_base = TL_GDT_GPA + 0x80, rsp0 = TL_KSTACK_GPA + TL_KSTACK_SIZE;
  uint8_t *idt = vm->ram + TL_IDT_GPA;

  gdt[TL_SEL_KCODE / 8] = 0x00af9b000000ffffULL;
  gdt[TL_SEL_KDATA / 8] = 0x00cf93000000ffffULL;
  gdt[TL_SEL_UDATA / 8] = 0x00cff3000000ffffULL;
  gdt[TL_SEL_UCODE / 8] = 0x00affb000000ffffULL;
  gdt[TL_SEL_TSS / 8] =
      103 | ((tss_base & 0xffffff) << 16) | (0x89ULL << 40) | ((tss_base >> 24 & 0xff) << 56);
  gdt[TL_SEL_TSS / 8 + 1] = tss_base >> 32;
  memcpy(tss + 4, &rsp0, 8);
  tss[102] = 104; /* I/O map base past the limit: no bitmap, IOPL decides */

  memcpy(vm->ram + TL_STUBS_GPA, mon_stubs_start, (size_t)(mon_stubs_end - mon_stubs_start));
  for (unsigned v = 0; v < 32; v++)
    set_gate(idt, v, TL_STUBS_GPA + v * 16, (v == 3 || v == 4) ? 3 : 0);

  cpu->gdt_base = TL_GDT_GPA;
  cpu->gdt_limit = TL_SEL_TSS + 15;
  cpu->idt_base = TL_IDT_GPA;
  cpu->idt_limit = 32 * 16 - 1;
  cpu->tss_base = tss_base;
}

/* Copy the embedded LibOS ELF to the top of RAM and read its header. */
static int load_libos(struct mon_vm *vm, hacher_error_t *err)
{
  const uint8_t *elf = mon_libos_start;
  size_t size = (size_t)(mon_libos_end - mon_libos_start);
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
  struct tl_los_header hdr;

  if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
      eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size)
    return hacher_error(err, 0, "embedded LibOS is not a valid ELF file");
  for (unsigned i = 0; i < eh->e_phnum; i++) {
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(elf + eh->e_phoff) + i;
    if (ph->p_type != PT_LOAD)
      continue;
    if (ph->p_vaddr < TL_LOS_VA || ph->p_memsz > TL_LOS_RESERVE ||
        ph->p_vaddr - TL_LOS_VA > TL_LOS_RESERVE - ph->p_memsz || ph->p_filesz > ph->p_memsz ||
        ph->p_offset + ph->p_filesz > size)
      return hacher_error(err, 0, "embedded LibOS segment %u out of range", i);
    memcpy(vm->ram + vm->los_phys + (ph->p_vaddr - TL_LOS_VA), elf + ph->p_offset, ph->p_filesz);
  }
  memcpy(&hdr, vm->ram + vm->los_phys, sizeof(hdr));
  if (hdr.magic != TL_LOS_MAGIC || hdr.abi_version != TL_ABI_VERSION)
    return hacher_error(err, 0, "embedded LibOS has ABI %u, monitor expects %u", hdr.abi_version,
                        TL_ABI_VERSION);
  vm->los_boot_entry = hdr.boot_entry;
  vm->los_syscall_entry = hdr.syscall_entry;
  vm->los_signal_entry = hdr.signal_entry;
  return 0;
}

/* Append a NUL-terminated string to the boot strings area. */
static int put_str(struct mon_vm *vm, uint64_t *off, const char *s, tl_gptr_t *where,
                   hacher_error_t *err)
{
  size_t n = strlen(s) + 1;
  if (n > TL_ARGS_SIZE - *off)
    return hacher_error(err, 0, "process arguments and environment exceed %llu bytes",
                        (unsigned long long)TL_ARGS_SIZE);
  memcpy(vm->ram + TL_ARGS_GPA + *off, s, n);
  if (where)
    where->gpa = TL_ARGS_GPA + *off;
  *off += n;
  return 0;
}

static int fill_boot(struct mon_vm *vm, hacher_error_t *err)
{
  const struct mon_config *cfg = vm->cfg;
  struct tl_boot *b = &vm->shared->boot;
  uint64_t off = 0;

  b->abi_version = TL_ABI_VERSION;
  b->flags = (cfg->readonly_root ? TL_BOOT_READONLY_ROOT : 0) | (cfg->trace ? TL_BOOT_TRACE : 0) |
             (cfg->terminal ? TL_BOOT_TERMINAL : 0);
  b->ram_size = vm->ram_size;
  b->los_phys = vm->los_phys;
  b->image_gpa = TL_IMAGE_GPA;
  b->image_size = vm->image_size;
  b->image_data_size = cfg->image_data_size;
  b->image_hash_offset = cfg->image_hash_offset;
  memcpy(b->image_root, cfg->image_root, sizeof(b->image_root));
  memcpy(b->caps, cfg->caps, sizeof(b->caps));
  b->limits = cfg->limits;
  memcpy(b->measurement, vm->measurement, sizeof(b->measurement));
  b->mounts_size = cfg->mounts_size;
  if (cfg->mounts_size > 0)
    sha256(cfg->mounts, cfg->mounts_size, b->mounts_digest);
  b->policy_size = cfg->policy_size;
  if (cfg->policy_size > 0)
    sha256(cfg->policy, cfg->policy_size, b->policy_digest);
  if (getrandom(b->seed, sizeof(b->seed), 0) != sizeof(b->seed))
    return hacher_error(err, 0, "getrandom failed");
  b->args.gpa = TL_ARGS_GPA;
  for (size_t i = 0; i < cfg->argc; i++)
    if (put_str(vm, &off, cfg->argv[i], NULL, err) < 0)
      return -1;
  for (size_t i = 0; i < cfg->envc; i++)
    if (put_str(vm, &off, cfg->envp[i], NULL, err) < 0)
      return -1;
  b->argc = (uint32_t)cfg->argc;
  b->envc = (uint32_t)cfg->envc;
  b->args_size = off;
  if (put_str(vm, &off, cfg->cwd ? cfg->cwd : "/", &b->cwd, err) < 0 ||
      put_str(vm, &off, cfg->hostname ? cfg->hostname : "", &b->hostname, err) < 0)
    return -1;
  b->uid = cfg->uid;
  b->gid = cfg->gid;
  b->umask = cfg->umask;
  if (cfg->ngroups > TL_MAX_GROUPS || cfg->nrlimits > TL_MAX_RLIMITS)
    return hacher_error(err, 0, "too many additional groups or rlimits");
  b->ngroups = (uint32_t)cfg->ngroups;
  for (size_t i = 0; i < cfg->ngroups; i++)
    b->groups[i] = cfg->groups[i];
  b->nrlimits = (uint32_t)cfg->nrlimits;
  for (size_t i = 0; i < cfg->nrlimits; i++) {
    b->rlimits[i].resource = cfg->rlimits[i].resource;
    b->rlimits[i].soft = cfg->rlimits[i].soft;
    b->rlimits[i].hard = cfg->rlimits[i].hard;
  }
  return 0;
}

void mon_clock_update(struct mon_vm *vm)
{
  struct tl_clock *c = &vm->shared->clock;
  struct timespec rt, mono;
  uint64_t tsc;
  uint32_t khz;

  if (plat_tsc(vm->plat, &tsc, &khz) < 0)
    return;
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  c->tsc = tsc;
  c->realtime_ns = (uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec;
  c->monotonic_ns = (uint64_t)mono.tv_sec * 1000000000ULL + (uint64_t)mono.tv_nsec;
  c->tsc_khz = khz;
  c->shift = 32;
  c->mult = (1000000ULL << 32) / khz;
}

int mon_boot_setup(struct mon_vm *vm, hacher_error_t *err)
{
  struct plat_boot_cpu cpu = {0};

  vm->los_phys = vm->ram_size - TL_LOS_RESERVE;
  vm->shared = (struct tl_shared *)(vm->ram + TL_SHARED_GPA);
  if (build_page_tables(vm, err) < 0 || load_libos(vm, err) < 0 || fill_boot(vm, err) < 0)
    return -1;
  build_descriptors(vm, &cpu);
  cpu.cr3 = TL_PT_GPA;
  cpu.rip = vm->los_boot_entry;
  cpu.rdi = TL_SHARED_GPA;
  cpu.rflags = 0x2;
  cpu.lstar = vm->los_syscall_entry;
  /* sysret to CS 0x33 / SS 0x2b; syscall to CS 0x10 where it enters ring 0 */
  cpu.star = ((uint64_t)TL_SEL_KCODE << 32) | ((uint64_t)(TL_SEL_UDATA - 8) << 48);
  cpu.sfmask = 0x40700; /* TF, IF, DF, AC */
  if (plat_boot_cpu(vm->plat, &cpu, err) < 0)
    return -1;
  mon_clock_update(vm);
  return 0;
}
