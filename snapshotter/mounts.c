/* Copies host files named by the bundle's mounts into the mounts blob. */
#include "mounts.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/tl_abi.h"
#include "../common/util.h"

/* File systems the LibOS provides at their destination (TL_MOUNT_SPECIAL). */
static const char *const special_types[] = {"proc",    "sysfs",  "cgroup",
                                            "cgroup2", "devpts", "mqueue"};
/* Kernel file systems with nothing to show inside a trustlet. */
static const char *const skipped_types[] = {"devtmpfs", "securityfs"};

struct walk {
  struct hacher_mounts *m;
  const char *src, *dst; /* the mount, for messages */
  uint32_t ro;
};

static void *reserve(struct hacher_mounts *m, size_t len)
{
  size_t need = m->size + ((len + 7) & ~(size_t)7);
  if (need > m->cap) {
    m->cap = need > m->cap * 2 ? need : m->cap * 2;
    m->data = xrealloc(m->data, m->cap);
  }
  memset(m->data + m->size, 0, need - m->size);
  void *p = m->data + m->size;
  m->size = need;
  return p;
}

static int add(struct walk *w, const char *path, uint32_t kind, uint32_t flags,
               const struct stat *st, const void *data, uint64_t len, hacher_error_t *err)
{
  struct hacher_mounts *m = w->m;
  size_t plen = strlen(path), off;
  struct tl_mount_entry *e;

  /* mount points and paths themselves are free */
  bool counted = !(flags & TL_MOUNT_ROOT) && kind <= TL_MOUNT_SYMLINK;

  if ((counted && m->copied >= HACHER_MOUNTS_MAX_ENTRIES) ||
      m->bytes + len > HACHER_MOUNTS_MAX_BYTES)
    return hacher_error(err, 0,
                        "mount \"%s\" on \"%s\": more than %d entries or %llu MiB to copy into "
                        "the trustlet",
                        w->src, w->dst, HACHER_MOUNTS_MAX_ENTRIES, HACHER_MOUNTS_MAX_BYTES >> 20);
  off = m->size;
  reserve(m, sizeof(*e) + plen + len); /* may move m->data */
  e = (struct tl_mount_entry *)(m->data + off);
  e->kind = kind;
  e->flags = flags | w->ro;
  e->mode = st ? st->st_mode & 07777 : 01777;
  e->uid = st ? st->st_uid : 0;
  e->gid = st ? st->st_gid : 0;
  e->path_len = (uint32_t)plen;
  e->data_len = len;
  e->mtime_sec = st ? st->st_mtim.tv_sec : 0;
  e->mtime_nsec = st ? st->st_mtim.tv_nsec : 0;
  memcpy((uint8_t *)(e + 1), path, plen);
  if (len > 0)
    memcpy((uint8_t *)(e + 1) + plen, data, len);
  m->count++;
  m->copied += counted;
  m->bytes += len;
  return 0;
}

/* Read an open file whole (its size was checked against the cap). */
static int read_fd(int fd, uint64_t size, char **out, size_t *len)
{
  char *buf = xmalloc(size + 1);
  size_t got = 0;

  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  *out = buf;
  *len = got;
  return 0;
}

static int copy_at(struct walk *w, int dfd, const char *name, const char *host, const char *path,
                   uint32_t flags, bool follow, hacher_error_t *err);

static int copy_dir(struct walk *w, int fd, const char *host, const char *path, hacher_error_t *err)
{
  DIR *d = fdopendir(fd);
  struct dirent *e;
  int rc = 0;

  if (d == NULL) {
    close(fd);
    return hacher_error(err, errno, "mount \"%s\" on \"%s\": \"%s\"", w->src, w->dst, host);
  }
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    cleanup_free char *h = xasprintf("%s/%s", host, e->d_name);
    cleanup_free char *p = xasprintf("%s/%s", path, e->d_name);
    rc = copy_at(w, dirfd(d), e->d_name, h, p, 0, false, err);
  }
  closedir(d);
  return rc;
}

/* Copy the host entry `name` of directory dfd. Entries below the mount
 * source are opened relative to their directory, never through a symlink,
 * and checked against what was stat'ed, so a name swapped for a symlink
 * while we copy cannot pull other host files in. The source itself is
 * followed, as runc follows bind-mount sources. */
static int copy_at(struct walk *w, int dfd, const char *name, const char *host, const char *path,
                   uint32_t flags, bool follow, hacher_error_t *err)
{
  struct stat st, fst;
  cleanup_free char *data = NULL;
  size_t len = 0;
  char link[4096];
  ssize_t n;
  int fd;

  if (fstatat(dfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
    return hacher_error(err, errno, "mount \"%s\" on \"%s\": \"%s\"", w->src, w->dst, host);
  if (S_ISLNK(st.st_mode)) {
    if ((n = readlinkat(dfd, name, link, sizeof(link))) < 0)
      return hacher_error(err, errno, "mount \"%s\": readlink \"%s\"", w->src, host);
    return add(w, path, TL_MOUNT_SYMLINK, flags, &st, link, (uint64_t)n, err);
  }
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    log_warn("mount \"%s\" on \"%s\": skipping special file \"%s\"", w->src, w->dst, host);
    return 0;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > HACHER_MOUNTS_MAX_BYTES - w->m->bytes)
    return add(w, path, TL_MOUNT_FILE, flags, &st, NULL, (uint64_t)st.st_size, err); /* cap */
  fd = openat(dfd, name,
              O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW) |
                  (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
  if (fd < 0 || fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
    if (fd >= 0)
      close(fd);
    return hacher_error(err, fd < 0 ? errno : 0,
                        "mount \"%s\" on \"%s\": \"%s\" changed while being copied", w->src, w->dst,
                        host);
  }
  if (S_ISDIR(st.st_mode)) {
    if (add(w, path, TL_MOUNT_DIR, flags, &st, NULL, 0, err) < 0) {
      close(fd);
      return -1;
    }
    return copy_dir(w, fd, host, path, err);
  }
  read_fd(fd, (uint64_t)st.st_size, &data, &len);
  close(fd);
  return add(w, path, TL_MOUNT_FILE, flags, &st, data, len, err);
}

static bool has_option(const struct oci_mount *mnt, const char *opt)
{
  for (size_t i = 0; i < mnt->options_count; i++)
    if (strcmp(mnt->options[i], opt) == 0)
      return true;
  return false;
}

static bool type_in(const struct oci_mount *mnt, const char *const *types, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (mnt->type && strcmp(mnt->type, types[i]) == 0)
      return true;
  return false;
}

static int collect_one(struct hacher_mounts *m, const struct oci_mount *mnt, const char *bundle,
                       hacher_error_t *err)
{
  bool bind = has_option(mnt, "bind") || has_option(mnt, "rbind") ||
              (mnt->type && strcmp(mnt->type, "bind") == 0);
  struct walk w = {m, mnt->source ? mnt->source : "", mnt->destination,
                   has_option(mnt, "ro") ? TL_MOUNT_RO : 0};
  cleanup_free char *src = NULL;

  if (mnt->destination[0] != '/')
    return hacher_error(err, 0, "mount on \"%s\": destination must be absolute", mnt->destination);
  if (!bind) {
    if (strcmp(mnt->destination, "/dev") == 0 ||
        type_in(mnt, skipped_types, ARRAY_SIZE(skipped_types)))
      return 0; /* the LibOS's own /dev; nothing to show */
    if (type_in(mnt, special_types, ARRAY_SIZE(special_types)))
      return add(&w, mnt->destination, TL_MOUNT_SPECIAL, TL_MOUNT_ROOT, NULL, mnt->type,
                 strlen(mnt->type), err);
    if (mnt->type && strcmp(mnt->type, "tmpfs") == 0)
      return add(&w, mnt->destination, TL_MOUNT_TMPFS, TL_MOUNT_ROOT, NULL, NULL, 0, err);
    log_warn("mount \"%s\" of type \"%s\": not supported in a trustlet, skipped", mnt->destination,
             mnt->type ? mnt->type : "none");
    return 0;
  }
  if (mnt->source == NULL)
    return hacher_error(err, 0, "mount on \"%s\": bind mount without a source", mnt->destination);
  src = mnt->source[0] == '/' ? xstrdup(mnt->source) : xasprintf("%s/%s", bundle, mnt->source);
  return copy_at(&w, AT_FDCWD, src, src, mnt->destination, TL_MOUNT_ROOT, true, err);
}

/* maskedPaths and readonlyPaths: the LibOS applies them after every mount. */
static int collect_paths(struct hacher_mounts *m, char **paths, size_t n, uint32_t kind,
                         hacher_error_t *err)
{
  const char *what = kind == TL_MOUNT_MASKED ? "maskedPaths" : "readonlyPaths";

  for (size_t i = 0; i < n; i++) {
    struct walk w = {m, paths[i], paths[i], 0};
    if (paths[i][0] != '/')
      return hacher_error(err, 0, "config.json: .linux.%s[%zu]: \"%s\" is not an absolute path",
                          what, i, paths[i]);
    if (strlen(paths[i]) >= 4096)
      return hacher_error(err, 0, "config.json: .linux.%s[%zu]: longer than 4095 bytes", what, i);
    if (add(&w, paths[i], kind, 0, NULL, NULL, 0, err) < 0)
      return -1;
  }
  return 0;
}

/* One entry of the rootfs's upper layer: overlayfs marks deletions with
 * 0:0 character devices and directories that hide the layers below with
 * the opaque xattr. Entries are opened relative to their directory without
 * following symlinks, as for mount copies. */
static int layer_entry(struct walk *w, int dfd, const char *name, const char *path, int depth,
                       hacher_error_t *err);

static int layer_dir(struct walk *w, int fd, const char *path, int depth, hacher_error_t *err)
{
  DIR *d = fdopendir(fd);
  struct dirent *e;
  int rc = 0;

  if (d == NULL) {
    close(fd);
    return hacher_error(err, errno, "rootfs upper layer \"%s\": \"%s\"", w->src, path);
  }
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    cleanup_free char *p = xasprintf("%s/%s", strcmp(path, "/") == 0 ? "" : path, e->d_name);
    rc = layer_entry(w, dirfd(d), e->d_name, p, depth + 1, err);
  }
  closedir(d);
  return rc;
}

static int layer_entry(struct walk *w, int dfd, const char *name, const char *path, int depth,
                       hacher_error_t *err)
{
  struct stat st, fst;
  cleanup_free char *data = NULL;
  char link[4096], x[4];
  size_t len = 0;
  ssize_t n;
  int fd;

  if (depth > 256 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return hacher_error(err, depth > 256 ? ELOOP : errno, "rootfs upper layer \"%s\": \"%s\"",
                        w->src, path);
  if (S_ISLNK(st.st_mode)) {
    if ((n = readlinkat(dfd, name, link, sizeof(link))) < 0)
      return hacher_error(err, errno, "rootfs upper layer \"%s\": readlink \"%s\"", w->src, path);
    return add(w, path, TL_MOUNT_SYMLINK, TL_MOUNT_LAYER, &st, link, (uint64_t)n, err);
  }
  if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
    return add(w, path, TL_MOUNT_WHITEOUT, TL_MOUNT_LAYER, &st, NULL, 0, err);
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    log_warn("rootfs upper layer \"%s\": skipping special file \"%s\"", w->src, path);
    return 0;
  }
  fd = openat(dfd, name,
              O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
  if (fd < 0 || fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
    if (fd >= 0)
      close(fd);
    return hacher_error(err, fd < 0 ? errno : 0,
                        "rootfs upper layer \"%s\": \"%s\" changed while being copied", w->src,
                        path);
  }
  if (S_ISDIR(st.st_mode)) {
    uint32_t flags = TL_MOUNT_LAYER;
    if (fgetxattr(fd, "trusted.overlay.opaque", x, sizeof(x)) == 1 && x[0] == 'y')
      flags |= TL_MOUNT_OPAQUE;
    if (add(w, path, TL_MOUNT_DIR, flags, &st, NULL, 0, err) < 0) {
      close(fd);
      return -1;
    }
    return layer_dir(w, fd, path, depth, err);
  }
  if ((uint64_t)st.st_size > HACHER_MOUNTS_MAX_BYTES - w->m->bytes) {
    close(fd);
    return add(w, path, TL_MOUNT_FILE, TL_MOUNT_LAYER, &st, NULL, (uint64_t)st.st_size, err);
  }
  read_fd(fd, (uint64_t)st.st_size, &data, &len);
  close(fd);
  return add(w, path, TL_MOUNT_FILE, TL_MOUNT_LAYER, &st, data, len, err);
}

/* The upper layer's entries, parents first; its root stays the image's. */
static int collect_layer(struct hacher_mounts *m, const char *upper, hacher_error_t *err)
{
  struct walk w = {m, upper, "/", 0};
  int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return hacher_error(err, errno, "rootfs upper layer \"%s\"", upper);
  return layer_dir(&w, fd, "/", 0, err);
}

int hacher_mounts_collect(const struct oci_config *cfg, const char *bundle, const char *upper,
                          struct hacher_mounts *m, hacher_error_t *err)
{
  struct tl_mounts *hdr;

  memset(m, 0, sizeof(*m));
  reserve(m, sizeof(*hdr));
  if (upper != NULL && collect_layer(m, upper, err) < 0) {
    hacher_mounts_free(m);
    return -1;
  }
  for (size_t i = 0; i < cfg->mounts_count; i++) {
    if (collect_one(m, &cfg->mounts[i], bundle, err) < 0) {
      hacher_mounts_free(m);
      return -1;
    }
  }
  if (collect_paths(m, cfg->masked_paths, cfg->masked_paths_count, TL_MOUNT_MASKED, err) < 0 ||
      collect_paths(m, cfg->readonly_paths, cfg->readonly_paths_count, TL_MOUNT_READONLY, err) <
          0) {
    hacher_mounts_free(m);
    return -1;
  }
  if (m->count == 0) {
    hacher_mounts_free(m);
    return 0;
  }
  hdr = (struct tl_mounts *)m->data;
  hdr->magic = TL_MOUNTS_MAGIC;
  hdr->count = m->count;
  hdr->size = m->size;
  return 0;
}

void hacher_mounts_free(struct hacher_mounts *m)
{
  free(m->data);
  memset(m, 0, sizeof(*m));
}

int hacher_mounts_add_file(struct hacher_mounts *m, const char *path, uint32_t mode, uint32_t uid,
                           uint32_t gid, const void *data, size_t len, hacher_error_t *err)
{
  struct walk w = {m, "(secret)", path, TL_MOUNT_RO};
  size_t need = m->size + sizeof(struct tl_mount_entry) + strlen(path) + len + 8 +
                (m->data == NULL ? sizeof(struct tl_mounts) : 0);
  struct stat st = {0};
  struct tl_mounts *hdr;

  if (need > m->cap) { /* grow here, so no copy of earlier secrets is left behind */
    uint8_t *n = xmalloc(need);
    if (m->size > 0)
      memcpy(n, m->data, m->size);
    if (m->data != NULL)
      OPENSSL_cleanse(m->data, m->cap);
    free(m->data);
    m->data = n;
    m->cap = need;
  }
  if (m->size == 0)
    reserve(m, sizeof(*hdr));
  st.st_mode = S_IFREG | (mode & 07777);
  st.st_uid = uid;
  st.st_gid = gid;
  if (add(&w, path, TL_MOUNT_FILE, TL_MOUNT_ROOT, &st, data, len, err) < 0)
    return -1;
  hdr = (struct tl_mounts *)m->data;
  hdr->magic = TL_MOUNTS_MAGIC;
  hdr->count = m->count;
  hdr->size = m->size;
  return 0;
}

void hacher_mounts_wipe(struct hacher_mounts *m)
{
  if (m->data != NULL)
    OPENSSL_cleanse(m->data, m->cap);
  hacher_mounts_free(m);
}
