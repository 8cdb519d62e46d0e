/* Memory syscalls over the LibOS address-space table (mm.c). */
#include <linux/fcntl.h>
#include <linux/mman.h>

#include "syscall.h"
#include "vfs.h"

#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2

SYSDEF(brk)
{
  return (int64_t)los_brk(a0);
}

static uint32_t prot_bits(uint64_t prot)
{
  return (uint32_t)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

/* The file behind a mapping, checked before anything is mapped (a failed
 * MAP_FIXED leaves the old mapping alone). File mappings are copies: a
 * MAP_SHARED one is accepted only without PROT_WRITE, where a copy differs
 * from Linux only if the file changes while mapped. */
static int64_t map_file(int fd, uint64_t flags, uint32_t prot, struct los_file **out)
{
  struct los_file *f = fd_get(fd);

  if (f == NULL)
    return -EBADF;
  /* Linux's order of checks */
  if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & LOS_PROT_WRITE) &&
      (f->flags & O_ACCMODE) != O_RDWR)
    return -EACCES;
  if ((f->flags & O_ACCMODE) == O_WRONLY)
    return -EACCES;
  if (f->type != LF_REG)
    return -ENODEV;
  if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & LOS_PROT_WRITE))
    return -ENODEV; /* writes would have to reach the file */
  *out = f;
  return 0;
}

/* Copy the file's bytes; past the end of the file the pages read as zero
 * (fresh or discarded memory is zero; the last partial page is cleared). */
static int64_t fill_from_file(struct los_file *f, uint64_t addr, uint64_t len, uint64_t off)
{
  int64_t n = vfs_read(f, (void *)addr, len, off);

  if (n < 0)
    return n;
  if ((uint64_t)n < len)
    memset((void *)(addr + n), 0,
           LOS_MIN(LOS_ALIGN_UP(n, LOS_PAGE), LOS_ALIGN_UP(len, LOS_PAGE)) - n);
  return 0;
}

/* A read-only private mapping of an image file is served from the image
 * pages themselves (verified, shared by every process and every trustlet
 * of the image through the host's page cache): no copy, no frame. Holes
 * and a partial last page get fresh frames. */
static bool image_backed(const struct los_file *f, uint32_t prot)
{
  return f->vn.up == NULL && f->vn.syn == NULL && f->vn.low != LOS_NO_NID &&
         !(prot & LOS_PROT_WRITE);
}

static int64_t map_image(struct los_file *f, uint64_t addr, uint64_t len, uint64_t off,
                         uint32_t prot)
{
  uint64_t n = len / LOS_PAGE, *gpa = kzalloc(n * sizeof(*gpa) + 1);
  uint64_t base = (uint64_t)los_image.base;
  int64_t rc = 0;

  if (gpa == NULL)
    return -ENOMEM;
  for (uint64_t k = 0; k < n; k++) {
    uint64_t o = off + k * LOS_PAGE, avail;
    const uint8_t *p;
    if (o >= f->ino.size)
      continue; /* past the end: zero */
    p = erofs_data_ptr(&los_image, &f->ino, o, &avail);
    if (p == NULL) {
      rc = -EIO; /* a block that does not match the image's tree */
      goto out;
    }
    if ((uint64_t)p >= base && (uint64_t)p - base < los_image.size &&
        (((uint64_t)p - base) & (LOS_PAGE - 1)) == 0 && avail >= LOS_PAGE)
      gpa[k] = (uint64_t)p; /* the image is identity-mapped: this is its address */
  }
  if ((rc = los_mm_map_image(addr, len, prot, gpa)) < 0)
    goto out;
  for (uint64_t k = 0; k < n; k++) {
    static uint8_t page[LOS_PAGE];
    uint64_t o = off + k * LOS_PAGE;
    int64_t got;
    if (gpa[k] != 0 || o >= f->ino.size)
      continue;
    got = vfs_read(f, page, LOS_PAGE, o); /* inline tails, partial last pages */
    if (got < 0) {
      rc = got;
      goto out;
    }
    if (got > 0)
      los_mm_write_page(addr + k * LOS_PAGE, page, (uint64_t)got);
  }
out:
  kfree(gpa);
  return rc;
}

SYSDEF(mmap)
{
  uint64_t addr = a0, len = LOS_ALIGN_UP(a1, LOS_PAGE), flags = a3, off = a5;
  uint32_t prot = prot_bits(a2);
  struct los_file *f = NULL;
  int64_t rc;

  if (a1 == 0 || len < a1 || (off & (LOS_PAGE - 1)) || off + len < off)
    return -EINVAL;
  switch (flags & MAP_TYPE) {
  case MAP_PRIVATE:
  case MAP_SHARED:
  case MAP_SHARED_VALIDATE: break;
  default: return -EINVAL;
  }
  if (!(flags & MAP_ANONYMOUS) && (rc = map_file((int)a4, flags, prot, &f)) < 0)
    return rc;
  /* file contents are written in first, then the protection is applied;
   * image pages are mapped as they are (reserved without frames first) */
  bool direct = f != NULL && image_backed(f, prot);
  uint32_t mprot = direct ? 0 : f != NULL ? prot | LOS_PROT_WRITE : prot;
  uint16_t vflags =
      (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) != MAP_PRIVATE ? LOS_MAP_SHARED : 0;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr & (LOS_PAGE - 1))
      return -EINVAL;
    if (!los_mm_app_range(addr, len))
      return -ENOMEM;
    rc = los_mm_map_fixed(addr, len, mprot, VMA_APP, !(flags & MAP_FIXED_NOREPLACE), vflags);
    if (rc < 0)
      return rc == -EEXIST ? -EEXIST : -ENOMEM;
  } else if (addr != 0 && (addr & (LOS_PAGE - 1)) == 0 && los_mm_app_range(addr, len) &&
             los_mm_map_fixed(addr, len, mprot, VMA_APP, false, vflags) == 0) {
    /* the hint was free */
  } else {
    addr = los_mm_map(len, mprot, VMA_APP, vflags);
    if (addr == 0)
      return -ENOMEM;
  }
  if (direct) {
    if ((rc = map_image(f, addr, len, off, prot)) < 0) {
      los_mm_free(addr, len);
      return rc;
    }
  } else if (f != NULL) {
    if ((rc = fill_from_file(f, addr, a1, off)) < 0) {
      los_mm_free(addr, len);
      return rc;
    }
    los_mm_mark_written(addr, len);
    if (mprot != prot)
      los_mm_protect_quiet(addr, len, prot);
  }
  if (f != NULL)
    los_mm_set_name(addr, len, f->path);
  return (int64_t)addr;
}

SYSDEF(munmap)
{
  if ((a0 & (LOS_PAGE - 1)) || a1 == 0 || !los_mm_app_range(a0, a1))
    return -EINVAL;
  return los_mm_free(a0, a1);
}

SYSDEF(mprotect)
{
  if (a0 & (LOS_PAGE - 1))
    return -EINVAL;
  if (a1 == 0)
    return 0;
  return los_mm_protect(a0, a1, prot_bits(a2));
}

SYSDEF(mremap)
{
  uint64_t old = a0, olen = LOS_ALIGN_UP(a1, LOS_PAGE), nlen = LOS_ALIGN_UP(a2, LOS_PAGE);
  uint64_t naddr;

  if ((old & (LOS_PAGE - 1)) || nlen == 0 || (a3 & MREMAP_FIXED_) ||
      (a3 & ~(uint64_t)(MREMAP_MAYMOVE_ | MREMAP_FIXED_)))
    return -EINVAL;
  if (!USER_OK(old, olen, false))
    return -EFAULT;
  if (nlen <= olen) {
    if (nlen < olen)
      los_mm_free(old + nlen, olen - nlen);
    return (int64_t)old;
  }
  if (los_mm_alloc_fixed(old + olen, nlen - olen, LOS_PROT_READ | LOS_PROT_WRITE, VMA_APP, false) ==
      0)
    return (int64_t)old; /* grown in place */
  if (!(a3 & MREMAP_MAYMOVE_))
    return -ENOMEM;
  naddr = los_mm_alloc(nlen, LOS_PROT_READ | LOS_PROT_WRITE, VMA_APP);
  if (naddr == 0)
    return -ENOMEM;
  memcpy((void *)naddr, (const void *)old, olen);
  los_mm_free(old, olen);
  return (int64_t)naddr;
}

SYSDEF(madvise)
{
  if (a0 & (LOS_PAGE - 1))
    return -EINVAL;
  if (a2 == MADV_DONTNEED || a2 == MADV_FREE) {
    uint64_t len = LOS_ALIGN_UP(a1, LOS_PAGE);
    if (len == 0)
      return 0;
    if (a0 + len < a0 || !los_mm_covered(a0, len))
      return -ENOMEM; /* any protection will do, as on Linux */
    los_mm_discard(a0, len);
  }
  return 0;
}
