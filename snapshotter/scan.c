/* The rootfs scan: one walk that keys the cache and finds special files.
 * Entries are stat'ed relative to their directory's fd (no path walks). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "image.h"
#include "verity.h"

#define MAX_DEPTH 256

struct scan {
  EVP_MD_CTX *md; /* OpenSSL's SHA-256 uses the CPU's SHA extensions: the key is hot */
  struct hacher_rootfs_scan *out;
  const char *rootfs;
  bool specials;   /* collect (and warn about) special files: not in an upper layer */
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
  EVP_DigestUpdate(s->md, s->path, strlen(s->path) + 1);
  EVP_DigestUpdate(s->md, meta, sizeof(meta));
  EVP_DigestUpdate(s->md, link, (size_t)n);
  s->out->entries++;
  if (kind != NULL && s->specials) {
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

/* The whole tree below the directory at path, keyed entry by entry. */
static int walk_tree(struct scan *s, const char *path)
{
  struct stat sb;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fstat(fd, &sb) < 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  s->path[0] = '\0';
  if (visit(s, fd, ".", &sb) < 0) {
    close(fd);
    return -1;
  }
  return walk_dir(s, fd, 0);
}

/* Octal escapes (\040) of /proc/self/mountinfo, in place. */
static void unescape(char *p)
{
  char *o = p;

  for (; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
        p[3] <= '7') {
      *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
}

/* The super options of the overlay mounted exactly at target (a copy), or
 * NULL when target is no overlay mount or has mounts below it. */
static char *overlay_options(const char *target)
{
  cleanup_free char *text = NULL;
  char *opts = NULL, *line, *save = NULL;
  size_t size, tlen = strlen(target);
  hacher_error_t ignored = NULL;

  if (read_file("/proc/self/mountinfo", &text, &size, &ignored) < 0) {
    hacher_error_release(&ignored);
    return NULL;
  }
  for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    char *f[5], *sep = strstr(line, " - "), *fstype, *super, *tok = line;
    int i;
    for (i = 0; i < 5 && (f[i] = strsep(&tok, " ")) != NULL; i++)
      ;
    if (i < 5 || sep == NULL)
      continue;
    unescape(f[4]);
    if (strncmp(f[4], target, tlen) == 0 && f[4][tlen] == '/' && tlen > 1) {
      free(opts); /* something is mounted inside the rootfs: walk it all */
      return NULL;
    }
    if (strcmp(f[4], target) != 0)
      continue;
    fstype = sep + 3;
    super = strchr(fstype, ' ') ? strchr(strchr(fstype, ' ') + 1, ' ') : NULL;
    free(opts); /* the last mount at target is the visible one */
    opts = strncmp(fstype, "overlay ", 8) == 0 && super ? xstrdup(super + 1) : NULL;
  }
  return opts;
}

/* Whether the upper layer can travel as per-container entries
 * (snapshotter/layer.c): within the copy caps, and without the overlayfs
 * features whose meaning lives in xattrs pointing into the lower layers. */
struct upper_check {
  size_t entries;
  uint64_t bytes;
};

static bool upper_fits(int dfd, struct upper_check *u, int depth)
{
  DIR *d = fdopendir(dfd);
  struct dirent *e;
  bool ok = d != NULL && depth < MAX_DEPTH;

  while (ok && (e = readdir(d)) != NULL) {
    struct stat sb;
    char x[8];
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
      ok = false;
      break;
    }
    u->entries++;
    u->bytes += S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    if (u->entries > HACHER_LAYER_MAX_ENTRIES || u->bytes > HACHER_LAYER_MAX_BYTES)
      ok = false;
    else if (!S_ISLNK(sb.st_mode)) {
      cleanup_free char *p = xasprintf("/proc/self/fd/%d/%s", dirfd(d), e->d_name);
      if (getxattr(p, "trusted.overlay.metacopy", x, sizeof(x)) >= 0 ||
          getxattr(p, "trusted.overlay.redirect", x, sizeof(x)) >= 0)
        ok = false;
    }
    if (ok && S_ISDIR(sb.st_mode)) {
      int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      ok = sub >= 0 && upper_fits(sub, u, depth + 1);
    }
  }
  if (d != NULL)
    closedir(d);
  else
    close(dfd);
  return ok;
}

/*
 * A rootfs that is an overlay mount (podman, containerd) is keyed by its
 * lower layers: each one's path and the identity of its directory. overlayfs
 * forbids changing lower layers while they are mounted, and the snapshotters
 * never reuse a layer directory for other content; every change made through
 * the mount lands in the upper layer. So the image is the lower layers only,
 * shared by every container of that image, and the upper layer travels with
 * each container (snapshotter/layer.c). Returns 1 when that applies, 0 to
 * walk the whole tree instead.
 */
static int overlay_key(struct scan *s, const char *rootfs)
{
  cleanup_free char *target = realpath(rootfs, NULL);
  cleanup_free char *opts = target ? overlay_options(target) : NULL;
  const char *lower = NULL, *upper = NULL;
  char *tok, *save = NULL;
  size_t nlower = 0;

  if (opts == NULL || strchr(opts, '\\') != NULL) /* escaped separators: walk instead */
    return 0;
  for (tok = strtok_r(opts, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (strncmp(tok, "lowerdir=", 9) == 0)
      lower = tok + 9;
    else if (strncmp(tok, "upperdir=", 9) == 0)
      upper = tok + 9;
  }
  if (lower == NULL || (upper != NULL && upper[0] != '/'))
    return 0;
  if (upper != NULL) {
    struct upper_check u = {0, 0};
    int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !upper_fits(fd, &u, 0))
      return 0;
  }
  EVP_DigestUpdate(s->md, "overlay-lowers", 15);
  s->out->lowers = xmalloc0(sizeof(char *) * (strlen(lower) / 2 + 2));
  for (const char *p = lower; *p;) {
    size_t n = strcspn(p, ":");
    char dir[4096];
    struct stat sb;
    if (n > 0) {
      if (p[0] != '/' || n >= sizeof(dir))
        return 0;
      memcpy(dir, p, n);
      dir[n] = '\0';
      if (stat(dir, &sb) < 0)
        return 0;
      int64_t id[6] = {(int64_t)sb.st_dev, (int64_t)sb.st_ino, sb.st_ctim.tv_sec,
                       sb.st_ctim.tv_nsec, sb.st_mtim.tv_sec,  sb.st_mtim.tv_nsec};
      EVP_DigestUpdate(s->md, dir, n + 1);
      EVP_DigestUpdate(s->md, id, sizeof(id));
      s->out->lowers[nlower++] = xstrdup(dir);
    }
    p += n + (p[n] == ':');
  }
  s->out->nlowers = nlower;
  s->out->upper = upper ? xstrdup(upper) : NULL;
  s->out->overlay = true;
  return 1;
}

int hacher_rootfs_scan(const char *rootfs, unsigned int flags, struct hacher_rootfs_scan *out,
                       hacher_error_t *err)
{
  cleanup_free struct scan *s = xmalloc0(sizeof(*s));
  unsigned int len;
  int rc = 0;

  memset(out, 0, sizeof(*out));
  s->out = out;
  s->rootfs = rootfs;
  s->md = EVP_MD_CTX_new();
  if (s->md == NULL || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
    return hacher_error(err, 0, "scan rootfs \"%s\": SHA-256 unavailable", rootfs);
  EVP_DigestUpdate(s->md, HACHER_IMAGE_FORMAT, sizeof(HACHER_IMAGE_FORMAT));
  if (!(flags & HACHER_SCAN_LAYERS) || overlay_key(s, rootfs) == 0) {
    /* a failed overlay attempt may have hashed some input: start again */
    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
    EVP_DigestUpdate(s->md, HACHER_IMAGE_FORMAT, sizeof(HACHER_IMAGE_FORMAT));
    hacher_rootfs_scan_free(out);
    memset(out, 0, sizeof(*out));
    s->specials = true;
    rc = walk_tree(s, rootfs);
  }
  if (rc < 0) {
    int e = errno;
    EVP_MD_CTX_free(s->md);
    hacher_rootfs_scan_free(out);
    return hacher_error(err, e, "scan rootfs \"%s\" at \"%s\"", rootfs, s->path[0] ? s->path : "/");
  }
  EVP_DigestFinal_ex(s->md, out->key, &len);
  EVP_MD_CTX_free(s->md);
  verity_hex(out->key, out->key_hex);
  return 0;
}

void hacher_rootfs_scan_free(struct hacher_rootfs_scan *scan)
{
  for (size_t i = 0; scan->lowers != NULL && scan->lowers[i] != NULL; i++)
    free(scan->lowers[i]);
  free(scan->lowers);
  scan->lowers = NULL;
  free(scan->upper);
  scan->upper = NULL;
  for (size_t i = 0; i < scan->skipped_count; i++)
    free(scan->skipped[i]);
  free(scan->skipped);
  scan->skipped = NULL;
  scan->skipped_count = 0;
}
