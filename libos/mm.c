/* The application's address space: a sorted table of mapped ranges over the
 * identity-mapped RAM, brk, and the LibOS heap carved from the same pool.
 * Freed ranges are discarded so the host reclaims them and they read as zero. */
#include "los.h"

#define MAX_VMAS 4096

struct vma {
  uint64_t start, end;
  uint32_t prot;
  uint32_t kind;
};

static struct vma vmas[MAX_VMAS];
static int nvmas;
static uint64_t mm_lo, mm_hi;
static uint64_t brk_start, brk_cur, brk_mapped;

void los_mm_init(uint64_t lo, uint64_t hi)
{
  mm_lo = lo;
  mm_hi = hi;
  nvmas = 0;
}

static int insert_at(int i, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind)
{
  if (nvmas == MAX_VMAS)
    return -ENOMEM;
  memmove(&vmas[i + 1], &vmas[i], (size_t)(nvmas - i) * sizeof(vmas[0]));
  vmas[i] = (struct vma){start, end, prot, kind};
  nvmas++;
  return 0;
}

static void remove_at(int i)
{
  memmove(&vmas[i], &vmas[i + 1], (size_t)(nvmas - i - 1) * sizeof(vmas[0]));
  nvmas--;
}

/* Index of the first vma whose end is above addr. */
static int first_above(uint64_t addr)
{
  int lo = 0, hi = nvmas;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (vmas[mid].end <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static bool range_ok(uint64_t addr, uint64_t len)
{
  return len > 0 && addr >= mm_lo && addr <= mm_hi && len <= mm_hi - addr &&
         (addr & (LOS_PAGE - 1)) == 0 && (len & (LOS_PAGE - 1)) == 0;
}

static bool is_free(uint64_t start, uint64_t end)
{
  int i = first_above(start);
  return i == nvmas || vmas[i].start >= end;
}

/* Cut [start, end) out of the table; discard what was mapped there. */
static int punch(uint64_t start, uint64_t end, bool discard)
{
  int i = first_above(start);

  while (i < nvmas && vmas[i].start < end) {
    struct vma *v = &vmas[i];
    uint64_t cs = LOS_MAX(v->start, start), ce = LOS_MIN(v->end, end);
    if (discard)
      los_discard(cs, ce - cs);
    if (v->start < start && v->end > end) { /* split in two */
      if (insert_at(i + 1, end, v->end, v->prot, v->kind) < 0)
        return -ENOMEM;
      vmas[i].end = start;
      return 0;
    }
    if (v->start < start) {
      v->end = start;
      i++;
    } else if (v->end > end) {
      v->start = end;
      i++;
    } else {
      remove_at(i);
    }
  }
  return 0;
}

int los_mm_alloc_fixed(uint64_t addr, uint64_t len, uint32_t prot, enum los_vma_kind kind,
                       bool replace)
{
  if (!range_ok(addr, len))
    return -ENOMEM;
  if (!is_free(addr, addr + len)) {
    if (!replace)
      return -EEXIST;
    int rc = punch(addr, addr + len, true);
    if (rc < 0)
      return rc;
  }
  return insert_at(first_above(addr), addr, addr + len, prot, kind);
}

/* Top-down first fit below the stack, like Linux's mmap layout. */
uint64_t los_mm_alloc(uint64_t len, uint32_t prot, enum los_vma_kind kind)
{
  uint64_t top = mm_hi;

  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (len == 0 || len > mm_hi - mm_lo)
    return 0;
  for (int i = nvmas - 1; i >= -1; i--) {
    uint64_t gap_lo = i >= 0 ? vmas[i].end : mm_lo;
    if (top >= gap_lo && top - gap_lo >= len) {
      uint64_t addr = top - len;
      return insert_at(i + 1, addr, addr + len, prot, kind) < 0 ? 0 : addr;
    }
    if (i >= 0)
      top = vmas[i].start;
  }
  return 0;
}

int los_mm_free(uint64_t addr, uint64_t len)
{
  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (!range_ok(addr, len))
    return -EINVAL;
  return punch(addr, addr + len, true);
}

int los_mm_protect(uint64_t addr, uint64_t len, uint32_t prot)
{
  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (!range_ok(addr, len))
    return -EINVAL;
  /* Every page in the range must be mapped, as on Linux. */
  uint64_t at = addr;
  for (int i = first_above(addr); i < nvmas && vmas[i].start < addr + len; i++) {
    if (vmas[i].start > at)
      return -ENOMEM;
    at = vmas[i].end;
  }
  if (at < addr + len)
    return -ENOMEM;
  /* Page tables map all RAM read-write; protections are recorded only. */
  for (int i = first_above(addr); i < nvmas && vmas[i].start < addr + len; i++)
    vmas[i].prot = prot;
  return 0;
}

bool los_user_ok(const void *p, uint64_t len, bool write)
{
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
  for (int i = first_above(addr); i < nvmas && at < addr + len; i++) {
    if (vmas[i].start > at || vmas[i].kind == VMA_HEAP)
      return false; /* a hole, or the LibOS's own heap */
    at = vmas[i].end;
  }
  return at >= addr + len;
}

bool los_mm_app_range(uint64_t addr, uint64_t len)
{
  len = LOS_ALIGN_UP(len, LOS_PAGE);
  if (addr + len < addr)
    return false;
  for (int i = first_above(addr); i < nvmas && vmas[i].start < addr + len; i++)
    if (vmas[i].kind == VMA_HEAP)
      return false;
  return true;
}

void los_brk_init(uint64_t start)
{
  brk_start = brk_cur = brk_mapped = LOS_ALIGN_UP(start, LOS_PAGE);
}

uint64_t los_brk(uint64_t want)
{
  uint64_t need;

  if (want < brk_start)
    return brk_cur;
  need = LOS_ALIGN_UP(want, LOS_PAGE);
  if (need > brk_mapped) {
    if (los_mm_alloc_fixed(brk_mapped, need - brk_mapped, LOS_PROT_READ | LOS_PROT_WRITE, VMA_BRK,
                           false) < 0)
      return brk_cur;
  } else if (need < brk_mapped) {
    punch(need, brk_mapped, true);
  }
  brk_mapped = need;
  brk_cur = want;
  return brk_cur;
}

/* LibOS heap: power-of-two classes up to 2 KiB from 64 KiB chunks, larger
 * blocks straight from the page pool. Each block has a 16-byte header. */
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
  uint64_t chunk = los_mm_alloc(KCHUNK, LOS_PROT_READ | LOS_PROT_WRITE, VMA_HEAP);

  if (chunk == 0)
    los_panic("out of memory for LibOS heap");
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
    uint64_t addr = los_mm_alloc(len, LOS_PROT_READ | LOS_PROT_WRITE, VMA_HEAP);
    if (addr == 0)
      return NULL;
    b = (struct kblock *)addr;
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
  los_mm_free((uint64_t)b, b->size + sizeof(struct kblock));
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
  return mm_hi;
}

uint64_t los_mm_pool_size(void)
{
  return mm_hi - mm_lo;
}

uint64_t los_mm_mapped(void)
{
  uint64_t sum = 0;
  for (int i = 0; i < nvmas; i++)
    sum += vmas[i].end - vmas[i].start;
  return sum;
}

bool los_mm_vma(int i, uint64_t *start, uint64_t *end, uint32_t *prot, enum los_vma_kind *kind)
{
  if (i < 0 || i >= nvmas)
    return false;
  *start = vmas[i].start;
  *end = vmas[i].end;
  *prot = vmas[i].prot;
  *kind = (enum los_vma_kind)vmas[i].kind;
  return true;
}
