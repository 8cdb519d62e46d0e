/* EROFS reader tests: images built by mkfs.erofs from a host tree are compared
 * with the host's view (lstat/readdir/read), then corrupted in many ways. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libos/erofs.h"
#include "unit.h"

#define BIGDIR_N 2000
#define SPARSE_SIZE (64ull << 20)

/* ---- host helpers ---- */

static int have_mkfs(void)
{
  const char *path = getenv("PATH");
  char buf[4096];

  if (path == NULL)
    path = "/usr/sbin:/usr/bin:/sbin:/bin";
  while (*path) {
    size_t n = strcspn(path, ":");
    snprintf(buf, sizeof(buf), "%.*s/mkfs.erofs", (int)n, path);
    if (access(buf, X_OK) == 0)
      return 1;
    path += n;
    if (*path == ':')
      path++;
  }
  return 0;
}

static int run(char *const argv[])
{
  int st;
  pid_t pid = fork();

  if (pid < 0)
    return -1;
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) < 0)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  if (fd < 0)
    return;
  if (len && write(fd, data, len) != (ssize_t)len)
    unit_fail(__FILE__, __LINE__, "short write");
  close(fd);
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static uint8_t *slurp(const char *path, size_t *len)
{
  struct stat st;
  uint8_t *buf;
  int fd = open(path, O_RDONLY);

  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  buf = malloc(st.st_size ? (size_t)st.st_size : 1);
  size_t got = 0;
  while (buf && got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  *len = got;
  return buf;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

/* ---- fixtures: one temp dir with trees and lazily built images ---- */

enum variant { V_PLAIN, V_INLINE, V_CHUNKED, V_EXTENDED, V_SMALL_INLINE, V_SMALL_PLAIN, V_MAX };

static char tmpdir[64];
static int tree_built, small_built, have_dev;
static struct {
  int built;
  uint8_t *base;
  size_t size;
} images[V_MAX];

static void cleanup(void)
{
  for (int v = 0; v < V_MAX; v++)
    if (images[v].base)
      munmap(images[v].base, images[v].size);
  if (tmpdir[0])
    nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int ensure_tmpdir(void)
{
  if (tmpdir[0])
    return 0;
  strcpy(tmpdir, "/tmp/erofs-test.XXXXXX");
  if (mkdtemp(tmpdir) == NULL) {
    tmpdir[0] = 0;
    return -1;
  }
  atexit(cleanup);
  return 0;
}

static void pathf(char *out, size_t n, const char *fmt, const char *a)
{
  snprintf(out, n, "%s/", tmpdir);
  snprintf(out + strlen(out), n - strlen(out), fmt, a);
}

static int build_tree(void)
{
  char p[512], q[512], name[300];
  uint8_t *buf;
  int fd;

  if (tree_built)
    return 0;
  if (ensure_tmpdir() != 0)
    return -1;
  pathf(p, sizeof(p), "%s", "root");
  mkdir(p, 0755);
  buf = malloc((1 << 20) + 16);
  fill_random(buf, (1 << 20) + 16, 42);
  const size_t sizes[] = {0, 1, 4095, 4096, 4097, 1 << 20};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    snprintf(name, sizeof(name), "root/size_%zu", sizes[i]);
    pathf(p, sizeof(p), "%s", name);
    write_file(p, buf + i, sizes[i]);
  }
  free(buf);

  /* Sparse: 64 MiB with data at the very end (and a bit in the middle). */
  pathf(p, sizeof(p), "%s", "root/sparse");
  fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (pwrite(fd, "middle", 6, SPARSE_SIZE / 2 + 100) != 6 ||
        pwrite(fd, "the end", 7, SPARSE_SIZE - 7) != 7)
      unit_fail(__FILE__, __LINE__, "sparse pwrite");
    close(fd);
  }

  pathf(p, sizeof(p), "%s", "root/d1");
  mkdir(p, 0750);
  pathf(p, sizeof(p), "%s", "root/d1/d2");
  mkdir(p, 0700);
  pathf(p, sizeof(p), "%s", "root/d1/d2/d3");
  mkdir(p, 0755);
  pathf(p, sizeof(p), "%s", "root/d1/d2/d3/deep.txt");
  write_file(p, "deep\n", 5);
  pathf(p, sizeof(p), "%s", "root/d1/emptydir");
  mkdir(p, 0755);

  pathf(p, sizeof(p), "%s", "root/big");
  mkdir(p, 0755);
  for (int i = 0; i < BIGDIR_N; i++) {
    /* Varying lengths so names do not pack evenly into blocks. */
    snprintf(name, sizeof(name), "root/big/e%05d%.*s", i * 2, i % 37,
             "_abcdefghijklmnopqrstuvwxyz0123456789");
    pathf(p, sizeof(p), "%s", name);
    write_file(p, name, (size_t)(i % 3));
  }

  pathf(p, sizeof(p), "%s", "root/long");
  mkdir(p, 0755);
  /* mkfs.erofs 1.5 cuts 255-byte names to 254 and then fails, so the
   * longest names here are 254 bytes (255 is tested on a synthetic image). */
  for (int i = 0; i < 20; i++) {
    memset(name, 'a' + i, 254 - i);
    name[254 - i] = 0;
    snprintf(q, sizeof(q), "root/long/%s", name);
    pathf(p, sizeof(p), "%s", q);
    write_file(p, name, 10);
  }

  /* 4091 bytes of dirents: too big to inline after the inode, so FLAT_PLAIN. */
  pathf(p, sizeof(p), "%s", "root/plaindir");
  mkdir(p, 0755);
  for (int i = 0; i < 16; i++) {
    snprintf(q, sizeof(q), "root/plaindir/p%02d", i);
    memset(q + strlen(q), 'z', 239);
    q[14 + 3 + 239] = 0;
    pathf(p, sizeof(p), "%s", q);
    write_file(p, "p", 1);
  }

  pathf(p, sizeof(p), "%s", "root/rel_link");
  if (symlink("d1/d2/d3/deep.txt", p) != 0)
    unit_fail(__FILE__, __LINE__, "symlink");
  pathf(p, sizeof(p), "%s", "root/abs_link");
  if (symlink("/etc/hostname/does/not/matter", p) != 0)
    unit_fail(__FILE__, __LINE__, "symlink");
  memset(name, 'L', 200);
  name[200] = 0;
  pathf(p, sizeof(p), "%s", "root/long_link");
  if (symlink(name, p) != 0)
    unit_fail(__FILE__, __LINE__, "symlink");

  pathf(p, sizeof(p), "%s", "root/size_4097");
  pathf(q, sizeof(q), "%s", "root/d1/hardlink");
  if (link(p, q) != 0)
    unit_fail(__FILE__, __LINE__, "link");

  pathf(p, sizeof(p), "%s", "root/size_1");
  chown(p, 1234, 5678);
  pathf(p, sizeof(p), "%s", "root/d1");
  chown(p, 1234, 5678);
  pathf(p, sizeof(p), "%s", "root/size_4095");
  chown(p, 100000, 200000); /* > 16 bits: forces an extended inode */
  pathf(p, sizeof(p), "%s", "root/size_4096");
  chmod(p, 04755);
  pathf(p, sizeof(p), "%s", "root/size_0");
  chmod(p, 02640);
  pathf(p, sizeof(p), "%s", "root/d1/d2");
  chmod(p, 01777);

  pathf(p, sizeof(p), "%s", "root/fifo");
  mkfifo(p, 0600);
  pathf(p, sizeof(p), "%s", "root/null");
  have_dev = mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0;
  pathf(p, sizeof(p), "%s", "root/blk");
  if (have_dev)
    mknod(p, S_IFBLK | 0660, makedev(259, 70000));

  pathf(p, sizeof(p), "%s", "root/sock");
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd >= 0) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(p) < sizeof(sa.sun_path)) {
      strcpy(sa.sun_path, p);
      bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    close(fd);
  }
  tree_built = 1;
  return 0;
}

static int build_small(void)
{
  char p[512];

  if (small_built)
    return 0;
  if (ensure_tmpdir() != 0)
    return -1;
  pathf(p, sizeof(p), "%s", "small");
  mkdir(p, 0755);
  pathf(p, sizeof(p), "%s", "small/a");
  write_file(p, "hello", 5);
  uint8_t buf[5000];
  fill_random(buf, sizeof(buf), 7);
  pathf(p, sizeof(p), "%s", "small/b");
  write_file(p, buf, sizeof(buf));
  pathf(p, sizeof(p), "%s", "small/sub");
  mkdir(p, 0755);
  pathf(p, sizeof(p), "%s", "small/sub/c");
  write_file(p, buf, 100);
  pathf(p, sizeof(p), "%s", "small/ln");
  symlink("sub/c", p);
  small_built = 1;
  return 0;
}

static const struct {
  const char *tree;
  const char *img;
  const char *opt1, *opt2;
} vspec[V_MAX] = {
    [V_PLAIN] = {"root", "plain.img", "-Enoinline_data", NULL},
    [V_INLINE] = {"root", "inline.img", NULL, NULL},
    [V_CHUNKED] = {"root", "chunked.img", "--chunksize=4096", NULL},
    [V_EXTENDED] = {"root", "ext.img", "-Eforce-inode-extended", NULL},
    [V_SMALL_INLINE] = {"small", "small_inline.img", NULL, NULL},
    [V_SMALL_PLAIN] = {"small", "small_plain.img", "-Enoinline_data", NULL},
};

/* Map the image of variant v; NULL (after a failed check) if unavailable. */
static const uint8_t *image(enum variant v, size_t *size)
{
  char img[512], dir[512];
  char *argv[12];
  int n = 0, fd;
  struct stat st;

  if (images[v].built) {
    *size = images[v].size;
    return images[v].base;
  }
  if (!have_mkfs()) {
    unit_fail(__FILE__, __LINE__, "mkfs.erofs not found in PATH (install erofs-utils)");
    return NULL;
  }
  if ((vspec[v].tree[0] == 'r' ? build_tree() : build_small()) != 0) {
    unit_fail(__FILE__, __LINE__, "cannot create test tree under /tmp");
    return NULL;
  }
  pathf(img, sizeof(img), "%s", vspec[v].img);
  pathf(dir, sizeof(dir), "%s", vspec[v].tree);
  argv[n++] = "mkfs.erofs";
  if (vspec[v].opt1)
    argv[n++] = (char *)vspec[v].opt1;
  if (vspec[v].opt2)
    argv[n++] = (char *)vspec[v].opt2;
  argv[n++] = "-T0";
  argv[n++] = "-U";
  argv[n++] = "00000000-0000-0000-0000-000000000000";
  argv[n++] = "--quiet";
  argv[n++] = img;
  argv[n++] = dir;
  argv[n] = NULL;
  if (run(argv) != 0) {
    unit_fail(__FILE__, __LINE__, "mkfs.erofs failed");
    return NULL;
  }
  fd = open(img, O_RDONLY);
  if (fd < 0 || fstat(fd, &st) != 0) {
    unit_fail(__FILE__, __LINE__, "cannot open built image");
    return NULL;
  }
  images[v].base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (images[v].base == MAP_FAILED) {
    images[v].base = NULL;
    unit_fail(__FILE__, __LINE__, "mmap image");
    return NULL;
  }
  images[v].size = (size_t)st.st_size;
  images[v].built = 1;
  *size = images[v].size;
  return images[v].base;
}

/* Exact-size heap copy so ASan catches any read past the end. */
static uint8_t *copy_image(enum variant v, size_t *size)
{
  const uint8_t *b = image(v, size);
  uint8_t *c;

  if (b == NULL)
    return NULL;
  c = malloc(*size);
  memcpy(c, b, *size);
  return c;
}

/* ---- reader helpers ---- */

static int resolve(const struct erofs_fs *fs, const char *path, struct erofs_inode *out)
{
  struct erofs_inode cur;
  uint64_t nid;
  int r = erofs_iget(fs, fs->root_nid, &cur);

  while (r == 0 && *path) {
    size_t n;
    while (*path == '/')
      path++;
    n = strcspn(path, "/");
    if (n == 0)
      break;
    r = erofs_lookup(fs, &cur, path, n, &nid);
    if (r == 0)
      r = erofs_iget(fs, nid, &cur);
    path += n;
  }
  if (r == 0)
    *out = cur;
  return r;
}

static int ftype_of(mode_t m)
{
  switch (m & S_IFMT) {
  case S_IFREG: return 1;
  case S_IFDIR: return 2;
  case S_IFCHR: return 3;
  case S_IFBLK: return 4;
  case S_IFIFO: return 5;
  case S_IFSOCK: return 6;
  case S_IFLNK: return 7;
  }
  return 0;
}

struct name_ent {
  char name[256];
  int type;
  uint64_t nid;
};

static int name_ent_cmp(const void *a, const void *b)
{
  return strcmp(((const struct name_ent *)a)->name, ((const struct name_ent *)b)->name);
}

/* Per-walk statistics, to check which layouts a variant really exercised. */
struct walk_stats {
  int files, dirs, layouts_reg[5], layouts_dir[5];
};

static void check_data(const struct erofs_fs *fs, const struct erofs_inode *ino,
                       const uint8_t *want, size_t len, const char *hpath)
{
  uint8_t *got = malloc(len + 1);
  char msg[600];
  int64_t r;
  uint64_t off, avail;

  CHECK_EQ_INT(ino->size, len);
  r = erofs_read(fs, ino, 0, got, len + 1);
  CHECK_EQ_INT(r, len);
  if (r == (int64_t)len && memcmp(got, want, len) != 0) {
    snprintf(msg, sizeof(msg), "content of %s differs", hpath);
    unit_fail(__FILE__, __LINE__, msg);
  }
  /* Odd-sized pieces at odd offsets. */
  for (off = 0; off < len; off += 4093) {
    size_t n = len - off < 5001 ? len - off : 5001;
    r = erofs_read(fs, ino, off, got, 5001);
    if (r != (int64_t)n || memcmp(got, want + off, n) != 0) {
      snprintf(msg, sizeof(msg), "piece at %llu of %s differs", (unsigned long long)off, hpath);
      unit_fail(__FILE__, __LINE__, msg);
      break;
    }
  }
  CHECK_EQ_INT(erofs_read(fs, ino, len, got, 10), 0);
  CHECK_EQ_INT(erofs_read(fs, ino, UINT64_MAX, got, 10), 0);
  free(got);

  for (off = 0; off < len; off += avail) {
    const uint8_t *p = erofs_data_ptr(fs, ino, off, &avail);
    if (p == NULL || avail == 0 || avail > len - off || memcmp(p, want + off, avail) != 0) {
      snprintf(msg, sizeof(msg), "erofs_data_ptr at %llu of %s", (unsigned long long)off, hpath);
      unit_fail(__FILE__, __LINE__, msg);
      break;
    }
  }
  avail = 1;
  CHECK(erofs_data_ptr(fs, ino, len, &avail) == NULL && avail == 0);
}

/* Compare inode `ino` (reached as hpath on the host) recursively. */
static void compare(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t parent_nid,
                    const char *hpath, struct walk_stats *ws)
{
  struct stat st;
  char msg[700];

  if (lstat(hpath, &st) != 0) {
    unit_fail(__FILE__, __LINE__, "lstat");
    return;
  }
  if (ino->mode != st.st_mode || ino->uid != st.st_uid || ino->gid != st.st_gid ||
      ino->nlink != st.st_nlink || ino->mtime != 0) {
    snprintf(msg, sizeof(msg), "attrs of %s: mode %o/%o uid %u/%u gid %u/%u nlink %u/%u", hpath,
             ino->mode, st.st_mode, ino->uid, st.st_uid, ino->gid, st.st_gid, ino->nlink,
             (unsigned)st.st_nlink);
    unit_fail(__FILE__, __LINE__, msg);
  }
  if (S_ISREG(st.st_mode)) {
    size_t len;
    uint8_t *want = slurp(hpath, &len);
    ws->files++;
    if (ino->datalayout < 5)
      ws->layouts_reg[ino->datalayout]++;
    if (want)
      check_data(fs, ino, want, len, hpath);
    free(want);
  } else if (S_ISLNK(st.st_mode)) {
    char want[256], got[256];
    ssize_t n = readlink(hpath, want, sizeof(want) - 1);
    CHECK_EQ_INT(ino->size, n);
    CHECK_EQ_INT(erofs_read(fs, ino, 0, got, sizeof(got) - 1), n);
    if (n >= 0)
      CHECK(memcmp(got, want, (size_t)n) == 0);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    CHECK_EQ_INT(ino->rdev, st.st_rdev);
    CHECK_EQ_INT(ino->size, 0);
  } else if (S_ISDIR(st.st_mode)) {
    struct name_ent *h = calloc(BIGDIR_N + 16, sizeof(*h));
    struct name_ent *e = calloc(BIGDIR_N + 16, sizeof(*e));
    int nh = 0, ne = 0, r;
    DIR *d = opendir(hpath);
    struct dirent *de;
    struct erofs_dirent ed;
    uint64_t pos = 0, last = 0;

    ws->dirs++;
    if (ino->datalayout < 5)
      ws->layouts_dir[ino->datalayout]++;
    while (d && (de = readdir(d)) != NULL && nh < BIGDIR_N + 16) {
      char sub[4096];
      struct stat sst;
      snprintf(h[nh].name, sizeof(h[nh].name), "%s", de->d_name);
      snprintf(sub, sizeof(sub), "%s/%s", hpath, de->d_name);
      h[nh].type = lstat(sub, &sst) == 0 ? ftype_of(sst.st_mode) : 0;
      nh++;
    }
    if (d)
      closedir(d);
    while ((r = erofs_readdir(fs, ino, &pos, &ed)) == 1 && ne < BIGDIR_N + 16) {
      CHECK(pos > last);
      last = pos;
      CHECK_EQ_INT(strlen(ed.name), ed.name_len);
      snprintf(e[ne].name, sizeof(e[ne].name), "%s", ed.name);
      e[ne].type = ed.file_type;
      e[ne].nid = ed.nid;
      ne++;
    }
    CHECK_EQ_INT(r, 0);
    CHECK_EQ_INT(ne, nh);
    qsort(h, (size_t)nh, sizeof(*h), name_ent_cmp);
    qsort(e, (size_t)ne, sizeof(*e), name_ent_cmp);
    for (int i = 0; i < nh && i < ne; i++) {
      uint64_t nid = ~0ull;
      struct erofs_inode child;
      char sub[4096];

      if (strcmp(h[i].name, e[i].name) != 0 || h[i].type != e[i].type) {
        snprintf(msg, sizeof(msg), "%s: entry %s(%d) vs %s(%d)", hpath, h[i].name, h[i].type,
                 e[i].name, e[i].type);
        unit_fail(__FILE__, __LINE__, msg);
        break;
      }
      CHECK_EQ_INT(erofs_lookup(fs, ino, e[i].name, strlen(e[i].name), &nid), 0);
      CHECK_EQ_INT(nid, e[i].nid);
      if (strcmp(e[i].name, ".") == 0) {
        CHECK_EQ_INT(e[i].nid, ino->nid);
        continue;
      }
      if (strcmp(e[i].name, "..") == 0) {
        CHECK_EQ_INT(e[i].nid, parent_nid);
        continue;
      }
      if (erofs_iget(fs, e[i].nid, &child) != 0) {
        snprintf(msg, sizeof(msg), "iget %s/%s", hpath, e[i].name);
        unit_fail(__FILE__, __LINE__, msg);
        continue;
      }
      snprintf(sub, sizeof(sub), "%s/%s", hpath, e[i].name);
      compare(fs, &child, ino->nid, sub, ws);
    }
    free(h);
    free(e);
  }
}

static void compare_variant(enum variant v, struct walk_stats *ws)
{
  size_t size;
  const uint8_t *base = image(v, &size);
  struct erofs_fs fs;
  struct erofs_inode root;
  char hroot[512];

  memset(ws, 0, sizeof(*ws));
  if (base == NULL)
    return;
  CHECK_EQ_INT(erofs_mount(&fs, base, size), 0);
  CHECK_EQ_INT(fs.blkszbits, 12);
  CHECK_EQ_INT(erofs_iget(&fs, fs.root_nid, &root), 0);
  pathf(hroot, sizeof(hroot), "%s", vspec[v].tree);
  compare(&fs, &root, root.nid, hroot, ws);
  CHECK(ws->files > BIGDIR_N);
}

/* ---- a generic walk that only looks for crashes and counts errors ---- */

struct walk {
  int errors, inodes;
  uint8_t buf[8192];
};

static void walk(const struct erofs_fs *fs, uint64_t nid, int depth, struct walk *w)
{
  struct erofs_inode ino;
  struct erofs_dirent de;
  uint64_t pos = 0, avail, cnid;
  int r, n = 0;

  if (depth > 8 || w->inodes > 5000)
    return;
  w->inodes++;
  if (erofs_iget(fs, nid, &ino) != 0) {
    w->errors++;
    return;
  }
  for (uint64_t off = 0; off < ino.size && off < (1u << 20); off += sizeof(w->buf)) {
    if (erofs_read(fs, &ino, off, w->buf, sizeof(w->buf)) < 0) {
      w->errors++;
      break;
    }
    if (erofs_data_ptr(fs, &ino, off, &avail) == NULL)
      w->errors++;
  }
  if ((ino.mode & S_IFMT) != S_IFDIR)
    return;
  while (n++ < 3000 && (r = erofs_readdir(fs, &ino, &pos, &de)) == 1) {
    if (erofs_lookup(fs, &ino, de.name, de.name_len, &cnid) != 0 || cnid != de.nid)
      w->errors++;
    if (strcmp(de.name, ".") && strcmp(de.name, ".."))
      walk(fs, de.nid, depth + 1, w);
  }
  if (r < 0)
    w->errors++;
}

/* Mount and walk; returns mount error or the number of walk errors. */
static int mount_walk(const uint8_t *base, size_t size, struct walk *w)
{
  struct erofs_fs fs;
  int r = erofs_mount(&fs, base, size);

  memset(w, 0, sizeof(*w));
  if (r != 0)
    return r;
  walk(&fs, fs.root_nid, 0, w);
  return w->errors;
}

/* ---- tests ---- */

TEST(erofs_mount_superblock)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode root;

  if (base == NULL)
    return;
  CHECK_EQ_INT(erofs_mount(&fs, base, size), 0);
  CHECK_EQ_INT(fs.blkszbits, 12);
  CHECK_EQ_INT(fs.meta_blkaddr, 0);
  CHECK(fs.inos > BIGDIR_N);
  CHECK_EQ_INT(erofs_iget(&fs, fs.root_nid, &root), 0);
  CHECK_EQ_INT(root.mode & S_IFMT, S_IFDIR);
  CHECK_EQ_INT(erofs_mount(&fs, NULL, size), -EINVAL);
}

TEST(erofs_plain_matches_host)
{
  struct walk_stats ws;

  compare_variant(V_PLAIN, &ws);
  CHECK(ws.layouts_reg[EROFS_INODE_FLAT_PLAIN] == ws.files);
}

TEST(erofs_inline_matches_host)
{
  struct walk_stats ws;

  compare_variant(V_INLINE, &ws);
  CHECK(ws.layouts_reg[EROFS_INODE_FLAT_INLINE] > 0);
  CHECK(ws.layouts_reg[EROFS_INODE_FLAT_PLAIN] > 0);
  CHECK(ws.layouts_dir[EROFS_INODE_FLAT_INLINE] > 0);
  CHECK(ws.layouts_dir[EROFS_INODE_FLAT_PLAIN] > 0);
}

TEST(erofs_chunked_matches_host)
{
  struct walk_stats ws;
  size_t size;

  compare_variant(V_CHUNKED, &ws);
  CHECK(ws.layouts_reg[EROFS_INODE_CHUNK_BASED] > 0);
  /* Holes are not stored: the 64 MiB sparse file adds only a few blocks. */
  if (image(V_CHUNKED, &size))
    CHECK(size < (8u << 20));
}

TEST(erofs_extended_matches_host)
{
  struct walk_stats ws;

  compare_variant(V_EXTENDED, &ws);
}

TEST(erofs_compact_and_extended_inodes)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode a, b;
  const uint8_t *raw;

  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "size_1", &a), 0);
  CHECK_EQ_INT(resolve(&fs, "size_4095", &b), 0);
  raw = base + (fs.meta_blkaddr << fs.blkszbits);
  CHECK_EQ_INT(raw[a.nid * 32] & 1, 0); /* uid 1234 fits a compact inode */
  CHECK_EQ_INT(raw[b.nid * 32] & 1, 1);
  CHECK_EQ_INT(a.uid, 1234);
  CHECK_EQ_INT(a.gid, 5678);
  CHECK_EQ_INT(b.uid, 100000);
  CHECK_EQ_INT(b.gid, 200000);
}

TEST(erofs_hardlink_same_nid)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode a, b;

  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "size_4097", &a), 0);
  CHECK_EQ_INT(resolve(&fs, "d1/hardlink", &b), 0);
  CHECK_EQ_INT(a.nid, b.nid);
  CHECK_EQ_INT(a.nlink, 2);
}

TEST(erofs_special_files)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode ino;
  uint8_t buf[4];

  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "fifo", &ino), 0);
  CHECK_EQ_INT(ino.mode, S_IFIFO | 0600);
  CHECK_EQ_INT(erofs_read(&fs, &ino, 0, buf, sizeof(buf)), 0);
  CHECK_EQ_INT(resolve(&fs, "sock", &ino), 0);
  CHECK_EQ_INT(ino.mode & S_IFMT, S_IFSOCK);
  if (have_dev) {
    CHECK_EQ_INT(resolve(&fs, "null", &ino), 0);
    CHECK_EQ_INT(ino.rdev, makedev(1, 3));
    CHECK_EQ_INT(resolve(&fs, "blk", &ino), 0);
    CHECK_EQ_INT(major(ino.rdev), 259);
    CHECK_EQ_INT(minor(ino.rdev), 70000);
  }
  CHECK_EQ_INT(resolve(&fs, "fifo/x", &ino), -ENOTDIR);
}

TEST(erofs_sparse_file)
{
  for (enum variant v = V_PLAIN; v <= V_CHUNKED; v++) {
    size_t size;
    const uint8_t *base = image(v, &size);
    struct erofs_fs fs;
    struct erofs_inode ino;
    char buf[16];
    uint64_t avail, zeros = 0, off;

    if (base == NULL || erofs_mount(&fs, base, size) != 0)
      return;
    CHECK_EQ_INT(resolve(&fs, "sparse", &ino), 0);
    CHECK_EQ_INT(ino.size, SPARSE_SIZE);
    CHECK_EQ_INT(erofs_read(&fs, &ino, SPARSE_SIZE - 7, buf, sizeof(buf)), 7);
    CHECK(memcmp(buf, "the end", 7) == 0);
    CHECK_EQ_INT(erofs_read(&fs, &ino, SPARSE_SIZE / 2 + 98, buf, 10), 10);
    CHECK(memcmp(buf, "\0\0middle\0\0", 10) == 0);
    /* Walk the whole file through erofs_data_ptr; holes read as zeros. */
    for (off = 0; off < SPARSE_SIZE; off += avail) {
      const uint8_t *p = erofs_data_ptr(&fs, &ino, off, &avail);
      if (p == NULL || avail == 0)
        break;
      for (uint64_t i = 0; i < avail; i++)
        zeros += p[i] == 0;
    }
    CHECK_EQ_INT(off, SPARSE_SIZE);
    CHECK_EQ_INT(zeros, SPARSE_SIZE - strlen("middle") - strlen("the end"));
  }
}

TEST(erofs_lookup_big_dir)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode dir, f;
  char name[300];
  uint64_t nid;
  int bad = 0;

  memset(&f, 0, sizeof(f));
  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "big", &dir), 0);
  CHECK(dir.size > 4 * 4096); /* spans several blocks */
  for (int i = 0; i < BIGDIR_N; i++) {
    snprintf(name, sizeof(name), "e%05d%.*s", i * 2, i % 37,
             "_abcdefghijklmnopqrstuvwxyz0123456789");
    if (erofs_lookup(&fs, &dir, name, strlen(name), &nid) != 0 || erofs_iget(&fs, nid, &f) != 0 ||
        f.size != (uint64_t)(i % 3))
      bad++;
    /* Missing: between this name and the next (odd numbers), and prefixes. */
    snprintf(name, sizeof(name), "e%05d", i * 2 + 1);
    if (erofs_lookup(&fs, &dir, name, strlen(name), &nid) != -ENOENT)
      bad++;
    snprintf(name, sizeof(name), "e%05d%.*s~", i * 2, i % 37,
             "_abcdefghijklmnopqrstuvwxyz0123456789");
    if (erofs_lookup(&fs, &dir, name, strlen(name), &nid) != -ENOENT)
      bad++;
    if (i % 37 > 0 && erofs_lookup(&fs, &dir, name, strlen(name) - 2, &nid) != -ENOENT)
      bad++;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "", 0, &nid), -ENOENT);
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "-", 1, &nid), -ENOENT); /* before "." */
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "a", 1, &nid), -ENOENT); /* between ".." and "e" */
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "e", 1, &nid), -ENOENT);
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "\xff\xff", 2, &nid), -ENOENT); /* after all */
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "zzzz", 4, &nid), -ENOENT);
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, ".", 1, &nid), 0);
  CHECK_EQ_INT(nid, dir.nid);
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "..", 2, &nid), 0);
  CHECK_EQ_INT(nid, fs.root_nid);
  /* Name not NUL-terminated: only len bytes count. */
  CHECK_EQ_INT(erofs_lookup(&fs, &dir, "e00000XYZ", 6, &nid), 0);
  CHECK_EQ_INT(erofs_lookup(&fs, &f, "x", 1, &nid), -ENOTDIR);
}

TEST(erofs_long_names)
{
  size_t size;
  const uint8_t *base = image(V_PLAIN, &size);
  struct erofs_fs fs;
  struct erofs_inode dir, f;
  char name[300];
  uint64_t nid;

  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "long", &dir), 0);
  CHECK(dir.size > 4096);
  for (int i = 0; i < 20; i++) {
    size_t len = 254 - (size_t)i;
    memset(name, 'a' + i, 256);
    CHECK_EQ_INT(erofs_lookup(&fs, &dir, name, len, &nid), 0);
    CHECK_EQ_INT(erofs_iget(&fs, nid, &f), 0);
    CHECK_EQ_INT(f.size, 10);
    CHECK_EQ_INT(erofs_lookup(&fs, &dir, name, len - 1, &nid), -ENOENT);
    CHECK_EQ_INT(erofs_lookup(&fs, &dir, name, len + 1, &nid), -ENOENT);
  }
}

TEST(erofs_readdir_cookies)
{
  size_t size;
  const uint8_t *base = image(V_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode dir;
  struct erofs_dirent a, b;
  uint64_t pos = 0, saved[64], p2;
  int n = 0, bad = 0;

  if (base == NULL || erofs_mount(&fs, base, size) != 0)
    return;
  CHECK_EQ_INT(resolve(&fs, "big", &dir), 0);
  /* Resuming from any returned cookie yields the same next entry. */
  while (n < 64) {
    saved[n] = pos;
    if (erofs_readdir(&fs, &dir, &pos, &a) != 1)
      break;
    n++;
  }
  for (int i = 0; i + 1 < n; i++) {
    p2 = saved[i];
    if (erofs_readdir(&fs, &dir, &p2, &b) != 1 || p2 != saved[i + 1])
      bad++;
  }
  /* Arbitrary cookies never fail on a valid directory. */
  for (uint64_t c = 0; c < dir.size + 100; c += 7) {
    p2 = c;
    int r = erofs_readdir(&fs, &dir, &p2, &b);
    if (r < 0 || (r == 1 && p2 <= c))
      bad++;
  }
  CHECK_EQ_INT(bad, 0);
  p2 = UINT64_MAX;
  CHECK_EQ_INT(erofs_readdir(&fs, &dir, &p2, &b), 0);
}

TEST(erofs_bad_superblock)
{
  size_t size;
  uint8_t *img = copy_image(V_SMALL_INLINE, &size);
  struct erofs_fs fs;

  if (img == NULL)
    return;
  CHECK_EQ_INT(erofs_mount(&fs, img, size), 0);
  img[1024] ^= 1; /* magic */
  CHECK_EQ_INT(erofs_mount(&fs, img, size), -EINVAL);
  img[1024] ^= 1;
  img[1024 + 12] = 30; /* blkszbits */
  CHECK_EQ_INT(erofs_mount(&fs, img, size), -EINVAL);
  img[1024 + 12] = 12;
  img[1024 + 80] |= 0x80; /* unknown incompat feature */
  CHECK_EQ_INT(erofs_mount(&fs, img, size), -EINVAL);
  img[1024 + 80] &= 0x7f;
  img[1024 + 14] = 0xff; /* root nid */
  img[1024 + 15] = 0xff;
  CHECK_EQ_INT(erofs_mount(&fs, img, size), -EINVAL);
  free(img);
}

TEST(erofs_truncated_image)
{
  size_t size;
  const uint8_t *base = image(V_SMALL_PLAIN, &size);
  struct walk w;

  if (base == NULL)
    return;
  CHECK_EQ_INT(mount_walk(base, size, &w), 0);
  size_t lens[] = {0, 1, 1023, 1024, 1100, 1151, 1152, 2048, size / 2, size - 4096, size - 1};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    uint8_t *c = malloc(lens[i] ? lens[i] : 1);
    memcpy(c, base, lens[i]);
    CHECK(mount_walk(c, lens[i], &w) != 0);
    free(c);
  }
}

TEST(erofs_nid_out_of_range)
{
  size_t size;
  uint8_t *img = copy_image(V_SMALL_INLINE, &size);
  struct erofs_fs fs;
  struct erofs_inode ino;

  if (img == NULL || erofs_mount(&fs, img, size) != 0)
    return;
  CHECK_EQ_INT(erofs_iget(&fs, size / 32, &ino), -EIO);
  CHECK_EQ_INT(erofs_iget(&fs, size / 32 - 1, &ino) != 0, 1);
  CHECK_EQ_INT(erofs_iget(&fs, UINT64_MAX, &ino), -EIO);
  CHECK_EQ_INT(erofs_iget(&fs, UINT64_MAX / 32 + 1, &ino), -EIO);
  CHECK_EQ_INT(erofs_iget(&fs, 0, &ino), -EIO); /* the superblock is no inode */
  free(img);
}

/* Image offset of the first byte of directory `dir`'s data. */
static uint64_t dir_data_off(const struct erofs_fs *fs, const struct erofs_inode *dir)
{
  uint64_t avail;
  const uint8_t *p = erofs_data_ptr(fs, dir, 0, &avail);
  return p ? (uint64_t)(p - fs->base) : 0;
}

TEST(erofs_corrupt_nameoff)
{
  for (enum variant v = V_SMALL_INLINE; v <= V_SMALL_PLAIN; v++) {
    size_t size;
    uint8_t *img = copy_image(v, &size);
    struct erofs_fs fs;
    struct erofs_inode root;
    struct erofs_dirent de;
    uint64_t d, pos, nid;
    const uint16_t bad_first[] = {0, 11, 12 * 100, 0xffff};

    if (img == NULL || erofs_mount(&fs, img, size) != 0 || erofs_iget(&fs, fs.root_nid, &root))
      return;
    d = dir_data_off(&fs, &root);
    CHECK(d != 0);
    for (size_t i = 0; i < sizeof(bad_first) / sizeof(bad_first[0]); i++) {
      uint8_t s0 = img[d + 8], s1 = img[d + 9];
      img[d + 8] = (uint8_t)bad_first[i];
      img[d + 9] = (uint8_t)(bad_first[i] >> 8);
      pos = 0;
      CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), -EIO);
      CHECK_EQ_INT(erofs_lookup(&fs, &root, "a", 1, &nid), -EIO);
      img[d + 8] = s0;
      img[d + 9] = s1;
    }
    /* Second dirent's name starting before the first's ends the first name early. */
    uint8_t s0 = img[d + 12 + 8], s1 = img[d + 12 + 9];
    img[d + 12 + 8] = 1;
    img[d + 12 + 9] = 0;
    pos = 0;
    CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), -EIO);
    img[d + 12 + 8] = 0xff;
    img[d + 12 + 9] = 0x7f;
    pos = 0;
    CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), -EIO);
    img[d + 12 + 8] = s0;
    img[d + 12 + 9] = s1;
    pos = 0;
    CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), 1);
    free(img);
  }
}

TEST(erofs_corrupt_inode_fields)
{
  size_t size;
  uint8_t *img = copy_image(V_SMALL_PLAIN, &size);
  struct erofs_fs fs;
  struct erofs_inode b, ino;
  uint8_t *raw, save[64];

  if (img == NULL || erofs_mount(&fs, img, size) != 0 || resolve(&fs, "b", &b) != 0)
    return;
  CHECK_EQ_INT(b.datalayout, EROFS_INODE_FLAT_PLAIN);
  raw = img + (fs.meta_blkaddr << fs.blkszbits) + b.nid * 32;
  memcpy(save, raw, 32);

  raw[0] = 1 << 1; /* compressed (full) layout */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EOPNOTSUPP);
  raw[0] = 3 << 1;
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EOPNOTSUPP);
  raw[0] = 7 << 1; /* reserved layout */
  CHECK(erofs_iget(&fs, b.nid, &ino) < 0);
  raw[0] = 0x40; /* unknown format bit */
  CHECK(erofs_iget(&fs, b.nid, &ino) < 0);
  memcpy(raw, save, 32);

  raw[5] = 0; /* i_mode with no file type */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EIO);
  memcpy(raw, save, 32);

  raw[8] = raw[9] = raw[10] = raw[11] = 0xff; /* i_size past the image */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EIO);
  memcpy(raw, save, 32);

  raw[16] = raw[17] = raw[18] = raw[19] = 0xfe; /* raw_blkaddr past the image */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EIO);
  memcpy(raw, save, 32);

  raw[2] = raw[3] = 0xff; /* huge inline xattr area */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EIO);
  memcpy(raw, save, 32);

  /* Make b FLAT_INLINE with an xattr area that pushes its 904-byte tail
   * over the end of the inode's block. */
  uint64_t ioff = (uint64_t)(raw - img), ic;
  for (ic = 1; ic < 2000; ic++) {
    uint64_t t = ioff + 32 + 12 + 4 * (ic - 1);
    if ((t % 4096) + 904 > 4096 && t + 904 <= size)
      break;
  }
  CHECK(ic < 2000);
  raw[0] = 2 << 1;
  raw[2] = (uint8_t)ic;
  raw[3] = (uint8_t)(ic >> 8);
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), -EIO);
  raw[2] = raw[3] = 0; /* without xattrs the tail is read from after the inode */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), 0);
  memcpy(raw, save, 32);

  /* A caller-modified inode struct still cannot reach outside the image. */
  CHECK_EQ_INT(erofs_iget(&fs, b.nid, &ino), 0);
  uint8_t buf[16];
  uint64_t avail;
  ino.raw_blkaddr = UINT64_MAX / 2;
  CHECK_EQ_INT(erofs_read(&fs, &ino, 0, buf, sizeof(buf)), -EIO);
  CHECK(erofs_data_ptr(&fs, &ino, 0, &avail) == NULL && avail == 0);
  ino.raw_blkaddr = 0;
  ino.size = UINT64_MAX;
  CHECK_EQ_INT(erofs_read(&fs, &ino, UINT64_MAX - 4, buf, sizeof(buf)), -EIO);
  free(img);
}

/* Flip every byte of a small image (several patterns): never crash or hang. */
TEST(erofs_flip_every_byte)
{
  for (enum variant v = V_SMALL_INLINE; v <= V_SMALL_PLAIN; v++) {
    size_t size;
    uint8_t *img = copy_image(v, &size);
    struct walk w;
    int failures = 0;
    const uint8_t pats[] = {0x01, 0x80, 0xff, 0x10};

    if (img == NULL)
      return;
    CHECK_EQ_INT(mount_walk(img, size, &w), 0);
    /* Bytes past the used metadata and data are mostly zero padding: the
     * first 8 KiB hold the superblock, inodes, dirents and data. */
    for (size_t i = 0; i < size && i < 8192; i++) {
      for (size_t k = 0; k < sizeof(pats); k++) {
        img[i] ^= pats[k];
        failures += mount_walk(img, size, &w) != 0;
        img[i] ^= pats[k];
      }
    }
    CHECK(failures > 0);
    CHECK_EQ_INT(mount_walk(img, size, &w), 0);
    free(img);
  }
}

/* ---- synthetic images for what mkfs.erofs 1.5 cannot produce ---- */

static void st16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
  st16(p, (uint16_t)v);
  st16(p + 2, (uint16_t)(v >> 16));
}

#define SYN_SIZE 16384u
#define SYN_DIR 4096u  /* directory data */
#define SYN_FILE 8192u /* file data: "abc" then the chunk block */

/* Root (nid 36, FLAT_PLAIN dir), file "xxx..." (255 bytes, nid 38, "abc")
 * and "chunky" (nid 40, CHUNK_BASED with 8-byte indexes: data, hole, data). */
static uint8_t *synth(unsigned bits)
{
  uint8_t *img = calloc(1, SYN_SIZE), *sb = img + 1024, *ino, *d = img + SYN_DIR;
  uint32_t blk = 1u << bits, dsize;
  const char *names[] = {".", "..", "chunky", NULL};
  const uint64_t nids[] = {36, 36, 40, 38};
  uint16_t off = 4 * 12;

  st32(sb, 0xE0F5E1E2);
  sb[12] = (uint8_t)bits;
  st16(sb + 14, 36);
  st32(sb + 16, 3);
  st32(sb + 36, SYN_SIZE >> bits);
  st32(sb + 80, 0x4); /* chunked files */

  for (int i = 0; i < 4; i++) {
    const char *n = names[i];
    size_t len = n ? strlen(n) : 255;
    st32(d + i * 12, (uint32_t)nids[i]);
    st16(d + i * 12 + 8, off);
    d[i * 12 + 10] = i < 2 ? 2 : 1;
    if (n)
      memcpy(d + off, n, len);
    else
      memset(d + off, 'x', len);
    off = (uint16_t)(off + len);
  }
  dsize = off;

  ino = img + 36 * 32;
  st16(ino + 4, 040755);
  st16(ino + 6, 2);
  st32(ino + 8, dsize);
  st32(ino + 16, SYN_DIR >> bits);

  ino = img + 38 * 32;
  st16(ino + 4, 0100644);
  st16(ino + 6, 1);
  st32(ino + 8, 3);
  st32(ino + 16, SYN_FILE >> bits);
  memcpy(img + SYN_FILE, "abc", 3);

  ino = img + 40 * 32;
  st16(ino, 4 << 1);
  st16(ino + 4, 0100600);
  st16(ino + 6, 1);
  st32(ino + 8, 3 * blk - 10);
  st16(ino + 16, 0x20);
  /* Indexes start right after the 32-byte inode (8-aligned already). */
  st32(ino + 32 + 4, (SYN_FILE >> bits) + 1);
  st32(ino + 40 + 4, 0xFFFFFFFF);
  st16(ino + 48 + 2, 7); /* device id is ignored without extra devices */
  st32(ino + 48 + 4, (SYN_FILE >> bits) + 1);
  memset(img + SYN_FILE + blk, 'C', blk);
  return img;
}

TEST(erofs_synthetic_255_and_chunk_indexes)
{
  for (unsigned bits = 9; bits <= 12; bits += 3) {
    uint8_t *img = synth(bits), *buf;
    struct erofs_fs fs;
    struct erofs_inode root, f;
    struct erofs_dirent de;
    char name[256];
    uint64_t nid, pos = 0, blk = 1u << bits, avail;
    int n = 0;

    memset(name, 'x', 255);
    CHECK_EQ_INT(erofs_mount(&fs, img, SYN_SIZE), 0);
    CHECK_EQ_INT(fs.blkszbits, bits);
    CHECK_EQ_INT(erofs_iget(&fs, fs.root_nid, &root), 0);
    CHECK_EQ_INT(erofs_lookup(&fs, &root, name, 255, &nid), 0);
    CHECK_EQ_INT(nid, 38);
    CHECK_EQ_INT(erofs_lookup(&fs, &root, name, 254, &nid), -ENOENT);
    while (erofs_readdir(&fs, &root, &pos, &de) == 1)
      if (n++ == 3)
        CHECK_EQ_INT(de.name_len, 255);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(erofs_iget(&fs, 38, &f), 0);
    CHECK_EQ_INT(erofs_read(&fs, &f, 0, name, sizeof(name)), 3);
    CHECK(memcmp(name, "abc", 3) == 0);

    CHECK_EQ_INT(erofs_lookup(&fs, &root, "chunky", 6, &nid), 0);
    CHECK_EQ_INT(erofs_iget(&fs, nid, &f), 0);
    CHECK_EQ_INT(f.datalayout, EROFS_INODE_CHUNK_BASED);
    buf = malloc(3 * blk);
    CHECK_EQ_INT(erofs_read(&fs, &f, 0, buf, 3 * blk), 3 * blk - 10);
    for (uint64_t i = 0; i < 3 * blk - 10; i++)
      if (buf[i] != (i >= blk && i < 2 * blk ? 0 : 'C')) {
        CHECK(!"chunk content");
        break;
      }
    const uint8_t *p = erofs_data_ptr(&fs, &f, blk + 5, &avail);
    CHECK(p != NULL && avail == blk - 5 && p[0] == 0);
    p = erofs_data_ptr(&fs, &f, 2 * blk + 1, &avail);
    CHECK(p == img + SYN_FILE + blk + 1 && avail == blk - 11);
    free(buf);

    /* Extra devices: a chunk on device 7 is not ours to read. */
    st16(img + 1024 + 86, 1);
    CHECK_EQ_INT(erofs_mount(&fs, img, SYN_SIZE), 0);
    CHECK_EQ_INT(erofs_read(&fs, &f, 2 * blk, name, 1), -EOPNOTSUPP);
    CHECK_EQ_INT(erofs_read(&fs, &f, 0, name, 1), 1);
    st16(img + 1024 + 86, 0);
    /* Chunk pointing past the image. */
    st32(img + 40 * 32 + 32 + 4, SYN_SIZE >> bits);
    CHECK_EQ_INT(erofs_read(&fs, &f, 0, name, 1), -EIO);
    /* Index array past the image. */
    st32(img + 40 * 32 + 8, 0xFFFFFFFF);
    CHECK_EQ_INT(erofs_iget(&fs, 40, &f), -EIO);

    /* A 256-byte last name (dir grows by one byte) is corrupt. */
    st32(img + 36 * 32 + 8, (uint32_t)(4 * 12 + 1 + 2 + 6 + 255 + 1));
    img[SYN_DIR + 4 * 12 + 9 + 255] = 'x';
    CHECK_EQ_INT(erofs_iget(&fs, fs.root_nid, &root), 0);
    memset(name, 'x', 255);
    CHECK_EQ_INT(erofs_lookup(&fs, &root, name, 255, &nid), -EIO);
    pos = 3 * 12;
    CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), -EIO);
    /* A NUL inside a non-last name is corrupt. */
    img[SYN_DIR + 4 * 12 + 9 + 255] = 0;
    img[SYN_DIR + 4 * 12 + 3 + 2] = 0;
    pos = 2 * 12;
    CHECK_EQ_INT(erofs_readdir(&fs, &root, &pos, &de), -EIO);
    free(img);
  }
}
