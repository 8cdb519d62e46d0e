/* Host-provided mounts: the bundle's bind mounts (files and directories),
 * tmpfs mounts, the kernel file systems the LibOS provides and the masked and
 * read-only paths, packed into a blob the trustlet reads at start-up. */
#ifndef HACHER_MOUNTS_H
#define HACHER_MOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../oci-spec/config.h"

#define HACHER_MOUNTS_MAX_BYTES (64ULL << 20) /* data copied per container */
#define HACHER_MOUNTS_MAX_ENTRIES 10000       /* files, dirs, links below mount points */

struct hacher_mounts {
  uint8_t *data; /* struct tl_mounts + entries; NULL when there is nothing */
  size_t size;
  size_t cap;
  uint32_t count;
  uint32_t copied; /* entries below mount points (the cap counts these) */
  uint64_t bytes;  /* file data copied */
};

/* Collect the rootfs's upper layer (when the image holds only its lower
 * layers; NULL otherwise), then cfg's mounts relative to bundle, then its masked and read-only
 * paths. Kernel file systems the LibOS provides itself (proc, sysfs, cgroup,
 * devpts, mqueue) become TL_MOUNT_SPECIAL entries; the /dev tmpfs is the
 * LibOS's own. Errors name the mount. */
int hacher_mounts_collect(const struct oci_config *cfg, const char *bundle, const char *upper,
                          struct hacher_mounts *m, hacher_error_t *err);
void hacher_mounts_free(struct hacher_mounts *m);

/* Add a read-only file mount point at path holding data (e.g. a secret):
 * when the blob grows, the old buffer is wiped before it is freed. */
int hacher_mounts_add_file(struct hacher_mounts *m, const char *path, uint32_t mode, uint32_t uid,
                           uint32_t gid, const void *data, size_t len, hacher_error_t *err);

/* Wipe the blob (it may hold secrets) and free it. */
void hacher_mounts_wipe(struct hacher_mounts *m);

#endif
