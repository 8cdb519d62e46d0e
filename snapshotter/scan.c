/* The rootfs scan: one walk that keys the cache and finds special files. */
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sha256.h"
#include "../common/util.h"
#include "image.h"
#include "verity.h"

/* nftw has no user pointer; a scan runs in one thread at a time. */
static struct scan_state {
  struct sha256_ctx md;
  struct hacher_rootfs_scan *scan;
  size_t root_len;
  const char *rootfs;
} st;

static const char *special_kind(mode_t m)
{
  return S_ISCHR(m)    ? "character device"
         : S_ISBLK(m)  ? "block device"
         : S_ISFIFO(m) ? "fifo"
         : S_ISSOCK(m) ? "socket"
                       : NULL;
}

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  const char *rel = path + st.root_len;
  char link[4096];
  ssize_t n = 0;
  const char *kind = special_kind(sb->st_mode);
  int64_t meta[12] = {sb->st_mode,
                      sb->st_uid,
                      sb->st_gid,
                      sb->st_size,
                      sb->st_mtim.tv_sec,
                      sb->st_mtim.tv_nsec,
                      sb->st_ctim.tv_sec,
                      sb->st_ctim.tv_nsec,
                      (int64_t)sb->st_ino,
                      (int64_t)sb->st_dev,
                      (int64_t)sb->st_nlink,
                      (int64_t)sb->st_rdev};

  (void)ftw;
  if (flag == FTW_NS || flag == FTW_DNR)
    return -1;
  if (S_ISLNK(sb->st_mode) && (n = readlink(path, link, sizeof(link))) < 0)
    return -1;
  sha256_update(&st.md, rel, strlen(rel) + 1);
  sha256_update(&st.md, meta, sizeof(meta));
  sha256_update(&st.md, link, (size_t)n);
  st.scan->entries++;
  if (kind != NULL) {
    struct hacher_rootfs_scan *s = st.scan;
    log_warn("rootfs \"%s\": skipping %s \"%s\"", st.rootfs, kind, rel);
    s->skipped = xrealloc(s->skipped, (s->skipped_count + 1) * sizeof(char *));
    s->skipped[s->skipped_count++] = xstrdup(rel[0] == '/' ? rel + 1 : rel);
  }
  return 0;
}

int hacher_rootfs_scan(const char *rootfs, struct hacher_rootfs_scan *scan, hacher_error_t *err)
{
  int rc;

  memset(scan, 0, sizeof(*scan));
  st.scan = scan;
  st.root_len = strlen(rootfs);
  st.rootfs = rootfs;
  sha256_init(&st.md);
  sha256_update(&st.md, HACHER_IMAGE_FORMAT, sizeof(HACHER_IMAGE_FORMAT));
  rc = nftw(rootfs, visit, 64, FTW_PHYS);
  sha256_final(&st.md, scan->key);
  if (rc != 0) {
    hacher_rootfs_scan_free(scan);
    return hacher_error(err, errno, "scan rootfs \"%s\"", rootfs);
  }
  verity_hex(scan->key, scan->key_hex);
  return 0;
}

void hacher_rootfs_scan_free(struct hacher_rootfs_scan *scan)
{
  for (size_t i = 0; i < scan->skipped_count; i++)
    free(scan->skipped[i]);
  free(scan->skipped);
  scan->skipped = NULL;
  scan->skipped_count = 0;
}
