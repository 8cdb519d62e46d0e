/* Copies host files named by the bundle's mounts into the mounts blob. */
#include "mounts.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/tl_abi.h"
#include "../common/util.h"

static const char *const provided_types[] = {"proc",   "sysfs",   "devpts",   "mqueue",
                                             "cgroup", "cgroup2", "devtmpfs", "securityfs"};

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

  bool counted = !(flags & TL_MOUNT_ROOT); /* mount points themselves are free */

  if ((counted && m->copied >= HACHER_MOUNTS_MAX_ENTRIES) ||
      m->bytes + len > HACHER_MOUNTS_MAX_BYTES)
    return hacher_error(err, 0,
                        "mount \"%s\" on \"%s\": more than %d entries or %llu MiB to copy into "
                        "the trustlet",
                        w->src, w->dst, HACHER_MOUNTS_MAX_ENTRIES, HACHER_MOUNTS_MAX_BYTES >> 20);
  off = m->size;
  e = reserve(m, sizeof(*e) + plen + len);
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

static int add_file(struct walk *w, const char *host, const char *path, uint32_t flags,
                    const struct stat *st, hacher_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len = 0;

  if ((uint64_t)st->st_size > HACHER_MOUNTS_MAX_BYTES - w->m->bytes)
    return add(w, path, TL_MOUNT_FILE, flags, st, NULL, (uint64_t)st->st_size, err);
  if (read_file(host, &data, &len, err) < 0)
    return hacher_error_wrap(err, "mount \"%s\" on \"%s\"", w->src, w->dst);
  return add(w, path, TL_MOUNT_FILE, flags, st, data, len, err);
}

static int add_tree(struct walk *w, const char *host, const char *path, uint32_t flags,
                    hacher_error_t *err);

static int add_any(struct walk *w, const char *host, const char *path, uint32_t flags,
                   hacher_error_t *err)
{
  struct stat st;
  char link[4096];
  ssize_t n;

  if (lstat(host, &st) < 0)
    return hacher_error(err, errno, "mount \"%s\" on \"%s\": \"%s\"", w->src, w->dst, host);
  if (S_ISREG(st.st_mode))
    return add_file(w, host, path, flags, &st, err);
  if (S_ISDIR(st.st_mode))
    return add_tree(w, host, path, flags, err);
  if (S_ISLNK(st.st_mode)) {
    if ((n = readlink(host, link, sizeof(link))) < 0)
      return hacher_error(err, errno, "mount \"%s\": readlink \"%s\"", w->src, host);
    return add(w, path, TL_MOUNT_SYMLINK, flags, &st, link, (uint64_t)n, err);
  }
  log_warn("mount \"%s\" on \"%s\": skipping special file \"%s\"", w->src, w->dst, host);
  return 0;
}

static int add_tree(struct walk *w, const char *host, const char *path, uint32_t flags,
                    hacher_error_t *err)
{
  struct stat st;
  DIR *d;
  struct dirent *e;
  int rc = 0;

  if (stat(host, &st) < 0)
    return hacher_error(err, errno, "mount \"%s\" on \"%s\": \"%s\"", w->src, w->dst, host);
  if (add(w, path, TL_MOUNT_DIR, flags, &st, NULL, 0, err) < 0)
    return -1;
  if ((d = opendir(host)) == NULL)
    return hacher_error(err, errno, "mount \"%s\" on \"%s\": \"%s\"", w->src, w->dst, host);
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    cleanup_free char *h = xasprintf("%s/%s", host, e->d_name);
    cleanup_free char *p = xasprintf("%s/%s", path, e->d_name);
    rc = add_any(w, h, p, 0, err);
  }
  closedir(d);
  return rc;
}

static bool has_option(const struct oci_mount *mnt, const char *opt)
{
  for (size_t i = 0; i < mnt->options_count; i++)
    if (strcmp(mnt->options[i], opt) == 0)
      return true;
  return false;
}

static bool provided(const struct oci_mount *mnt)
{
  for (size_t i = 0; i < ARRAY_SIZE(provided_types); i++)
    if (mnt->type && strcmp(mnt->type, provided_types[i]) == 0)
      return true;
  return strcmp(mnt->destination, "/dev") == 0; /* the LibOS's own /dev */
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
    if (provided(mnt))
      return 0;
    if (mnt->type && strcmp(mnt->type, "tmpfs") == 0)
      return add(&w, mnt->destination, TL_MOUNT_TMPFS, TL_MOUNT_ROOT, NULL, NULL, 0, err);
    log_warn("mount \"%s\" of type \"%s\": not supported in a trustlet, skipped", mnt->destination,
             mnt->type ? mnt->type : "none");
    return 0;
  }
  if (mnt->source == NULL)
    return hacher_error(err, 0, "mount on \"%s\": bind mount without a source", mnt->destination);
  src = mnt->source[0] == '/' ? xstrdup(mnt->source) : xasprintf("%s/%s", bundle, mnt->source);
  return add_any(&w, src, mnt->destination, TL_MOUNT_ROOT, err);
}

int hacher_mounts_collect(const struct oci_config *cfg, const char *bundle, struct hacher_mounts *m,
                          hacher_error_t *err)
{
  struct tl_mounts *hdr;

  memset(m, 0, sizeof(*m));
  reserve(m, sizeof(*hdr));
  for (size_t i = 0; i < cfg->mounts_count; i++) {
    if (collect_one(m, &cfg->mounts[i], bundle, err) < 0) {
      hacher_mounts_free(m);
      return -1;
    }
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
