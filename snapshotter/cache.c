/* The node's image cache. Layout under the cache directory:
 *   blobs/ROOTHASH.img   images, named by their verity root hash
 *   index/SCANKEY        the root hash of the image built from a rootfs scan
 *   locks/SCANKEY.lock   held while that rootfs is being built
 *   tmp/                 builds in progress (renamed into blobs/ when done) */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "image.h"
#include "verity.h"

static char *cache_path(const struct hacher_image_cache *c, const char *sub, const char *name,
                        const char *suffix)
{
  return xasprintf("%s/%s/%s%s", c->dir, sub, name, suffix);
}

static int cache_init(const struct hacher_image_cache *c, hacher_error_t *err)
{
  static const char *const subs[] = {"blobs", "index", "locks", "tmp"};
  for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
    cleanup_free char *p = xasprintf("%s/%s", c->dir, subs[i]);
    if (mkdir_p(p, 0700, err) < 0)
      return -1;
  }
  return 0;
}

/* The index entry for key, if it names an image that is present. */
static int lookup(const struct hacher_image_cache *c, const char *key, struct hacher_image *img)
{
  cleanup_free char *idx = cache_path(c, "index", key, "");
  cleanup_free char *text = NULL, *blob = NULL;
  hacher_error_t ignored = NULL;
  uint8_t root[32];
  int rc;

  if (read_file(idx, &text, NULL, &ignored) < 0) {
    hacher_error_release(&ignored);
    return -1;
  }
  text[strcspn(text, "\n")] = '\0';
  if (verity_parse_hex(text, root) < 0)
    return -1;
  blob = cache_path(c, "blobs", text, ".img");
  rc = hacher_image_open(blob, img, &ignored);
  hacher_error_release(&ignored);
  if (rc < 0 || memcmp(root, img->root, sizeof(root)) != 0) {
    hacher_image_release(img);
    return -1;
  }
  return 0;
}

static int lock_key(const struct hacher_image_cache *c, const char *key, hacher_error_t *err)
{
  cleanup_free char *path = cache_path(c, "locks", key, ".lock");
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", path);
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      close(fd);
      return hacher_error(err, errno, "lock \"%s\"", path);
    }
  }
  return fd;
}

/* Build into tmp/, move the image to blobs/ROOT.img, then publish the index. */
static int build(const struct hacher_image_cache *c, const char *rootfs,
                 const struct hacher_rootfs_scan *scan, struct hacher_image *img,
                 hacher_error_t *err)
{
  cleanup_free char *tmp = cache_path(c, "tmp", scan->key_hex, ".img");
  cleanup_free char *blob = NULL, *idx = NULL, *line = NULL;

  if (hacher_image_build(rootfs, scan, tmp, img, err) < 0)
    return -1;
  blob = cache_path(c, "blobs", img->root_hex, ".img");
  if (rename(tmp, blob) < 0) {
    int e = errno;
    unlink(tmp);
    hacher_image_release(img);
    return hacher_error(err, e, "rename \"%s\" to \"%s\"", tmp, blob);
  }
  free(img->path);
  img->path = xstrdup(blob);
  idx = cache_path(c, "index", scan->key_hex, "");
  line = xasprintf("%s\n", img->root_hex);
  if (write_file_atomic(idx, line, strlen(line), 0600, err) < 0) {
    hacher_image_release(img);
    return -1;
  }
  return 0;
}

/* Build the image of `dir` (a whole-tree walk finds the special files to
 * skip) and index it under scan's key. */
static int build_tree(const struct hacher_image_cache *c, const char *dir,
                      const struct hacher_rootfs_scan *scan, struct hacher_image *img,
                      hacher_error_t *err)
{
  struct hacher_rootfs_scan full;
  int rc;

  if (hacher_rootfs_scan(dir, 0, &full, err) < 0)
    return -1;
  memcpy(full.key, scan->key, sizeof(full.key));
  memcpy(full.key_hex, scan->key_hex, sizeof(full.key_hex));
  rc = build(c, dir, &full, img, err);
  hacher_rootfs_scan_free(&full);
  return rc;
}

/* In a child with a private mount namespace (the mount vanishes with it):
 * the lower layers merged by a read-only overlay mount, built and indexed. */
static void __attribute__((noreturn))
build_merged_lowers(const struct hacher_image_cache *c, const struct hacher_rootfs_scan *scan,
                    int status_fd)
{
  cleanup_free char *dir = xasprintf("%s/tmp/lowers.XXXXXX", c->dir);
  cleanup_free char *opts = xstrdup("lowerdir=");
  hacher_error_t err = NULL;
  struct hacher_image img;
  bool made = false;

  for (size_t i = 0; scan->lowers[i] != NULL; i++) {
    char *o = xasprintf("%s%s%s", opts, i ? ":" : "", scan->lowers[i]);
    free(opts);
    opts = o;
  }
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    hacher_error(&err, errno, "a private mount namespace for the lower layers");
  else if (!(made = mkdtemp(dir) != NULL))
    hacher_error(&err, errno, "mkdtemp \"%s\"", dir);
  else if (mount("overlay", dir, "overlay", MS_RDONLY, opts) < 0)
    hacher_error(&err, errno, "mount the lower layers (%s) on \"%s\"", opts, dir);
  else if (build_tree(c, dir, scan, &img, &err) == 0)
    hacher_image_release(&img);
  if (err != NULL)
    (void)!write(status_fd, err->msg, strlen(err->msg));
  if (made) {
    umount2(dir, MNT_DETACH);
    rmdir(dir);
  }
  _exit(err != NULL);
}

/* The image of an overlay rootfs's lower layers: one layer is a directory
 * already; several are merged by overlayfs in a child. */
static int build_lowers(const struct hacher_image_cache *c, const struct hacher_rootfs_scan *scan,
                        struct hacher_image *img, hacher_error_t *err)
{
  char msg[1024];
  ssize_t n = 0;
  int p[2], st;
  pid_t pid;

  if (scan->lowers[1] == NULL)
    return build_tree(c, scan->lowers[0], scan, img, err);
  if (pipe2(p, O_CLOEXEC) < 0)
    return hacher_error(err, errno, "pipe");
  pid = fork();
  if (pid == 0) {
    close(p[0]);
    build_merged_lowers(c, scan, p[1]);
  }
  close(p[1]);
  if (pid > 0)
    while ((n = read(p[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
      ;
  close(p[0]);
  if (pid < 0)
    return hacher_error(err, errno, "fork");
  waitpid(pid, &st, 0);
  msg[n > 0 ? n : 0] = '\0';
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return hacher_error(err, 0, "%s", n > 0 ? msg : "building the lower layers' image failed");
  return lookup(c, scan->key_hex, img) == 0
             ? 0
             : hacher_error(err, 0, "the lower layers' image is missing after its build");
}

/* Find or build the image for one key, building once under the key's lock. */
static int get_keyed(const struct hacher_image_cache *c, const char *rootfs,
                     const struct hacher_rootfs_scan *scan, struct hacher_image *img, int *built,
                     hacher_error_t *err)
{
  int lock, rc = 0;

  if (lookup(c, scan->key_hex, img) == 0)
    return 0;
  lock = lock_key(c, scan->key_hex, err);
  if (lock < 0)
    return -1;
  /* Someone else may have built it while we waited for the lock. */
  if (lookup(c, scan->key_hex, img) < 0) {
    rc = scan->overlay ? build_lowers(c, scan, img, err) : build(c, rootfs, scan, img, err);
    *built = rc == 0;
  }
  close(lock);
  return rc;
}

int hacher_image_get(const struct hacher_image_cache *c, const char *rootfs,
                     struct hacher_image *img, int *built, hacher_error_t *err)
{
  struct hacher_rootfs_scan scan;
  int rc;

  *built = 0;
  if (cache_init(c, err) < 0 || hacher_rootfs_scan(rootfs, HACHER_SCAN_LAYERS, &scan, err) < 0)
    return -1;
  if (scan.overlay)
    log_debug("rootfs \"%s\" keyed by its %zu lower layer(s)%s", rootfs, scan.nlowers,
              scan.upper ? "; its upper layer travels with the container" : "");
  else
    log_debug("rootfs \"%s\" keyed by the whole tree (%zu entries)", rootfs, scan.entries);
  rc = get_keyed(c, rootfs, &scan, img, built, err);
  if (rc < 0 && scan.overlay) { /* e.g. no permission to mount: the merged tree, then */
    log_warn("%s; using the whole rootfs as the image", (*err)->msg);
    hacher_error_release(err);
    hacher_rootfs_scan_free(&scan);
    if (hacher_rootfs_scan(rootfs, 0, &scan, err) < 0)
      return -1;
    rc = get_keyed(c, rootfs, &scan, img, built, err);
  }
  if (rc == 0 && scan.overlay && scan.upper != NULL)
    img->upper = xstrdup(scan.upper);
  hacher_rootfs_scan_free(&scan);
  return rc;
}

static bool listed(const char *root, const char *const *in_use, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (in_use[i] != NULL && strcmp(in_use[i], root) == 0)
      return true;
  return false;
}

/* Calls fn for each blobs/ROOT.img. */
static int each_blob(const struct hacher_image_cache *c,
                     void (*fn)(const char *root, const char *path, void *arg), void *arg,
                     hacher_error_t *err)
{
  cleanup_free char *dir = xasprintf("%s/blobs", c->dir);
  DIR *d = opendir(dir);
  struct dirent *e;

  if (d == NULL)
    return errno == ENOENT ? 0 : hacher_error(err, errno, "open \"%s\"", dir);
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n != 68 || strcmp(e->d_name + 64, ".img") != 0)
      continue;
    char root[65];
    memcpy(root, e->d_name, 64);
    root[64] = '\0';
    cleanup_free char *path = xasprintf("%s/%s", dir, e->d_name);
    fn(root, path, arg);
  }
  closedir(d);
  return 0;
}

struct ls_arg {
  const char *const *in_use;
  size_t n;
};

static void ls_one(const char *root, const char *path, void *arg)
{
  struct ls_arg *a = arg;
  struct stat st;

  if (stat(path, &st) < 0)
    return;
  printf("%s  %10lld  %s\n", root, (long long)st.st_size,
         listed(root, a->in_use, a->n) ? "in use" : "-");
}

int hacher_image_ls(const struct hacher_image_cache *c, const char *const *in_use, size_t n,
                    hacher_error_t *err)
{
  struct ls_arg a = {in_use, n};
  printf("%-64s  %10s  %s\n", "ROOT HASH", "BYTES", "STATE");
  return each_blob(c, ls_one, &a, err);
}

struct gc_arg {
  const char *const *in_use;
  size_t n;
  size_t removed;
};

static void gc_one(const char *root, const char *path, void *arg)
{
  struct gc_arg *a = arg;
  if (!listed(root, a->in_use, a->n) && unlink(path) == 0)
    a->removed++;
}

/* Index entries whose image is gone, and builds nobody holds a lock for. */
static void gc_dir(const struct hacher_image_cache *c, const char *sub)
{
  cleanup_free char *dir = xasprintf("%s/%s", c->dir, sub);
  DIR *d = opendir(dir);
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    cleanup_free char *path = xasprintf("%s/%s", dir, e->d_name);
    if (strcmp(sub, "index") == 0) {
      struct hacher_image img;
      if (lookup(c, e->d_name, &img) == 0)
        hacher_image_release(&img);
      else
        unlink(path);
      continue;
    }
    char key[65] = "";
    snprintf(key, sizeof(key), "%.64s", e->d_name);
    cleanup_free char *lock = cache_path(c, "locks", key, ".lock");
    int fd = open(lock, O_RDWR | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
      unlink(path); /* left by a build that crashed */
    else if (fd < 0)
      unlink(path);
    if (fd >= 0)
      close(fd);
  }
  closedir(d);
}

int hacher_image_gc(const struct hacher_image_cache *c, const char *const *in_use, size_t n,
                    size_t *removed, hacher_error_t *err)
{
  struct gc_arg a = {in_use, n, 0};

  if (each_blob(c, gc_one, &a, err) < 0)
    return -1;
  gc_dir(c, "index");
  gc_dir(c, "tmp");
  *removed = a.removed;
  return 0;
}
