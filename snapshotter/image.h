/* Trustlet images: a rootfs directory turned into a read-only, measured image:
 * an uncompressed EROFS file system followed by a dm-verity hash tree. */
#ifndef HACHER_IMAGE_H
#define HACHER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define HACHER_IMAGE_FORMAT "hacher-image-2" /* erofs_build + dm-verity sha256, empty salt */

struct hacher_image {
  char *path;
  char *upper;          /* the rootfs's upper layer, when the image is its lower layers */
  int fd;               /* read-only on the file while path is set: a gc unlinking the path
                         * between lookup and the monitor's mmap cannot take the image away */
  uint64_t data_size;   /* EROFS bytes (4 KiB multiple) */
  uint64_t hash_offset; /* verity superblock; the tree follows one block later */
  uint64_t file_size;
  uint8_t root[32];
  char root_hex[65];
};

/* What a walk of the rootfs found: a key over every entry's metadata (path,
 * type, mode, owner, size, times, inode, link target) and the special files
 * the image leaves out. */
struct hacher_rootfs_scan {
  uint8_t key[32];
  char key_hex[65];
  char **skipped; /* relative paths of devices, fifos and sockets (whole-tree walks) */
  size_t skipped_count;
  size_t entries; /* entries walked */
  bool overlay;   /* keyed by overlay layers (HACHER_SCAN_LAYERS) */
  char **lowers;  /* overlay: the lower layers, top first (NULL-terminated) */
  size_t nlowers;
  char *upper; /* overlay: the upper layer, or NULL */
};

/* An overlay rootfs's upper layer travels with the container when it is at
 * most this big; otherwise the whole merged tree is the image. */
#define HACHER_LAYER_MAX_ENTRIES 5000
#define HACHER_LAYER_MAX_BYTES (32ULL << 20)

/* Allow keying an overlay-mounted rootfs by its layers (scan.c says why
 * that is sound); without it, or when it does not apply, the whole tree is
 * walked and special files are collected. */
#define HACHER_SCAN_LAYERS 1u

int hacher_rootfs_scan(const char *rootfs, unsigned int flags, struct hacher_rootfs_scan *scan,
                       hacher_error_t *err);
void hacher_rootfs_scan_free(struct hacher_rootfs_scan *scan);

/* Build the image of `rootfs` at `out` (temporary file, then rename); the
 * same rootfs gives the same bytes. `rootfs` is only read. Special files are
 * skipped with a warning. Fills *img (path = out). */
int hacher_image_build(const char *rootfs, const struct hacher_rootfs_scan *scan, const char *out,
                       struct hacher_image *img, hacher_error_t *err);

/* Open an image file: read its geometry and the root hash its tree claims
 * (not verified). */
int hacher_image_open(const char *path, struct hacher_image *img, hacher_error_t *err);

void hacher_image_release(struct hacher_image *img);

/* The image cache (content-addressed by root hash, indexed by rootfs scan key). */
struct hacher_image_cache {
  const char *dir; /* default /var/lib/hacher/images */
};

#define HACHER_IMAGE_CACHE_DEFAULT "/var/lib/hacher/images"

/* Find the image of rootfs in the cache, building it (once, under a lock)
 * when the rootfs is new or changed. *built says whether this call built it. */
int hacher_image_get(const struct hacher_image_cache *cache, const char *rootfs,
                     struct hacher_image *img, int *built, hacher_error_t *err);

/* Print the cached images (one line each). */
int hacher_image_ls(const struct hacher_image_cache *cache, const char *const *in_use,
                    size_t in_use_count, hacher_error_t *err);

/* Remove images not in in_use, their index entries and stale temporary files.
 * Sets *removed to the number of images removed. */
int hacher_image_gc(const struct hacher_image_cache *cache, const char *const *in_use,
                    size_t in_use_count, size_t *removed, hacher_error_t *err);

#endif
