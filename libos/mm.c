/* Memory: physical frames, one set of page tables per address space, and
 * the LibOS heap.
 *
 * Frames come from a bitmap over the RAM between the boot area and the
 * LibOS; a freed frame is handed back to the host (it then reads as zero)
 * before it can be reused, so every frame the allocator returns is zero.
 * Address spaces map application memory eagerly: a mapping gets its frames
 * when it is made (PROT_NONE ranges get none), so no page fault is ever
 * needed; the host backs a frame only when it is first touched. Read-only
 * private pages are shared between a process and its fork (reference
 * counts); writable ones are copied at fork when the CPU marked them
 * accessed, or when the LibOS wrote them (file contents). The LibOS reaches
 * any frame through the physmap window (TL_PHYSMAP_VA), which every address
 * space shares with the LibOS itself and the boot area. */
#include "los.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_U 0x4ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL
#define PTE_INIT (1ULL << 9)   /* the LibOS wrote the frame (file contents) */
#define PTE_NONE (1ULL << 10)  /* PROT_NONE: frame kept, not present */
#define PTE_SHARE (1ULL << 11) /* MAP_SHARED: a fork shares the frame */
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define SYSTEM_LO 0x2000000000ULL /* TL_RAM_MAX .. 512 GiB: the monitor's slots */
#define SYSTEM_HI 0x8000000000ULL

struct vma {
  uint64_t start, end;
  uint32_t prot;
  uint16_t kind;
  uint16_t flags; /* LOS_MAP_SHARED */
  uint32_t name;  /* the mapped file (an interned path, see vma_names), 0: none */
  uint32_t pad;
};

/* Paths of mapped files for /proc/PID/maps, interned (never freed: a
 * function maps a bounded set of files). */
static char **vma_names;
static uint32_t nvma_names, cap_vma_names;

struct los_mm {
  uint64_t pml4; /* physical */
  struct vma *vmas;
  int nvmas, cap;
  int refs;
  uint64_t brk_start, brk_cur, brk_mapped;
};

static struct los_mm *cur_mm;
static uint64_t boot_pml4;

/* ---- frames ---- */

static uint64_t pool_lo, pool_hi, nframes, nfree;
static uint64_t *freemap; /* bit set: free */
static uint16_t *refs;
static uint64_t cursor;

/* Freed frames wait here until the host has discarded them. */
static struct tl_hc_range pending[TL_DISCARDV_MAX];
static uint32_t npending;

void *los_phys_va(uint64_t pa)
{
  return (void *)(TL_PHYSMAP_VA + pa);
}

static uint64_t fidx(uint64_t pa)
{
  return (pa - pool_lo) / LOS_PAGE;
}

static void set_free(uint64_t pa, uint64_t n)
{
  for (uint64_t i = fidx(pa); i < fidx(pa) + n; i++)
    freemap[i / 64] |= 1ULL << (i % 64);
  nfree += n;
}

/* Discard the pending frames (and load cr3 when asked: a TLB flush), then
 * make them allocatable. */
static void flush_pending(uint64_t cr3)
{
  struct tl_hc req = {.nr = TL_HC_DISCARDV};
  static struct tl_hc_range batch[TL_DISCARDV_MAX];
  uint32_t n = npending;

  if (n == 0 && cr3 == 0)
    return;
  memcpy(batch, pending, n * sizeof(batch[0]));
  npending = 0;
  req.u.discardv.ranges.gpa = los_gpa(batch);
  req.u.discardv.count = n;
  req.u.discardv.cr3 = cr3;
  if (los_hc(&req) < 0)
    los_panic("discard failed");
  for (uint32_t i = 0; i < n; i++)
    set_free(batch[i].start.gpa, batch[i].len / LOS_PAGE);
}

static void release_frames(uint64_t pa, uint64_t n)
{
  if (npending > 0) {
    struct tl_hc_range *last = &pending[npending - 1];
    if (last->start.gpa + last->len == pa) {
      last->len += n * LOS_PAGE;
      return;
    }
  }
  if (npending == TL_DISCARDV_MAX)
    flush_pending(0);
  pending[npending++] = (struct tl_hc_range){{pa}, n * LOS_PAGE};
}

static void pmm_init(uint64_t lo, uint64_t hi)
{
  uint64_t meta;

  nframes = (hi - lo) / LOS_PAGE;
  meta = LOS_ALIGN_UP(LOS_ALIGN_UP(nframes, 64) / 8 + nframes * 2, LOS_PAGE);
  freemap = los_phys_va(lo);
  refs = (uint16_t *)((uint8_t *)freemap + LOS_ALIGN_UP(nframes, 64) / 8);
  pool_lo = lo;
  pool_hi = hi;
  set_free(lo + meta, nframes - meta / LOS_PAGE);
}

/* n contiguous frames, zero; 0 when there are none. */
static uint64_t frames_alloc(uint64_t n)
{
  for (int pass = 0; pass < 3; pass++) {
    uint64_t run = 0;
    for (uint64_t k = 0; k < nframes; k++) {
      uint64_t i = (cursor + k) % nframes;
      if (i == 0)
        run = 0;
      if (n == 1 && (i % 64) == 0 && freemap[i / 64] == 0 && k + 64 <= nframes) {
        k += 63; /* a full word: skip it */
        continue;
      }
      if (!(freemap[i / 64] & (1ULL << (i % 64)))) {
        run = 0;
        continue;
      }
      if (++run == n) {
        uint64_t first = i + 1 - n;
        for (uint64_t j = first; j <= i; j++) {
          freemap[j / 64] &= ~(1ULL << (j % 64));
          refs[j] = 1;
        }
        nfree -= n;
        cursor = i + 1;
        return pool_lo + first * LOS_PAGE;
      }
    }
    if (pass == 0 && npending > 0)
      flush_pending(0);
    else
      cursor = 0;
  }
  return 0;
}

/* Image pages mapped straight into an address space are not frames. */
static bool in_pool(uint64_t pa)
{
  return pa >= pool_lo && pa < pool_hi;
}

/* Where the LibOS reads a mapped page: RAM through the physmap, an image
 * page where the image is identity-mapped. */
static void *page_va(uint64_t pa)
{
  return pa >= TL_IMAGE_GPA ? (void *)pa : los_phys_va(pa);
}

static void frame_get(uint64_t pa)
{
  if (in_pool(pa))
    refs[fidx(pa)]++;
}

static void frame_put(uint64_t pa)
{
  if (in_pool(pa) && --refs[fidx(pa)] == 0)
    release_frames(pa, 1);
}

/* ---- page tables ---- */

static uint64_t *table(uint64_t entry)
{
  return los_phys_va(entry & PTE_ADDR);
}

/* The PTE of va in pml4, creating the tables on the way when alloc; NULL
 * when absent (or out of memory). */
static uint64_t *pte_of(uint64_t pml4, uint64_t va, bool alloc)
{
  uint64_t *t = los_phys_va(pml4);

  for (int shift = 39; shift > 12; shift -= 9) {
    uint64_t *e = &t[(va >> shift) & 511];
    if (!(*e & PTE_P)) {
      uint64_t f;
      if (!alloc || (f = frames_alloc(1)) == 0)
        return NULL;
      *e = f | PTE_P | PTE_W | PTE_U;
    }
    t = table(*e);
  }
  return &t[(va >> 12) & 511];
}

static uint64_t pte_flags(uint32_t prot, uint16_t vflags)
{
  uint64_t f = PTE_U;
  if (prot == 0)
    f = PTE_NONE;
  else
    f |= PTE_P;
  if (prot & LOS_PROT_WRITE)
    f |= PTE_W;
  if (!(prot & LOS_PROT_EXEC))
    f |= PTE_NX;
  if (vflags & LOS_MAP_SHARED)
    f |= PTE_SHARE;
  return f;
}

/* Give [s, e) frames and protections; existing frames keep their contents
 * (a shared read-only one is copied before it becomes writable). */
static int populate(struct los_mm *mm, uint64_t s, uint64_t e, uint32_t prot, uint16_t vflags)
{
  uint64_t flags = pte_flags(prot, vflags);

  for (uint64_t va = s; va < e; va += LOS_PAGE) {
    uint64_t *pte = pte_of(mm->pml4, va, prot != 0);
    uint64_t f;

    if (pte == NULL) {
      if (prot == 0)
        continue;
      return -ENOMEM;
    }
    if (*pte & (PTE_P | PTE_NONE)) {
      f = *pte & PTE_ADDR;
      if ((prot & LOS_PROT_WRITE) && (!in_pool(f) || refs[fidx(f)] > 1) && !(*pte & PTE_SHARE)) {
        uint64_t c = frames_alloc(1);
        if (c == 0)
          return -ENOMEM;
        memcpy(los_phys_va(c), page_va(f), LOS_PAGE);
        frame_put(f);
        f = c;
      }
      *pte = f | flags | (*pte & (PTE_INIT | PTE_A | PTE_D | PTE_SHARE));
      if (prot == 0)
        *pte &= ~PTE_P;
      continue;
    }
    if (prot == 0)
      continue;
    if ((f = frames_alloc(1)) == 0)
      return -ENOMEM;
    *pte = f | flags;
  }
  return 0;
}

/* Drop the frames of [s, e). */
static bool unpopulate(struct los_mm *mm, uint64_t s, uint64_t e)
{
  bool any = false;

  for (uint64_t va = s; va < e;) {
    uint64_t *t = los_phys_va(mm->pml4), *pte = NULL;
    int shift;
    for (shift = 39; shift > 12; shift -= 9) {
      uint64_t ent = t[(va >> shift) & 511];
      if (!(ent & PTE_P))
        break;
      t = table(ent);
    }
    if (shift > 12) { /* no table here: skip what it would have covered */
      va = (va | ((1ULL << shift) - 1)) + 1;
      continue;
    }
    pte = &t[(va >> 12) & 511];
    if (*pte & (PTE_P | PTE_NONE)) {
      frame_put(*pte & PTE_ADDR);
      *pte = 0;
      any = true;
    }
    va += LOS_PAGE;
  }
  return any;
}

/* ---- address spaces ---- */

static void mm_switch_hw(struct los_mm *mm)
{
  struct tl_hc req = {.nr = TL_HC_MMU};
  req.u.mmu.cr3 = mm->pml4;
  if (los_hc(&req) < 0)
    los_panic("cannot switch address space");
}

/* A TLB flush after present pages went away; frames freed meanwhile become
 * reusable only now, so no stale translation can reach a reused frame. */
static void tlb_flush(void)
{
  flush_pending(cur_mm->pml4);
}

static int insert_at(struct los_mm *mm, int i, uint64_t start, uint64_t end, uint32_t prot,
                     uint32_t kind, uint16_t flags)
{
  if (mm->nvmas == mm->cap) {
    int cap = mm->cap ? mm->cap * 2 : 64;
    struct vma *n = krealloc(mm->vmas, (size_t)cap * sizeof(*n));
    if (n == NULL)
      return -ENOMEM;
    mm->vmas = n;
    mm->cap = cap;
  }
  memmove(&mm->vmas[i + 1], &mm->vmas[i], (size_t)(mm->nvmas - i) * sizeof(mm->vmas[0]));
  mm->vmas[i] = (struct vma){start, end, prot, (uint16_t)kind, flags, 0, 0};
  mm->nvmas++;
  return 0;
}

static void remove_at(struct los_mm *mm, int i)
{
  memmove(&mm->vmas[i], &mm->vmas[i + 1], (size_t)(mm->nvmas - i - 1) * sizeof(mm->vmas[0]));
  mm->nvmas--;
}

static int first_above(const struct los_mm *mm, uint64_t addr)
{
  int lo = 0, hi = mm->nvmas;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (mm->vmas[mid].end <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

struct los_mm *los_mm_new(void)
{
  struct los_mm *mm = kzalloc(sizeof(*mm));
  uint64_t pml4 = frames_alloc(1), pdpt = frames_alloc(1), pd = frames_alloc(1);
  uint64_t *bp = los_phys_va(boot_pml4), *np, *bpdpt, *npdpt, *npd;

  if (mm == NULL || pml4 == 0 || pdpt == 0 || pd == 0)
    los_panic("out of memory for an address space");
  np = los_phys_va(pml4);
  npdpt = los_phys_va(pdpt);
  npd = los_phys_va(pd);
  bpdpt = table(bp[0]);
  /* shared: the LibOS, the physmap, the monitor's slots and the boot area */
  for (int i = 256; i < 512; i++)
    np[i] = bp[i];
  for (uint64_t i = SYSTEM_LO >> 30; i < SYSTEM_HI >> 30; i++)
    npdpt[i] = bpdpt[i];
  npd[0] = table(bpdpt[0])[0];
  npdpt[0] = pd | PTE_P | PTE_W | PTE_U;
  np[0] = pdpt | PTE_P | PTE_W | PTE_U;
  mm->pml4 = pml4;
  mm->refs = 1;
  if (insert_at(mm, 0, SYSTEM_LO, SYSTEM_HI, 0, VMA_LIBOS, 0) < 0)
    los_panic("out of memory for an address space");
  return mm;
}

struct los_mm *los_mm_current(void)
{
  return cur_mm;
}

void los_mm_switch(struct los_mm *mm)
{
  if (mm == cur_mm)
    return;
  cur_mm = mm;
  mm_switch_hw(mm);
}

void los_mm_get(struct los_mm *mm)
{
  mm->refs++;
}

/* Free page tables below t (level: 3 = PML4 ... 0 = PT), skipping what is
 * shared with the boot tables. */
static void free_tables(uint64_t tpa, int level, uint64_t va)
{
  uint64_t *t = los_phys_va(tpa);

  if (level > 0) {
    for (int i = 0; i < 512; i++) {
      uint64_t cva = va + ((uint64_t)i << (12 + 9 * level));
      if (!(t[i] & PTE_P))
        continue;
      if ((level == 3 && i >= 256) || (level == 2 && va == 0 && cva >= SYSTEM_LO) ||
          (level == 1 && cva == 0))
        continue; /* shared */
      free_tables(t[i] & PTE_ADDR, level - 1, cva);
    }
  }
  frame_put(tpa);
}

void los_mm_put(struct los_mm *mm)
{
  if (mm == NULL || --mm->refs > 0)
    return;
  if (mm == cur_mm)
    los_panic("dropping the running address space");
  for (int i = 0; i < mm->nvmas; i++)
    if (mm->vmas[i].kind != VMA_LIBOS)
      unpopulate(mm, mm->vmas[i].start, mm->vmas[i].end);
  free_tables(mm->pml4, 3, 0);
  kfree(mm->vmas);
  kfree(mm);
}

/* The child's copy of every mapping: read-only private and shared pages
 * are shared, writable ones copied when they were ever touched (the
 * accessed bit), else given a fresh zero frame. */
struct los_mm *los_mm_fork(struct los_mm *src)
{
  struct los_mm *mm = los_mm_new();

  remove_at(mm, 0);
  for (int i = 0; i < src->nvmas; i++) {
    const struct vma *v = &src->vmas[i];
    if (insert_at(mm, mm->nvmas, v->start, v->end, v->prot, v->kind, v->flags) < 0)
      goto nomem;
    mm->vmas[mm->nvmas - 1].name = v->name;
    if (v->kind == VMA_LIBOS)
      continue;
    for (uint64_t va = v->start; va < v->end; va += LOS_PAGE) {
      uint64_t *sp = pte_of(src->pml4, va, false), *dp, f;
      if (sp == NULL) {
        va = (va | ((1ULL << 21) - 1)) + 1 - LOS_PAGE; /* no page table: skip 2 MiB */
        continue;
      }
      if (!(*sp & (PTE_P | PTE_NONE)))
        continue;
      if ((dp = pte_of(mm->pml4, va, true)) == NULL)
        goto nomem;
      f = *sp & PTE_ADDR;
      if ((*sp & PTE_SHARE) || !(*sp & PTE_W)) {
        frame_get(f);
        *dp = *sp & ~(PTE_A | PTE_D);
        continue;
      }
      uint64_t c = frames_alloc(1);
      if (c == 0)
        goto nomem;
      if (*sp & (PTE_A | PTE_D | PTE_INIT)) {
        memcpy(los_phys_va(c), page_va(f), LOS_PAGE);
        *dp = c | (*sp & ~(PTE_ADDR | PTE_A | PTE_D)) | PTE_INIT;
      } else {
        *dp = c | (*sp & ~PTE_ADDR);
      }
    }
  }
  mm->brk_start = src->brk_start;
  mm->brk_cur = src->brk_cur;
  mm->brk_mapped = src->brk_mapped;
  return mm;
nomem:
  los_mm_put(mm);
  return NULL;
}

/* ---- the current address space's mappings ---- */

static bool range_ok(uint64_t addr, uint64_t len)
{
  return len > 0 && addr >= TL_APP_BASE && addr <= LOS_APP_TOP && len <= LOS_APP_TOP - addr &&
         (addr & (LOS_PAGE - 1)) == 0 && (len & (LOS_PAGE - 1)) == 0;
}

static bool is_free(const struct los_mm *mm, uint64_t start, uint64_t end)
{
  int i = first_above(mm, start);
  return i == mm->nvmas || mm->vmas[i].start >= end;
}

/* Cut [start, end) out of the table and drop its frames. */
static int punch(struct los_mm *mm, uint64_t start, uint64_t end)
{
  int i = first_above(mm, start);
  bool dropped = false;

  while (i < mm->nvmas && mm->vmas[i].start < end) {
    struct vma *v = &mm->vmas[i];
    uint64_t cs = LOS_MAX(v->start, start), ce = LOS_MIN(v->end, end);
    dropped |= unpopulate(mm, cs, ce);
    if (v->start < start && v->end > end) { /* split in two */
      uint32_t name = v->name;
      if (insert_at(mm, i + 1, end, v->end, v->prot, v->kind, v->flags) < 0)
        return -ENOMEM;
      mm->vmas[i + 1].name = name;
      mm->vmas[i].end = start;
      break;
    }
    if (v->start < start) {
      v->end = start;
      i++;
    } else if (v->end > end) {
      v->start = end;
      i++;
    } else {
      remove_at(mm, i);
    }
  }
  if (dropped && mm == cur_mm)
    tlb_flush();
  return 0;
}

int los_mm_map_fixed(uint64_t addr, uint64_t len, uint32_t prot, enum los_vma_kind kind,
                     bool replace, uint16_t flags)
{
  struct los_mm *mm = cur_mm;
  int rc;

  if (!range_ok(addr, len))
    return -ENOMEM;
  if (!is_free(mm, addr, addr + len)) {
    if (!replace)
      return -EEXIST;
    if (!los_mm_app_range(addr, len))
      return -ENOMEM;
    if ((rc = punch(mm, addr, addr + len)) < 0)
      return rc;
  }
  if ((rc = insert_at(mm, first_above(mm, addr), addr, addr + len, prot, kind, flags)) < 0)
    return rc;
  if ((rc = populate(mm, addr, addr + len, prot, flags)) < 0)
    punch(mm, addr, addr + len);
  return rc;
}

int los_mm_alloc_fixed(uint64_t addr, uint64_t len, uint32_t prot, enum los_vma_kind kind,
                       bool replace)
{
  return los_mm_map_fixed(addr, len, prot, kind, replace, 0);
}

/* Top-down first fit below the stack, like Linux's mmap layout. */
uint64_t los_mm_map(uint64_t len, uint32_t prot, enum los_vma_kind kind, uint16_t flags)
{
  struct los_mm *mm = cur_mm;
  uint64_t top = LOS_APP_TOP;

  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (len == 0 || len > LOS_APP_TOP - TL_APP_BASE)
    return 0;
  for (int i = mm->nvmas - 1; i >= -1; i--) {
    uint64_t gap_lo = i >= 0 ? mm->vmas[i].end : TL_APP_BASE;
    if (top >= gap_lo && top - gap_lo >= len) {
      uint64_t addr = top - len;
      if (insert_at(mm, i + 1, addr, addr + len, prot, kind, flags) < 0)
        return 0;
      if (populate(mm, addr, addr + len, prot, flags) < 0) {
        punch(mm, addr, addr + len);
        return 0;
      }
      return addr;
    }
    if (i >= 0)
      top = LOS_MIN(top, mm->vmas[i].start);
  }
  return 0;
}

uint64_t los_mm_alloc(uint64_t len, uint32_t prot, enum los_vma_kind kind)
{
  return los_mm_map(len, prot, kind, 0);
}

int los_mm_free(uint64_t addr, uint64_t len)
{
  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (!range_ok(addr, len))
    return -EINVAL;
  return punch(cur_mm, addr, addr + len);
}

static int protect(uint64_t addr, uint64_t len, uint32_t prot, bool flush)
{
  struct los_mm *mm = cur_mm;
  uint64_t at = addr, end;
  bool lowered = false;

  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (!range_ok(addr, len))
    return -EINVAL;
  end = addr + len;
  /* Every page in the range must be mapped, as on Linux. */
  for (int i = first_above(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++) {
    if (mm->vmas[i].start > at || mm->vmas[i].kind == VMA_LIBOS)
      return -ENOMEM;
    at = mm->vmas[i].end;
  }
  if (at < end)
    return -ENOMEM;
  for (int i = first_above(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++) {
    struct vma *v = &mm->vmas[i];
    if (v->start < addr) { /* split off the part below */
      uint32_t name = v->name;
      if (insert_at(mm, i, v->start, addr, v->prot, v->kind, v->flags) < 0)
        return -ENOMEM;
      mm->vmas[i].name = name;
      v = &mm->vmas[++i];
      v->start = addr;
    }
    if (v->end > end) { /* and above */
      uint32_t name = v->name;
      if (insert_at(mm, i + 1, end, v->end, v->prot, v->kind, v->flags) < 0)
        return -ENOMEM;
      mm->vmas[i + 1].name = name;
      v = &mm->vmas[i];
      v->end = end;
    }
    lowered |= (v->prot & ~prot) != 0;
    v->prot = prot;
    if (populate(mm, v->start, v->end, prot, v->flags) < 0)
      return -ENOMEM;
  }
  if (lowered && flush)
    tlb_flush();
  return 0;
}

int los_mm_protect(uint64_t addr, uint64_t len, uint32_t prot)
{
  return protect(addr, len, prot, true);
}

/* Only for memory the application has not seen yet (the LibOS just filled
 * it): no translation of it can be cached, so no TLB flush is needed. */
int los_mm_protect_quiet(uint64_t addr, uint64_t len, uint32_t prot)
{
  return protect(addr, len, prot, false);
}

bool los_user_ok(const void *p, uint64_t len, bool write)
{
  const struct los_mm *mm = cur_mm;
  uint64_t addr = (uint64_t)p, at = addr;

  if (len == 0)
    return true;
  if (addr + len < addr)
    return false;
  if (!write && addr >= los_shared->boot.image_gpa &&
      addr - los_shared->boot.image_gpa <= los_shared->boot.image_size &&
      len <= los_shared->boot.image_size - (addr - los_shared->boot.image_gpa))
    return true;
  if (addr >= TL_ARGS_GPA && addr + len <= TL_ARGS_GPA + TL_ARGS_SIZE && !write)
    return true;
  for (int i = first_above(mm, addr); i < mm->nvmas && at < addr + len; i++) {
    const struct vma *v = &mm->vmas[i];
    if (v->start > at || v->kind == VMA_LIBOS || v->prot == 0 ||
        (write && !(v->prot & LOS_PROT_WRITE)))
      return false;
    at = v->end;
  }
  return at >= addr + len;
}

/* Every page of [addr, addr+len) is mapped, whatever its protection. */
bool los_mm_covered(uint64_t addr, uint64_t len)
{
  const struct los_mm *mm = cur_mm;
  uint64_t at = addr;

  for (int i = first_above(mm, addr); i < mm->nvmas && at < addr + len; i++) {
    if (mm->vmas[i].start > at || mm->vmas[i].kind == VMA_LIBOS)
      return false;
    at = mm->vmas[i].end;
  }
  return at >= addr + len;
}

bool los_mm_app_range(uint64_t addr, uint64_t len)
{
  const struct los_mm *mm = cur_mm;

  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (addr + len < addr || !range_ok(addr, len))
    return false;
  for (int i = first_above(mm, addr); i < mm->nvmas && mm->vmas[i].start < addr + len; i++)
    if (mm->vmas[i].kind == VMA_LIBOS)
      return false;
  return true;
}

/* A private read-only file mapping served from the image without copying:
 * the range [addr, addr+len) must be reserved with no frames (PROT_NONE);
 * page i maps image page gpa[i], or, where gpa[i] is 0, a fresh zero frame
 * (holes, past the end of the file, a partial last page the caller fills
 * with los_mm_write_page). Then the mapping gets prot (never writable). */
int los_mm_map_image(uint64_t addr, uint64_t len, uint32_t prot, const uint64_t *gpa)
{
  struct los_mm *mm = cur_mm;
  int i = first_above(mm, addr);
  uint64_t flags = pte_flags(prot & ~LOS_PROT_WRITE, 0);

  if (i == mm->nvmas || mm->vmas[i].start != addr || mm->vmas[i].end != addr + len ||
      mm->vmas[i].prot != 0)
    return -EINVAL;
  for (uint64_t k = 0; k < len / LOS_PAGE; k++) {
    uint64_t *pte = pte_of(mm->pml4, addr + k * LOS_PAGE, true), f = gpa[k];
    if (pte == NULL)
      return -ENOMEM;
    if (f == 0 && (f = frames_alloc(1)) == 0)
      return -ENOMEM;
    *pte = f | flags;
  }
  mm->vmas[i].prot = prot & ~LOS_PROT_WRITE;
  return 0;
}

/* Write into the page holding va whatever its protection (a fresh page of
 * a mapping being filled), through the physmap. */
void los_mm_write_page(uint64_t va, const void *src, uint64_t len)
{
  uint64_t *pte = pte_of(cur_mm->pml4, va, false);

  if (pte != NULL && (*pte & PTE_P) && in_pool(*pte & PTE_ADDR) &&
      (va & (LOS_PAGE - 1)) + len <= LOS_PAGE) {
    memcpy((uint8_t *)los_phys_va(*pte & PTE_ADDR) + (va & (LOS_PAGE - 1)), src, len);
    *pte |= PTE_INIT;
  }
}

/* The LibOS wrote file contents into [addr, addr+len): a fork must copy
 * those pages even if the application never touched them. */
void los_mm_mark_written(uint64_t addr, uint64_t len)
{
  for (uint64_t va = LOS_ALIGN_DOWN(addr, LOS_PAGE); va < addr + len; va += LOS_PAGE) {
    uint64_t *pte = pte_of(cur_mm->pml4, va, false);
    if (pte != NULL && (*pte & (PTE_P | PTE_NONE)))
      *pte |= PTE_INIT;
  }
}

/* MADV_DONTNEED: private pages read as zero again. A frame only this
 * address space uses is discarded in place; a shared one is replaced. */
void los_mm_discard(uint64_t addr, uint64_t len)
{
  bool replaced = false;

  for (uint64_t va = addr; va < addr + len; va += LOS_PAGE) {
    uint64_t *pte = pte_of(cur_mm->pml4, va, false), f;
    if (pte == NULL || !(*pte & (PTE_P | PTE_NONE)) || (*pte & PTE_SHARE))
      continue;
    f = *pte & PTE_ADDR;
    if (!in_pool(f))
      continue; /* an image page: it already reads as the file */
    if (refs[fidx(f)] == 1) {
      los_discard(f, LOS_PAGE);
      *pte &= ~(PTE_INIT | PTE_A | PTE_D);
    } else {
      uint64_t c = frames_alloc(1);
      if (c == 0)
        continue;
      frame_put(f);
      *pte = c | (*pte & ~(PTE_ADDR | PTE_INIT | PTE_A | PTE_D));
      replaced = true;
    }
  }
  if (replaced)
    tlb_flush();
}

void los_brk_init(uint64_t start)
{
  cur_mm->brk_start = cur_mm->brk_cur = cur_mm->brk_mapped = LOS_ALIGN_UP(start, LOS_PAGE);
}

uint64_t los_brk(uint64_t want)
{
  struct los_mm *mm = cur_mm;
  uint64_t need;

  if (want < mm->brk_start)
    return mm->brk_cur;
  need = LOS_ALIGN_UP(want, LOS_PAGE);
  if (need > mm->brk_mapped) {
    if (los_mm_alloc_fixed(mm->brk_mapped, need - mm->brk_mapped, LOS_PROT_READ | LOS_PROT_WRITE,
                           VMA_BRK, false) < 0)
      return mm->brk_cur;
  } else if (need < mm->brk_mapped) {
    punch(mm, need, mm->brk_mapped);
  }
  mm->brk_mapped = need;
  mm->brk_cur = want;
  return mm->brk_cur;
}

void los_mm_init(uint64_t lo, uint64_t hi)
{
  boot_pml4 = TL_PT_GPA;
  pmm_init(lo, hi);
  cur_mm = los_mm_new();
  mm_switch_hw(cur_mm);
}

/* ---- the LibOS heap: power-of-two classes up to 2 KiB from 64 KiB
 * chunks, larger blocks straight from the frames; all reached through the
 * physmap, so every address space sees it. Each block has a 16-byte header. */
struct kblock {
  uint64_t size; /* usable bytes */
  struct kblock *next;
};

#define KCLASSES 8 /* 16 .. 2048 */
#define KCHUNK (64 * 1024)
static struct kblock *kfree_lists[KCLASSES];

static int kclass(size_t size)
{
  size_t c = 16;
  for (int i = 0; i < KCLASSES; i++, c <<= 1)
    if (size <= c)
      return i;
  return -1;
}

static void krefill(int cls)
{
  uint64_t bsize = (16ULL << cls) + sizeof(struct kblock);
  uint64_t pa = frames_alloc(KCHUNK / LOS_PAGE);
  uint8_t *chunk;

  if (pa == 0)
    los_panic("out of memory for LibOS heap");
  chunk = los_phys_va(pa);
  for (uint64_t off = 0; off + bsize <= KCHUNK; off += bsize) {
    struct kblock *b = (struct kblock *)(chunk + off);
    b->size = 16ULL << cls;
    b->next = kfree_lists[cls];
    kfree_lists[cls] = b;
  }
}

void *kmalloc(size_t size)
{
  int cls = kclass(size);
  struct kblock *b;

  if (cls < 0) {
    uint64_t len = LOS_ALIGN_UP(size + sizeof(struct kblock), LOS_PAGE);
    uint64_t pa = frames_alloc(len / LOS_PAGE);
    if (pa == 0)
      return NULL;
    b = los_phys_va(pa);
    b->size = len - sizeof(struct kblock);
    return b + 1;
  }
  if (kfree_lists[cls] == NULL)
    krefill(cls);
  b = kfree_lists[cls];
  kfree_lists[cls] = b->next;
  return b + 1;
}

void *kzalloc(size_t size)
{
  void *p = kmalloc(size);
  if (p != NULL)
    memset(p, 0, size);
  return p;
}

void kfree(void *p)
{
  struct kblock *b;
  int cls;

  if (p == NULL)
    return;
  b = (struct kblock *)p - 1;
  cls = kclass(b->size);
  if (cls >= 0 && (16ULL << cls) == b->size) {
    b->next = kfree_lists[cls];
    kfree_lists[cls] = b;
    return;
  }
  uint64_t pa = (uint64_t)b - TL_PHYSMAP_VA, n = (b->size + sizeof(*b)) / LOS_PAGE;
  for (uint64_t i = 0; i < n; i++)
    refs[fidx(pa) + i] = 0;
  release_frames(pa, n);
}

void *krealloc(void *p, size_t size)
{
  void *n;
  if (p != NULL && ((struct kblock *)p - 1)->size >= size)
    return p;
  n = kmalloc(size);
  if (n != NULL && p != NULL) {
    memcpy(n, p, ((struct kblock *)p - 1)->size);
    kfree(p);
  }
  return n;
}

char *kstrdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = kmalloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

uint64_t los_stack_top_addr(void)
{
  return LOS_APP_TOP;
}

uint64_t los_mm_pool_size(void)
{
  return pool_hi - pool_lo;
}

uint64_t los_mm_mapped(void)
{
  return (nframes - nfree) * LOS_PAGE;
}

/* The mapping [addr, addr+len) is of the file at path (for /proc/PID/maps). */
void los_mm_set_name(uint64_t addr, uint64_t len, const char *path)
{
  struct los_mm *mm = cur_mm;
  uint32_t id = 0;

  if (path == NULL)
    return;
  for (uint32_t k = 0; k < nvma_names && id == 0; k++)
    if (strcmp(vma_names[k], path) == 0)
      id = k + 1;
  if (id == 0) {
    if (nvma_names == cap_vma_names) {
      uint32_t cap = cap_vma_names ? cap_vma_names * 2 : 32;
      char **n = krealloc(vma_names, cap * sizeof(*n));
      if (n == NULL)
        return;
      vma_names = n;
      cap_vma_names = cap;
    }
    if ((vma_names[nvma_names] = kstrdup(path)) == NULL)
      return;
    id = ++nvma_names;
  }
  for (int i = first_above(mm, addr); i < mm->nvmas && mm->vmas[i].start < addr + len; i++)
    mm->vmas[i].name = id;
}

/* The i-th mapping of the application (the monitor's window is not one). */
static const struct vma *app_vma(int i)
{
  const struct los_mm *mm = cur_mm;

  for (int k = 0; k < mm->nvmas; k++)
    if (mm->vmas[k].kind != VMA_LIBOS && i-- == 0)
      return &mm->vmas[k];
  return NULL;
}

/* The file the i-th mapping (as los_mm_vma counts) maps, or NULL. */
const char *los_mm_vma_name(int i)
{
  const struct vma *v = app_vma(i);
  return v != NULL && v->name ? vma_names[v->name - 1] : NULL;
}

bool los_mm_vma(int i, uint64_t *start, uint64_t *end, uint32_t *prot, enum los_vma_kind *kind)
{
  const struct vma *v = app_vma(i);

  if (v == NULL)
    return false;
  *start = v->start;
  *end = v->end;
  *prot = v->prot;
  *kind = (enum los_vma_kind)v->kind;
  return true;
}
