/* erofs_build tests: trees built in temporary directories, images written by
 * erofs_build and read back three ways: our reader (libos/erofs.c), fsck.erofs
 * and a kernel loop mount compared with the host tree (diff -r and find
 * listings). Checks that need a tool or loop devices say so and skip. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "libos/erofs.h"
#include "snapshotter/erofs_build.h"
#include "unit.h"

#define MIB (1u << 20)
#define GIB (1ull << 30)
#define BIGDIR_N 10000

/* ---- host helpers ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
  va_list ap;
  char *cmd;
  int st;

  va_start(ap, fmt);
  cmd = xvasprintf(fmt, ap);
  va_end(ap);
  st = system(cmd);
  free(cmd);
  return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have(const char *tool)
{
  return sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

/* Owners, device nodes and loop mounts need root; say so and skip otherwise. */
static int need_root(void)
{
  if (geteuid() == 0)
    return 1;
  printf("  skipped: needs root\n");
  return 0;
}

/* A fresh work directory: WORK/root is the tree, images go next to it. */
static char *new_work(void)
{
  char *w = xstrdup("/tmp/erofs-build.XXXXXX");
  char *root;

  if (mkdtemp(w) == NULL) {
    unit_fail(__FILE__, __LINE__, "mkdtemp");
    return w;
  }
  root = xasprintf("%s/root", w);
  mkdir(root, 0755);
  free(root);
  return w;
}

static void drop_work(char *w, char *root, char *img)
{
  sh("umount '%s/mnt' 2>/dev/null; rm -rf '%s'", w, w);
  free(w);
  free(root);
  free(img);
}

static char *pth(const char *dir, const char *rel)
{
  return xasprintf("%s/%s", dir, rel);
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static void put_file(const char *dir, const char *rel, const void *data, size_t len, int mode)
{
  char *p = pth(dir, rel);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

  if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
    unit_fail(__FILE__, __LINE__, p);
  if (fd >= 0)
    close(fd);
  free(p);
}

static void put_dir(const char *dir, const char *rel, int mode)
{
  char *p = pth(dir, rel);

  if (mkdir(p, (mode_t)mode) != 0 || chmod(p, (mode_t)mode) != 0)
    unit_fail(__FILE__, __LINE__, p);
  free(p);
}

static void put_link(const char *dir, const char *rel, const char *target)
{
  char *p = pth(dir, rel);

  if (symlink(target, p) != 0)
    unit_fail(__FILE__, __LINE__, p);
  free(p);
}

static void put_hardlink(const char *dir, const char *from, const char *to)
{
  char *a = pth(dir, from), *b = pth(dir, to);

  if (linkat(AT_FDCWD, a, AT_FDCWD, b, 0) != 0)
    unit_fail(__FILE__, __LINE__, b);
  free(a);
  free(b);
}

/* Build the image of root at img; on failure the message goes to *msg (if
 * given) or is printed. Returns erofs_build's result. */
static int build(const char *root, char *const *skip, size_t n, const char *img, uint64_t *size,
                 char **msg)
{
  hacher_error_t err = NULL;
  int fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  int rc = erofs_build(root, skip, n, fd, size, &err);

  if (rc < 0 && msg != NULL)
    *msg = xstrdup(err->msg);
  else if (rc < 0)
    printf("  erofs_build: %s\n", err->msg);
  hacher_error_release(&err);
  close(fd);
  return rc;
}

/* ---- our reader vs the host tree ---- */

struct image {
  uint8_t *base;
  uint64_t size;
  struct erofs_fs fs;
};

static int image_open(struct image *im, const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  memset(im, 0, sizeof(*im));
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  im->size = (uint64_t)st.st_size;
  im->base = mmap(NULL, im->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (im->base == MAP_FAILED) {
    im->base = NULL;
    return -1;
  }
  return erofs_mount(&im->fs, im->base, im->size);
}

static void image_close(struct image *im)
{
  if (im->base != NULL)
    munmap(im->base, im->size);
  im->base = NULL;
}

/* nid of a relative path, or 0 (the root nid is never 0 here) */
static uint64_t resolve(const struct erofs_fs *fs, const char *rel)
{
  uint64_t nid = fs->root_nid;

  while (*rel) {
    size_t n = strcspn(rel, "/");
    struct erofs_inode dir;

    if (erofs_iget(fs, nid, &dir) != 0 || erofs_lookup(fs, &dir, rel, n, &nid) != 0)
      return 0;
    rel += n + (rel[n] == '/');
  }
  return nid;
}

struct rctx {
  const struct erofs_fs *fs;
  int fails;
  uint8_t *a, *b;
};

static void note(struct rctx *c, const char *what, const char *path)
{
  if (c->fails++ < 5)
    printf("  reader: %s: %s\n", what, path);
}

static int order(const char *a, size_t al, const char *b, size_t bl)
{
  int r = memcmp(a, b, al < bl ? al : bl);

  return r != 0 ? r : (al > bl) - (al < bl);
}

static void r_node(struct rctx *c, uint64_t nid, uint64_t parent, const char *host);

static void r_file(struct rctx *c, const struct erofs_inode *ino, const char *host)
{
  int fd = open(host, O_RDONLY | O_CLOEXEC);

  for (uint64_t off = 0; fd >= 0 && off < ino->size; off += MIB) {
    size_t want = ino->size - off < MIB ? (size_t)(ino->size - off) : MIB;

    if (pread(fd, c->a, want, (off_t)off) != (ssize_t)want ||
        erofs_read(c->fs, ino, off, c->b, want) != (int64_t)want || memcmp(c->a, c->b, want)) {
      note(c, "file data differs", host);
      break;
    }
  }
  if (fd < 0)
    note(c, "open", host);
  else
    close(fd);
}

static void r_link(struct rctx *c, const struct erofs_inode *ino, const char *host)
{
  char t[4096];
  ssize_t n = readlink(host, t, sizeof(t));

  if (n < 0 || erofs_read(c->fs, ino, 0, c->b, ino->size) != n || memcmp(t, c->b, (size_t)n))
    note(c, "symlink target differs", host);
}

static int str_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t host_names(const char *dir, char ***out)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  size_t n = 0;
  char **v = NULL;

  while (d != NULL && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    v = xrealloc(v, (n + 1) * sizeof(*v));
    v[n++] = xstrdup(de->d_name);
  }
  if (d != NULL)
    closedir(d);
  if (n > 1)
    qsort(v, n, sizeof(*v), str_cmp);
  *out = v;
  return n;
}

/* readdir gives ".", ".." and the host's names, strictly in memcmp order;
 * lookup finds each; every child matches too. */
static void r_dir(struct rctx *c, const struct erofs_inode *dir, uint64_t parent, const char *host)
{
  char **names, prev[256];
  size_t n = host_names(host, &names), k = 0, plen = 0;
  struct erofs_dirent e;
  uint64_t pos = 0, nid;
  int first = 1, r;

  while ((r = erofs_readdir(c->fs, dir, &pos, &e)) == 1) {
    if (!first && order(prev, plen, e.name, e.name_len) >= 0)
      note(c, "readdir order", host);
    first = 0;
    memcpy(prev, e.name, plen = e.name_len);
    if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) {
      if (e.nid != (e.name[1] ? parent : dir->nid))
        note(c, "dot entry", host);
      continue;
    }
    if (k >= n || strcmp(names[k], e.name) != 0) {
      note(c, "entry differs", host);
      break;
    }
    if (erofs_lookup(c->fs, dir, e.name, e.name_len, &nid) != 0 || nid != e.nid)
      note(c, "lookup", names[k]);
    char *child = pth(host, names[k++]);
    r_node(c, e.nid, dir->nid, child);
    free(child);
  }
  if (r < 0 || k != n)
    note(c, "entries missing", host);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static void r_node(struct rctx *c, uint64_t nid, uint64_t parent, const char *host)
{
  struct erofs_inode ino;
  struct stat st;
  uint32_t rdev;

  if (lstat(host, &st) != 0 || erofs_iget(c->fs, nid, &ino) != 0) {
    note(c, "lstat/iget", host);
    return;
  }
  rdev = (uint32_t)makedev((ino.rdev & 0xfff00) >> 8,
                           (ino.rdev & 0xff) | ((ino.rdev >> 12) & 0xfff00));
  if (ino.mode != st.st_mode || ino.uid != st.st_uid || ino.gid != st.st_gid ||
      (int64_t)ino.mtime != st.st_mtim.tv_sec || ino.mtime_nsec != st.st_mtim.tv_nsec ||
      ino.nlink != st.st_nlink || (!S_ISDIR(st.st_mode) && ino.size != (uint64_t)st.st_size) ||
      ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && rdev != st.st_rdev))
    note(c, "metadata differs", host);
  if (S_ISREG(st.st_mode))
    r_file(c, &ino, host);
  else if (S_ISLNK(st.st_mode))
    r_link(c, &ino, host);
  else if (S_ISDIR(st.st_mode))
    r_dir(c, &ino, parent, host);
}

/* Number of differences between the image (through our reader) and host. */
static int reader_diffs(const char *img, const char *host)
{
  struct image im;
  struct rctx c = {0};

  if (image_open(&im, img) != 0) {
    image_close(&im);
    printf("  reader: cannot mount %s\n", img);
    return 1;
  }
  c.fs = &im.fs;
  c.a = xmalloc(MIB);
  c.b = xmalloc(MIB);
  r_node(&c, im.fs.root_nid, im.fs.root_nid, host);
  free(c.a);
  free(c.b);
  image_close(&im);
  return c.fails;
}

/* ---- fsck.erofs and the kernel ---- */

static int fsck_ok(const char *img)
{
  if (!have("fsck.erofs")) {
    printf("  fsck.erofs not installed: skipped\n");
    return 1;
  }
  return sh("{ fsck.erofs '%s' && fsck.erofs --extract '%s'; } >'%s.fsck' 2>&1 || "
            "{ cat '%s.fsck'; false; }",
            img, img, img, img) == 0;
}

static int mount_image(const char *work, const char *img)
{
  if (sh("mkdir -p '%s/mnt' && mount -t erofs -o loop,ro '%s' '%s/mnt' 2>/dev/null", work, img,
         work) == 0)
    return 1;
  printf("  kernel: EROFS loop mount unavailable: skipped\n");
  return 0;
}

/* Sorted find listing of every entry's metadata; directory sizes are left
 * out (EROFS has its own). */
static void listing(const char *dir, const char *out)
{
  sh("cd '%s' && { find . ! -type d -printf '%%p %%y %%s %%m %%u %%g %%T@ %%n %%l\\n'; "
     "find . -type d -printf '%%p %%y %%m %%u %%g %%T@ %%n\\n'; } | LC_ALL=C sort > '%s'",
     dir, out);
}

/* The kernel's view equals the host tree: contents (diff -r, unless the tree
 * holds special files) and the listings. Differences are printed. */
static int kernel_ok(const char *work, const char *img, const char *host, int contents)
{
  char *mnt = pth(work, "mnt"), *hl = pth(work, "host.lst"), *kl = pth(work, "kernel.lst");
  int ok = 1;

  if (mount_image(work, img)) {
    if (contents && sh("diff -r --no-dereference '%s' '%s'", host, mnt) != 0)
      ok = 0;
    listing(host, hl);
    listing(mnt, kl);
    if (sh("diff '%s' '%s' > '%s.diff' || { head -20 '%s.diff'; false; }", hl, kl, kl, kl) != 0)
      ok = 0;
    sh("umount '%s'", mnt);
  }
  free(mnt);
  free(hl);
  free(kl);
  return ok;
}

/* ---- trees ---- */

static void set_attr(const char *dir, const char *rel, int mode, int uid, int gid)
{
  char *p = pth(dir, rel);

  if ((uid >= 0 && lchown(p, (uid_t)uid, (gid_t)gid) != 0) ||
      (mode >= 0 && chmod(p, (mode_t)mode) != 0))
    unit_fail(__FILE__, __LINE__, p);
  free(p);
}

static void set_mtime(const char *dir, const char *rel, int64_t sec, long nsec)
{
  struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)sec, nsec}};
  char *p = pth(dir, rel);

  if (utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) != 0)
    unit_fail(__FILE__, __LINE__, p);
  free(p);
}

static void put_long_link(const char *dir, const char *rel, size_t len)
{
  char *t = xmalloc(len + 1);

  for (size_t i = 0; i < len; i++)
    t[i] = i % 100 == 99 ? '/' : 'x';
  t[len] = '\0';
  put_link(dir, rel, t);
  free(t);
}

/* A directory whose EROFS data is exactly `size` bytes: k entries (plus "."
 * and "..", 27 bytes) with names of near-equal lengths. */
static void put_sized_dir(const char *root, const char *rel, size_t size, size_t k)
{
  size_t total = size - 27 - 12 * k;
  char *dir = pth(root, rel), name[256], idx[24];

  put_dir(root, rel, 0755);
  for (size_t i = 0; i < k; i++) {
    size_t len = total / k + (i < total % k);

    memset(name, 'n', len);
    name[len] = '\0';
    snprintf(idx, sizeof(idx), "%04zu", i);
    memcpy(name, idx, 4);
    put_file(dir, name, NULL, 0, 0644);
  }
  free(dir);
}

static void put_name_tree(const char *root)
{
  char name[256], *d;

  memset(name, 'L', 255);
  name[255] = '\0';
  put_file(root, name, "long", 4, 0644);
  memset(name, 'D', 255);
  put_dir(root, name, 0755);
  d = pth(root, name);
  memset(name, 'F', 255);
  put_file(d, name, "f255", 4, 0644);
  name[254] = '\0';
  put_file(d, name, "f254", 4, 0644);
  free(d);
  /* Names sorting before and around "." and "..", and bytes >= 0x80. */
  static const char *const odd[] = {
      "-dash",    "+plus", "!bang", ".hidden", "..dots", "\xc3\xa9t\xc3\xa9",
      "\xff\xfe", "A",     "a_",    "Z"};
  for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
    put_file(root, odd[i], odd[i], strlen(odd[i]), 0644);
}

static void put_links(const char *root)
{
  put_dir(root, "sub", 0755);
  put_dir(root, "sub/deep", 0755);
  put_file(root, "hl1", "shared\n", 7, 0644);
  put_hardlink(root, "hl1", "sub/hl2");
  put_hardlink(root, "hl1", "sub/deep/hl3");
  put_link(root, "abs", "/etc/passwd");
  put_link(root, "rel", "size_1");
  put_link(root, "escape", "../../../../../../etc/shadow");
  put_link(root, "sub/up", "../size_4097");
  put_link(root, "dangling", "does/not/exist");
  put_hardlink(root, "abs", "abs_hl"); /* a hard link to a symlink */
  put_long_link(root, "long4032", 4032);
  put_long_link(root, "long4033", 4033);
  put_long_link(root, "long4095", 4095);
}

static void put_modes(const char *root)
{
  put_file(root, "setuid", "#!", 2, 0644);
  set_attr(root, "setuid", 04755, -1, -1);
  put_file(root, "setgid", "#!", 2, 0644);
  set_attr(root, "setgid", 02711, -1, -1);
  put_file(root, "none", "", 0, 0644);
  set_attr(root, "none", 0, -1, -1);
  put_dir(root, "setgid_dir", 02775);
  put_dir(root, "sticky", 01777);
  put_file(root, "owned", "o", 1, 0640);
  set_attr(root, "owned", 06750, 1234, 5678);
  put_dir(root, "owned_dir", 0700);
  set_attr(root, "owned_dir", 0700, 1234, 5678);
  put_link(root, "owned_link", "owned");
  set_attr(root, "owned_link", -1, 1234, 5678);
  put_file(root, "nsec", "n", 1, 0644);
  set_mtime(root, "nsec", 1234567890, 123456789);
  put_file(root, "old", "o", 1, 0644);
  set_mtime(root, "old", -1000000, 5);
  put_file(root, "future", "f", 1, 0644);
  set_mtime(root, "future", 4102444800, 999999999);
  set_mtime(root, "rel", 1500000000, 42);
}

/* Everything the image must carry, except the 1 GiB and 10,000-entry cases. */
static void make_tree(const char *root)
{
  static const size_t sizes[] = {0, 1, 4095, 4096, 4097, MIB};
  uint8_t *buf = xmalloc(MIB + 16);
  char name[64];

  fill_random(buf, MIB + 16, 7);
  for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
    snprintf(name, sizeof(name), "size_%zu", sizes[i]);
    put_file(root, name, buf + i, sizes[i], 0644);
  }
  memset(buf, 0, 4096); /* an allocated all-zero chunk becomes a hole */
  put_file(root, "zero_then_data", buf, 8192, 0644);
  free(buf);
  put_dir(root, "a", 0755);
  put_dir(root, "a/b", 0750);
  put_dir(root, "a/b/c", 0700);
  put_dir(root, "a/b/c/d", 0755);
  put_file(root, "a/b/c/d/deep.txt", "deep\n", 5, 0644);
  put_dir(root, "emptydir", 0755);
  put_name_tree(root);
  put_links(root);
  put_modes(root);
}

/* ---- tests ---- */

TEST(erofs_build_tree)
{
  if (!need_root())
    return;
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  uint64_t size = 0, nid;
  struct image im;
  struct stat st;

  make_tree(root);
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  CHECK(stat(img, &st) == 0 && (uint64_t)st.st_size == size && size % 4096 == 0);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  if (image_open(&im, img) == 0) {
    nid = resolve(&im.fs, "hl1");
    CHECK(nid != 0 && resolve(&im.fs, "sub/hl2") == nid && resolve(&im.fs, "sub/deep/hl3") == nid);
    CHECK(resolve(&im.fs, "abs") != 0 && resolve(&im.fs, "abs") == resolve(&im.fs, "abs_hl"));
  }
  image_close(&im);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  drop_work(w, root, img);
}

static uint64_t ld(const uint8_t *p, int n)
{
  uint64_t v = 0;

  while (n-- > 0)
    v = v << 8 | p[n];
  return v;
}

static int all_zero(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0)
      return 0;
  return 1;
}

/* Superblock fields, byte by byte; every inode extended. */
static void check_super(const char *img, uint64_t size, uint64_t inos, uint32_t incompat)
{
  struct image im;
  const uint8_t *sb;

  if (image_open(&im, img) != 0) {
    unit_fail(__FILE__, __LINE__, "image_open");
    image_close(&im);
    return;
  }
  sb = im.base + 1024;
  CHECK(all_zero(im.base, 1024));
  CHECK_EQ_INT(ld(sb, 4), 0xE0F5E1E2);
  CHECK_EQ_INT(ld(sb + 4, 4), 0);   /* checksum */
  CHECK_EQ_INT(ld(sb + 8, 4), 2);   /* feature_compat: mtime, no sb_csum */
  CHECK_EQ_INT(sb[12], 12);         /* blkszbits */
  CHECK_EQ_INT(ld(sb + 14, 2), 36); /* root nid: right after the superblock */
  CHECK_EQ_INT(ld(sb + 16, 8), inos);
  CHECK_EQ_INT(ld(sb + 24, 8), 0); /* build time */
  CHECK_EQ_INT(ld(sb + 32, 4), 0);
  CHECK_EQ_INT(ld(sb + 36, 4) * 4096, size);
  CHECK_EQ_INT(ld(sb + 40, 4), 0); /* meta_blkaddr */
  CHECK_EQ_INT(ld(sb + 44, 4), 0); /* xattr_blkaddr */
  CHECK(all_zero(sb + 48, 32));    /* uuid, volume name */
  CHECK_EQ_INT(ld(sb + 80, 4), incompat);
  CHECK(all_zero(sb + 84, 128 - 84));
  CHECK_EQ_INT(im.fs.inos, inos);
  for (const char *const *p = (const char *const[]){"", "f", "d", "d/e", NULL}; *p; p++) {
    uint64_t nid = **p ? resolve(&im.fs, *p) : im.fs.root_nid;
    CHECK(nid != 0 && (im.base[nid * 32] & 1) == 1 && ld(im.base + nid * 32 + 2, 2) == 0);
  }
  image_close(&im);
}

TEST(erofs_build_superblock)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  uint64_t size = 0;

  put_file(root, "f", "x", 1, 0644);
  put_dir(root, "d", 0755);
  put_file(root, "d/e", "", 0, 0644);
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  CHECK_EQ_INT(size, 2 * 4096); /* metadata in block 0, one data block */
  check_super(img, size, 4, 4);
  if (have("dump.erofs"))
    CHECK(sh("dump.erofs -s '%s' 2>/dev/null | grep -q 'features: *mtime chunked_file *$'", img) ==
          0);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  drop_work(w, root, img);
}

TEST(erofs_build_empty_root)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  uint64_t size = 0;
  struct image im;

  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  CHECK_EQ_INT(size, 4096);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  if (image_open(&im, img) == 0) {
    CHECK_EQ_INT(im.fs.inos, 1);
    CHECK_EQ_INT(im.fs.feature_incompat, 0); /* no chunk-based file */
  }
  image_close(&im);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  drop_work(w, root, img);
}

/* 1 when file offset off of rel reads from a hole (not from image blocks). */
static int is_hole(const struct image *im, const char *rel, uint64_t off)
{
  struct erofs_inode ino;
  uint64_t avail;
  const uint8_t *p;

  if (erofs_iget(&im->fs, resolve(&im->fs, rel), &ino) != 0)
    return -1;
  p = erofs_data_ptr(&im->fs, &ino, off, &avail);
  return p != NULL && (p < im->base || p >= im->base + im->size);
}

TEST(erofs_build_sparse_1g)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img"), *f = pth(root, "sparse");
  uint8_t *zeros = xmalloc0(MIB);
  uint64_t size = 0;
  struct image im;
  int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  CHECK(fd >= 0 && pwrite(fd, "middle", 6, GIB / 2 + 100) == 6 &&
        pwrite(fd, "the end", 7, GIB - 7) == 7);
  close(fd);
  put_file(root, "zeros", zeros, MIB, 0644); /* written zeros: holes in the image too */
  free(zeros);
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  /* 1 MiB block map for 1 GiB, 2 data blocks, a few KiB of the rest. */
  printf("  1 GiB sparse file: image of %llu bytes\n", (unsigned long long)size);
  CHECK(size < MIB + 16 * 4096);
  if (image_open(&im, img) == 0) {
    CHECK_EQ_INT(is_hole(&im, "sparse", 0), 1);
    CHECK_EQ_INT(is_hole(&im, "sparse", GIB / 2 + 100), 0);
    CHECK_EQ_INT(is_hole(&im, "sparse", GIB - 7), 0);
    CHECK_EQ_INT(is_hole(&im, "zeros", 4096), 1);
  }
  image_close(&im);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  free(f);
  drop_work(w, root, img);
}

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void big_name(char *name, size_t cap, int i)
{
  static const char pad[] = "_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int len = (i * 37) % 250;

  snprintf(name, cap, "e%05d", i);
  for (int k = 6; k < 6 + len && k < 255; k++)
    name[k] = pad[k % (sizeof(pad) - 1)];
  name[6 + len < 255 ? 6 + len : 255] = '\0';
}

TEST(erofs_build_big_dir)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img"), *big = pth(root, "big");
  char name[300];
  struct erofs_inode dir;
  struct image im;
  uint64_t size = 0, nid;
  int bad = 0;
  double t;

  put_dir(root, "big", 0755);
  for (int i = 0; i < BIGDIR_N; i++) {
    big_name(name, sizeof(name), i);
    if (i % 100 == 0)
      put_dir(big, name, 0755);
    else
      put_file(big, name, name, (size_t)(i % 5), 0644);
  }
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  if (image_open(&im, img) == 0 && erofs_iget(&im.fs, resolve(&im.fs, "big"), &dir) == 0) {
    CHECK(dir.size > 300 * 4096 && dir.datalayout == EROFS_INODE_FLAT_PLAIN);
    CHECK_EQ_INT(dir.nlink, 2 + BIGDIR_N / 100);
    t = now();
    for (int i = 0; i < BIGDIR_N; i++) {
      big_name(name, sizeof(name), i);
      bad += erofs_lookup(&im.fs, &dir, name, strlen(name), &nid) != 0;
      strcat(name, "~"); /* sorts after name, before the next one */
      bad += erofs_lookup(&im.fs, &dir, name, strlen(name), &nid) != -ENOENT;
    }
    t = now() - t;
    printf("  %d lookups (half missing) in a %llu-byte directory: %.1f ms\n", 2 * BIGDIR_N,
           (unsigned long long)dir.size, t * 1e3);
    CHECK_EQ_INT(bad, 0);
    CHECK(t < 1.0);
  } else {
    unit_fail(__FILE__, __LINE__, "open image");
  }
  image_close(&im);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  free(big);
  drop_work(w, root, img);
}

/* Inline data (directories, symlinks) up to 4032 bytes, after its inode in one
 * block; larger in data blocks. */
TEST(erofs_build_inline_limits)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  static const struct {
    const char *path;
    uint64_t size;
    uint32_t layout;
  } want[] = {
      {"d4032", 4032, EROFS_INODE_FLAT_INLINE},   {"d4033", 4033, EROFS_INODE_FLAT_PLAIN},
      {"d4096", 4096, EROFS_INODE_FLAT_PLAIN},    {"long4032", 4032, EROFS_INODE_FLAT_INLINE},
      {"long4033", 4033, EROFS_INODE_FLAT_PLAIN}, {"long4095", 4095, EROFS_INODE_FLAT_PLAIN}};
  struct erofs_inode ino;
  struct image im;
  uint64_t size = 0;

  put_file(root, "a_small", "s", 1, 0644); /* so the inline ones need a fresh block */
  put_sized_dir(root, "d4032", 4032, 20);
  put_sized_dir(root, "d4033", 4033, 20);
  put_sized_dir(root, "d4096", 4096, 20);
  put_long_link(root, "long4032", 4032);
  put_long_link(root, "long4033", 4033);
  put_long_link(root, "long4095", 4095);
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  if (image_open(&im, img) == 0) {
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
      uint64_t nid = resolve(&im.fs, want[i].path);

      CHECK(erofs_iget(&im.fs, nid, &ino) == 0 && ino.size == want[i].size &&
            ino.datalayout == want[i].layout);
      if (ino.datalayout == EROFS_INODE_FLAT_INLINE)
        CHECK_EQ_INT((nid * 32) % 4096, 0);
    }
  }
  image_close(&im);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  drop_work(w, root, img);
}

static void put_special(const char *root, const char *rel, mode_t mode, dev_t dev)
{
  char *p = pth(root, rel);

  if (mknod(p, mode, dev) != 0)
    unit_fail(__FILE__, __LINE__, p);
  free(p);
}

static void put_socket(const char *root, const char *rel)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int s = socket(AF_UNIX, SOCK_STREAM, 0);

  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", root, rel);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
    unit_fail(__FILE__, __LINE__, sa.sun_path);
  if (s >= 0)
    close(s);
}

TEST(erofs_build_skip)
{
  if (!need_root())
    return;
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  char *skip[] = {"fifo", "/sock", "chr", "blk", "skipdir", "sub/fifo2"};
  struct image im;
  uint64_t size = 0;

  put_special(root, "fifo", S_IFIFO | 0644, 0);
  put_socket(root, "sock");
  put_special(root, "chr", S_IFCHR | 0600, makedev(1, 3));
  put_special(root, "blk", S_IFBLK | 0600, makedev(7, 0));
  put_file(root, "keep", "k", 1, 0644);
  put_dir(root, "skipdir", 0755);
  put_file(root, "skipdir/inner", "i", 1, 0644);
  put_dir(root, "sub", 0755);
  put_special(root, "sub/fifo2", S_IFIFO | 0644, 0);
  CHECK_EQ_INT(build(root, skip, ARRAY_SIZE(skip), img, &size, NULL), 0);
  if (image_open(&im, img) == 0) {
    for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
      CHECK(resolve(&im.fs, skip[i] + (skip[i][0] == '/')) == 0);
    CHECK(resolve(&im.fs, "keep") != 0 && resolve(&im.fs, "sub") != 0);
  }
  image_close(&im);
  /* Without the skipped entries (same directory mtimes) the host tree and the
   * image are equal. */
  sh("cd '%s' && touch -r . ../t1 && touch -r sub ../t2 && rm -rf fifo sock chr blk skipdir "
     "sub/fifo2 && touch -r ../t1 . && touch -r ../t2 sub",
     root);
  CHECK_EQ_INT(reader_diffs(img, root), 0);
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 1));
  drop_work(w, root, img);
}

/* Special files not in the skip list are stored, with their device numbers. */
TEST(erofs_build_special_files)
{
  if (!need_root())
    return;
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img");
  uint64_t size = 0;

  put_special(root, "fifo", S_IFIFO | 0640, 0);
  put_socket(root, "sock");
  put_special(root, "chr", S_IFCHR | 0600, makedev(259, 300));
  put_special(root, "blk", S_IFBLK | 0660, makedev(7, 1));
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, NULL), 0);
  CHECK_EQ_INT(reader_diffs(img, root), 0); /* compares rdev too */
  CHECK(fsck_ok(img));
  CHECK(kernel_ok(w, img, root, 0));
  if (mount_image(w, img)) {
    CHECK(sh("cd '%s' && stat -c '%%n %%F %%t:%%T %%a' chr blk fifo sock > ../st.host && "
             "cd ../mnt && stat -c '%%n %%F %%t:%%T %%a' chr blk fifo sock > ../st.kernel && "
             "diff ../st.host ../st.kernel",
             root) == 0);
    sh("umount '%s/mnt'", w);
  }
  drop_work(w, root, img);
}

static void put_sparse(const char *root, const char *rel, uint64_t size)
{
  char *p = pth(root, rel);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  if (fd < 0 || pwrite(fd, "end", 3, (off_t)size - 3) != 3)
    unit_fail(__FILE__, __LINE__, p);
  if (fd >= 0)
    close(fd);
  free(p);
}

/* Same tree, same bytes: twice in a row, over a larger old file, and from a
 * `cp -a` copy (other inode numbers, other directory order, other holes). */
TEST(erofs_build_deterministic)
{
  if (!need_root())
    return;
  char *w = new_work(), *root = pth(w, "root"), *copy = pth(w, "copy");
  char *img1 = pth(w, "img1"), *img2 = pth(w, "img2"), *img3 = pth(w, "img3");
  uint8_t *junk = xmalloc(3 * MIB);
  uint64_t s1 = 0, s2 = 0, s3 = 0;

  make_tree(root);
  put_sparse(root, "sparse64m", 64 * MIB);
  CHECK_EQ_INT(build(root, NULL, 0, img1, &s1, NULL), 0);
  fill_random(junk, 3 * MIB, 3);
  put_file(w, "img2", junk, 3 * MIB, 0644);
  free(junk);
  CHECK_EQ_INT(build(root, NULL, 0, img2, &s2, NULL), 0);
  CHECK(s1 == s2 && sh("cmp '%s' '%s'", img1, img2) == 0);
  CHECK(sh("cp -a '%s' '%s'", root, copy) == 0);
  CHECK_EQ_INT(build(copy, NULL, 0, img3, &s3, NULL), 0);
  CHECK(s1 == s3 && sh("cmp '%s' '%s'", img1, img3) == 0);
  free(copy);
  free(img2);
  free(img3);
  drop_work(w, root, img1);
}

static int has(const char *msg, const char *part)
{
  int ok = msg != NULL && strstr(msg, part) != NULL;

  if (!ok)
    printf("  message \"%s\" lacks \"%s\"\n", msg ? msg : "(none)", part);
  return ok;
}

TEST(erofs_build_errors)
{
  char *w = new_work(), *root = pth(w, "root"), *img = pth(w, "img"), *msg = NULL;
  char shm[] = "/dev/shm/erofs-build.XXXXXX";
  hacher_error_t err = NULL;
  uint64_t size = 0;

  CHECK_EQ_INT(build("/nonexistent/rootfs", NULL, 0, img, &size, &msg), -1);
  CHECK(has(msg, "/nonexistent/rootfs"));
  free(msg);
  msg = NULL;
  CHECK_EQ_INT(erofs_build(root, NULL, 0, -1, &size, &err), -1);
  CHECK(err != NULL && has(err->msg, root));
  hacher_error_release(&err);
  put_file(w, "file", "x", 1, 0644);
  free(root);
  root = pth(w, "file");
  CHECK_EQ_INT(build(root, NULL, 0, img, &size, &msg), -1);
  CHECK(has(msg, "/file") && has(msg, "Not a directory"));
  free(msg);
  msg = NULL;
  /* Over 16 TiB: tmpfs stores such a sparse file, ext4 does not. */
  if (mkdtemp(shm) != NULL) {
    put_sparse(shm, "huge", (1ull << 44) + 4096);
    CHECK_EQ_INT(build(shm, NULL, 0, img, &size, &msg), -1);
    CHECK(has(msg, "/huge") && has(msg, "16 TiB"));
    free(msg);
    sh("rm -rf '%s'", shm);
  }
  drop_work(w, root, img);
}
