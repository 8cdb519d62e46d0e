/* The measured image inside the trustlet: mounted for the EROFS reader with
 * every block checked against the dm-verity tree up to the trusted root hash
 * before its first use. */
#include <linux/stat.h>

#include "sha256_ni.h"
#include "verity.h"
#include "vfs.h"

struct erofs_fs los_image;

static struct los_verity verity;

static void verity_report(const char *what, uint64_t block, uint32_t level)
{
  static unsigned reported;
  if (reported++ < 16)
    los_log("image: %s %lu (level %u) does not match the hash tree: reads of it fail with EIO",
            what, block, level);
}

static int verity_hook(const struct erofs_fs *fs, uint64_t off, uint64_t len)
{
  (void)fs;
  return los_verity_check(&verity, off, len);
}

/* With the SHA extensions, hashing a block is ~7x faster; the application's
 * vector registers are saved around it (the LibOS itself never uses them). */
static void digest_ni(const void *block, uint8_t out[32])
{
  static uint8_t area[512] __attribute__((aligned(16)));
  __asm__ volatile("fxsave64 %0" : "=m"(area));
  los_sha256_ni_block(block, out);
  __asm__ volatile("fxrstor64 %0" : : "m"(area));
}

static bool cpu_has_sha(void)
{
  uint32_t a = 7, b, c = 0, d, a1 = 1, b1, c1 = 0, d1;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  __asm__ volatile("cpuid" : "+a"(a1), "=b"(b1), "+c"(c1), "=d"(d1));
  return (b >> 29 & 1) && (c1 >> 19 & 1); /* SHA, SSE4.1 */
}

/* Every image block is checked against the trusted root hash before use;
 * the EROFS reader sees only the file system part of the image. */
void los_image_mount(const struct tl_boot *b)
{
  const uint8_t *base = (const uint8_t *)b->image_gpa;
  uint64_t need;

  need = los_verity_setup(&verity, base, b->image_size, b->image_data_size, b->image_hash_offset,
                          b->image_root);
  struct erofs_inode root;
  uint8_t *maps;

  if (need == 0)
    los_abort("rootfs image: hash tree geometry does not fit the image");
  maps = kzalloc(need);
  if (maps == NULL)
    los_abort("rootfs image: no memory for the verification bitmaps");
  los_verity_attach(&verity, maps);
  verity.report = verity_report;
  verity.digest = cpu_has_sha() ? digest_ni : NULL;
  if (los_verity_check(&verity, 0, LOS_PAGE) < 0)
    los_abort("rootfs image: superblock does not match the trusted root hash");
  if (erofs_mount(&los_image, base, b->image_data_size) < 0)
    los_abort("rootfs image: not a valid EROFS image");
  los_image.verify = verity_hook;
  if (erofs_iget(&los_image, los_image.root_nid, &root) < 0)
    los_abort("rootfs image: root directory does not match the trusted root hash");
}
