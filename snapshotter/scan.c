/* The rootfs scan: one walk that keys the cache and finds special files.
 * Entries are stat'ed relative to their directory's fd (no path walks). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sha256.h"
#include "../common/util.h"
#include "image.h"
#include "verity.h"

#define MAX_DEPTH 256

struct scan {
  struct sha256_ctx md;
  struct hacher_rootfs_scan *out;
  const char *rootfs;
  char path[4096]; /* relative path of the entry being visited */
};

static const char *special_kind(mode_t m)
{
  return S_ISCHR(m)    ? "character device"
         : S_ISBLK(m)  ? "block device"
         : S_ISFIFO(m) ? "fifo"
         : S_ISSOCK(m) ? "socket"
                       : NULL;
}

static int visit(struct scan *s, int dirfd, const char *name, const struct stat *sb)
{
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
  const char *kind = special_kind(sb->st_mode);
  char link[4096];
  ssize_t n = 0;

  if (S_ISLNK(sb->st_mode) && (n = readlinkat(dirfd, name, link, sizeof(link))) < 0)
    return -1;
  sha256_update(&s->md, s->path, strlen(s->path) + 1);
  sha256_update(&s->md, meta, sizeof(meta));
  sha256_update(&s->md, link, (size_t)n);
  s->out->entries++;
  if (kind != NULL) {
    struct hacher_rootfs_scan *o = s->out;
    log_warn("rootfs \"%s\": skipping %s \"%s\"", s->rootfs, kind, s->path);
    o->skipped = xrealloc(o->skipped, (o->skipped_count + 1) * sizeof(char *));
    o->skipped[o->skipped_count++] = xstrdup(s->path + 1);
  }
  return 0;
}

/* Visit the directory open at fd (whose own entry is already hashed). */
static int walk_dir(struct scan *s, int fd, int depth)
{
  DIR *d = fdopendir(fd);
  size_t base = strlen(s->path);
  struct dirent *e;
  int rc = 0;

  if (d == NULL) {
    close(fd);
    return -1;
  }
  while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
    struct stat sb;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (base + 1 + strlen(e->d_name) + 1 > sizeof(s->path) || depth >= MAX_DEPTH) {
      errno = ENAMETOOLONG;
      rc = -1;
      break;
    }
    snprintf(s->path + base, sizeof(s->path) - base, "/%s", e->d_name);
    if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
        visit(s, dirfd(d), e->d_name, &sb) < 0) {
      rc = -1;
      break;
    }
    if (S_ISDIR(sb.st_mode)) {
      int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      rc = sub < 0 ? -1 : walk_dir(s, sub, depth + 1);
    }
    s->path[base] = '\0';
  }
  if (rc == 0 && errno != 0)
    rc = -1;
  closedir(d);
  return rc;
}

int hacher_rootfs_scan(const char *rootfs, struct hacher_rootfs_scan *out, hacher_error_t *err)
{
  cleanup_free struct scan *s = xmalloc0(sizeof(*s));
  struct stat sb;
  int fd, rc;

  memset(out, 0, sizeof(*out));
  s->out = out;
  s->rootfs = rootfs;
  sha256_init(&s->md);
  sha256_update(&s->md, HACHER_IMAGE_FORMAT, sizeof(HACHER_IMAGE_FORMAT));
  fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &sb) < 0) {
    if (fd >= 0)
      close(fd);
    return hacher_error(err, errno, "scan rootfs \"%s\"", rootfs);
  }
  rc = visit(s, fd, ".", &sb);
  rc = rc < 0 ? rc : walk_dir(s, fd, 0);
  if (rc < 0) {
    int e = errno;
    hacher_rootfs_scan_free(out);
    return hacher_error(err, e, "scan rootfs \"%s\" at \"%s\"", rootfs, s->path[0] ? s->path : "/");
  }
  sha256_final(&s->md, out->key);
  verity_hex(out->key, out->key_hex);
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
