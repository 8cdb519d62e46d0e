/* EROFS image writer (see erofs_build.h for the layout). Three passes: walk the
 * rootfs breadth-first into a node list (sorted names, hard links merged), plan
 * every inode's place in the metadata (sizes depend on names and lstat only),
 * then emit inodes and data through two sequential writers, one over the
 * metadata area and one over the data area that starts right after it. */
#include "erofs_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/util.h"

#define BLK_BITS 12u
#define BLK_SIZE 4096u
#define SB_OFFSET 1024u
#define SB_SIZE 128u
#define SB_MAGIC 0xE0F5E1E2u
#define FEAT_COMPAT_MTIME 0x2u
#define FEAT_INCOMPAT_CHUNKED 0x4u

#define INODE_SIZE 64u /* extended inodes only */
#define NID_UNIT 32u   /* nid = byte offset / 32 (meta_blkaddr is 0) */
#define LAYOUT_FLAT_PLAIN 0u
#define LAYOUT_FLAT_INLINE 2u
#define LAYOUT_CHUNK_BASED 4u
#define NULL_ADDR 0xFFFFFFFFu
#define INLINE_MAX (BLK_SIZE - INODE_SIZE) /* inline data never leaves its block */

#define DIRENT_SIZE 12u
#define NAME_MAX_LEN 255u
#define FILE_MAX (1ull << 44) /* 2^32 chunks of 4 KiB */
#define IO_BUF (1u << 20)

/* EROFS_FT_* directory entry types. */
enum { FT_UNKNOWN, FT_REG, FT_DIR, FT_CHR, FT_BLK, FT_FIFO, FT_SOCK, FT_SYMLINK };

struct dent {
  char *name;
  uint32_t len;
  size_t node; /* index into build.nodes */
};

/* One inode of the image (all links of a host inode share it). */
struct node {
  char *rel;     /* path relative to the rootfs ("." for the root) */
  uint64_t size; /* i_size: file size, symlink length, directory bytes */
  int64_t mtime;
  uint32_t mtime_nsec;
  uint32_t mode, uid, gid, rdev;
  uint32_t nlink; /* directories: 2 + subdirectories; others: links in the tree */
  dev_t dev;
  ino_t ino;
  uint64_t nid;
  uint8_t layout;
  struct dent *ents; /* directories: sorted, with "." and ".." */
  size_t nents;
  char *target;  /* symlinks */
  size_t parent; /* directories: the node of ".." (the root's is itself) */
};

/* Sequential buffered writer over one area of the image. */
struct writer {
  int fd;
  uint64_t start; /* image offset of buf[0] */
  size_t len;
  uint8_t *buf;
};

/* Hard-link key for tsearch: host dev+ino to node index. */
struct link_key {
  dev_t dev;
  ino_t ino;
  size_t node;
};

struct build {
  const char *rootfs;
  int rootfd;
  const char **skip; /* sorted, without leading '/' */
  size_t nskip;
  struct node *nodes;
  size_t n, cap;
  void *links;
  int chunked;
  uint64_t next_blk; /* next free data block */
  struct writer meta, data;
  uint8_t *rbuf; /* file read window */
  hacher_error_t *err;
};

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

static void st64(uint8_t *p, uint64_t v)
{
  st32(p, (uint32_t)v);
  st32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
  return (v + a - 1) & ~(a - 1);
}

static uint64_t nblocks(uint64_t bytes)
{
  return align_up(bytes, BLK_SIZE) >> BLK_BITS;
}

/* ---- writers ---- */

static int w_flush(struct build *b, struct writer *w)
{
  size_t done = 0;

  while (done < w->len) {
    ssize_t r = pwrite(w->fd, w->buf + done, w->len - done, (off_t)(w->start + done));

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return hacher_error(b->err, r < 0 ? errno : EIO, "write EROFS image of \"%s\"", b->rootfs);
    done += (size_t)r;
  }
  w->start += w->len;
  w->len = 0;
  return 0;
}

/* Append n bytes from p, or n zero bytes when p is NULL. */
static int w_put(struct build *b, struct writer *w, const void *p, uint64_t n)
{
  const uint8_t *src = p;

  while (n > 0) {
    size_t k;

    if (w->len == IO_BUF && w_flush(b, w) < 0)
      return -1;
    k = IO_BUF - w->len < n ? IO_BUF - w->len : (size_t)n;
    if (src != NULL) {
      memcpy(w->buf + w->len, src, k);
      src += k;
    } else {
      memset(w->buf + w->len, 0, k);
    }
    w->len += k;
    n -= k;
  }
  return 0;
}

static uint64_t w_pos(const struct writer *w)
{
  return w->start + w->len;
}

static int w_pad_to(struct build *b, struct writer *w, uint64_t off)
{
  return w_put(b, w, NULL, off - w_pos(w));
}

/* ---- walk ---- */

static int skip_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int skipped(const struct build *b, const char *rel)
{
  return b->nskip != 0 && bsearch(&rel, b->skip, b->nskip, sizeof(char *), skip_cmp) != NULL;
}

static int link_cmp(const void *a, const void *b)
{
  const struct link_key *x = a, *y = b;

  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static uint8_t file_type(uint32_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG: return FT_REG;
  case S_IFDIR: return FT_DIR;
  case S_IFCHR: return FT_CHR;
  case S_IFBLK: return FT_BLK;
  case S_IFIFO: return FT_FIFO;
  case S_IFSOCK: return FT_SOCK;
  case S_IFLNK: return FT_SYMLINK;
  default: return FT_UNKNOWN;
  }
}

static size_t new_node(struct build *b, char *rel, const struct stat *st)
{
  struct node *n;

  if (b->n == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 256;
    b->nodes = xrealloc(b->nodes, b->cap * sizeof(*b->nodes));
  }
  n = &b->nodes[b->n];
  memset(n, 0, sizeof(*n));
  n->rel = rel;
  n->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
  n->mtime = st->st_mtim.tv_sec;
  n->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
  n->mode = st->st_mode;
  n->uid = st->st_uid;
  n->gid = st->st_gid;
  /* The kernel's new_encode_dev() layout, as EROFS stores rdev. */
  n->rdev = (minor(st->st_rdev) & 0xffu) | (major(st->st_rdev) << 8) |
            ((minor(st->st_rdev) & ~0xffu) << 12);
  n->nlink = S_ISDIR(st->st_mode) ? 2 : 1;
  n->dev = st->st_dev;
  n->ino = st->st_ino;
  return b->n++;
}

static void add_dent(struct node *d, const char *name, size_t node)
{
  d->ents = xrealloc(d->ents, (d->nents + 1) * sizeof(*d->ents));
  d->ents[d->nents].name = xstrdup(name);
  d->ents[d->nents].len = (uint32_t)strlen(name);
  d->ents[d->nents].node = node;
  d->nents++;
}

/* The node for a non-directory: a new one, or the first link's. */
static size_t link_node(struct build *b, char *rel, const struct stat *st)
{
  struct link_key key = {st->st_dev, st->st_ino, 0}, *k, **found;

  if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
    return new_node(b, rel, st);
  found = tfind(&key, &b->links, link_cmp);
  if (found != NULL) {
    b->nodes[(*found)->node].nlink++;
    free(rel);
    return (*found)->node;
  }
  k = xmalloc(sizeof(*k));
  *k = key;
  k->node = new_node(b, rel, st);
  if (tsearch(k, &b->links, link_cmp) == NULL)
    abort();
  return k->node;
}

static int read_target(struct build *b, int dfd, const char *name, struct node *n)
{
  char buf[4097];
  ssize_t len = readlinkat(dfd, name, buf, sizeof(buf));

  if (len < 0 || len >= (ssize_t)sizeof(buf))
    return hacher_error(b->err, len < 0 ? errno : ENAMETOOLONG, "read link \"%s/%s\"", b->rootfs,
                        n->rel);
  n->target = xmalloc((size_t)len + 1);
  memcpy(n->target, buf, (size_t)len);
  n->target[len] = '\0';
  n->size = (uint64_t)len;
  return 0;
}

/* Add the entry `name` of directory node di (unless skipped). */
static int add_child(struct build *b, size_t di, int dfd, const char *name)
{
  const char *drel = b->nodes[di].rel;
  char *rel = strcmp(drel, ".") == 0 ? xstrdup(name) : xasprintf("%s/%s", drel, name);
  struct stat st;
  size_t ci;

  if (skipped(b, rel)) {
    free(rel);
    return 0;
  }
  if (strlen(name) > NAME_MAX_LEN) {
    hacher_error(b->err, ENAMETOOLONG, "rootfs entry \"%s/%s\"", b->rootfs, rel);
    free(rel);
    return -1;
  }
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    hacher_error(b->err, errno, "stat \"%s/%s\"", b->rootfs, rel);
    free(rel);
    return -1;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > FILE_MAX) {
    hacher_error(b->err, EFBIG, "file \"%s/%s\" (%lld bytes, at most 16 TiB)", b->rootfs, rel,
                 (long long)st.st_size);
    free(rel);
    return -1;
  }
  ci = link_node(b, rel, &st);
  if (S_ISDIR(st.st_mode)) {
    b->nodes[di].nlink++;
    b->nodes[ci].parent = di;
  }
  if (S_ISLNK(st.st_mode) && b->nodes[ci].target == NULL &&
      read_target(b, dfd, name, &b->nodes[ci]) < 0)
    return -1;
  add_dent(&b->nodes[di], name, ci);
  return 0;
}

static int name_cmp(const void *a, const void *b)
{
  const struct dent *x = a, *y = b;
  int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

  if (c != 0)
    return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

static int str_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* fd (opened by path) is still the inode the walk saw: a path swapped for a
 * symlink or another file meanwhile cannot pull outside files into the image. */
static int same_inode(struct build *b, int fd, const struct node *n)
{
  struct stat st;

  if (fstat(fd, &st) < 0 || st.st_dev != n->dev || st.st_ino != n->ino)
    return hacher_error(b->err, 0, "\"%s/%s\" changed while the image was built", b->rootfs,
                        n->rel);
  return 0;
}

/* Sorted names of a directory, without "." and "..". */
static int list_dir(struct build *b, DIR *d, const char *rel, char ***names, size_t *count)
{
  struct dirent *de;
  size_t n = 0;
  char **v = NULL;

  for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    v = xrealloc(v, (n + 1) * sizeof(*v));
    v[n++] = xstrdup(de->d_name);
  }
  if (errno != 0) {
    int e = errno;

    for (size_t i = 0; i < n; i++)
      free(v[i]);
    free(v);
    return hacher_error(b->err, e, "read directory \"%s/%s\"", b->rootfs, rel);
  }
  if (n > 1)
    qsort(v, n, sizeof(*v), str_cmp);
  *names = v;
  *count = n;
  return 0;
}

/* Read directory node di: its entries become nodes (appended: breadth-first). */
static int scan_dir(struct build *b, size_t di)
{
  const char *rel = b->nodes[di].rel;
  int fd = openat(b->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char **names = NULL;
  size_t count = 0, i;
  int rc = 0;
  DIR *d;

  if (fd < 0)
    return hacher_error(b->err, errno, "open directory \"%s/%s\"", b->rootfs, rel);
  if (same_inode(b, fd, &b->nodes[di]) < 0) {
    close(fd);
    return -1;
  }
  d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return hacher_error(b->err, errno, "open directory \"%s/%s\"", b->rootfs, rel);
  }
  rc = list_dir(b, d, rel, &names, &count);
  for (i = 0; i < count; i++) {
    if (rc == 0)
      rc = add_child(b, di, dirfd(d), names[i]);
    free(names[i]);
  }
  free(names);
  closedir(d);
  if (rc < 0)
    return rc;
  add_dent(&b->nodes[di], ".", di);
  add_dent(&b->nodes[di], "..", b->nodes[di].parent);
  qsort(b->nodes[di].ents, b->nodes[di].nents, sizeof(struct dent), name_cmp);
  return 0;
}

static int walk(struct build *b)
{
  struct stat st;

  if (fstat(b->rootfd, &st) < 0)
    return hacher_error(b->err, errno, "stat rootfs \"%s\"", b->rootfs);
  new_node(b, xstrdup("."), &st);
  for (size_t i = 0; i < b->n; i++) {
    if (!S_ISDIR(b->nodes[i].mode))
      continue;
    if (scan_dir(b, i) < 0)
      return -1;
  }
  return 0;
}

/* ---- plan: sizes, layouts and nids ---- */

static void put_dir_block(const struct build *b, const struct dent *e, size_t k, uint8_t *p)
{
  size_t nameoff = k * DIRENT_SIZE;

  for (size_t j = 0; j < k; j++) {
    const struct node *c = &b->nodes[e[j].node];

    st64(p + j * DIRENT_SIZE, c->nid);
    st16(p + j * DIRENT_SIZE + 8, (uint16_t)nameoff);
    p[j * DIRENT_SIZE + 10] = file_type(c->mode);
    memcpy(p + nameoff, e[j].name, e[j].len);
    nameoff += e[j].len;
  }
}

/* Lay the sorted entries of d out in blocks (a dirent and its name never
 * straddle a block) and return the directory size: full blocks, then the used
 * part of the last one. With out != NULL also write the bytes there. */
static uint64_t dir_pack(const struct build *b, const struct node *d, uint8_t *out)
{
  uint64_t blk = 0;
  size_t i = 0;

  for (;;) {
    size_t k = 0, names = 0;

    while (i + k < d->nents && (k + 1) * DIRENT_SIZE + names + d->ents[i + k].len <= BLK_SIZE)
      names += d->ents[i + k++].len;
    if (out != NULL)
      put_dir_block(b, d->ents + i, k, out + blk);
    i += k;
    if (i == d->nents)
      return blk + k * DIRENT_SIZE + names;
    blk += BLK_SIZE;
  }
}

static void plan_node(struct build *b, struct node *n)
{
  if (S_ISDIR(n->mode))
    n->size = dir_pack(b, n, NULL);
  if (S_ISDIR(n->mode) || S_ISLNK(n->mode)) {
    n->layout = n->size <= INLINE_MAX ? LAYOUT_FLAT_INLINE : LAYOUT_FLAT_PLAIN;
  } else if (S_ISREG(n->mode) && n->size != 0) {
    n->layout = LAYOUT_CHUNK_BASED;
    b->chunked = 1;
  } else {
    n->layout = LAYOUT_FLAT_PLAIN;
  }
}

/* Metadata bytes of a node after its inode: inline data or the block map. */
static uint64_t meta_tail(const struct node *n)
{
  if (n->layout == LAYOUT_FLAT_INLINE)
    return n->size;
  if (n->layout == LAYOUT_CHUNK_BASED)
    return nblocks(n->size) * 4;
  return 0;
}

/* Give every node its nid (32-byte slots after the superblock, in node order);
 * an inode and its inline data never cross a block. Returns the metadata end. */
static uint64_t plan(struct build *b)
{
  uint64_t off = SB_OFFSET + SB_SIZE;

  for (size_t i = 0; i < b->n; i++) {
    struct node *n = &b->nodes[i];
    uint64_t whole;

    plan_node(b, n);
    whole = INODE_SIZE + (n->layout == LAYOUT_FLAT_INLINE ? n->size : 0);
    off = align_up(off, NID_UNIT);
    if ((off & (BLK_SIZE - 1)) + whole > BLK_SIZE)
      off = align_up(off, BLK_SIZE);
    n->nid = off / NID_UNIT;
    off += INODE_SIZE + meta_tail(n);
  }
  return off;
}

/* ---- emit ---- */

static int put_inode(struct build *b, size_t i, uint32_t iu)
{
  const struct node *n = &b->nodes[i];
  uint8_t p[INODE_SIZE] = {0};

  st16(p, (uint16_t)(1u | n->layout << 1)); /* extended inode, no xattrs */
  st16(p + 4, (uint16_t)n->mode);
  st64(p + 8, n->size);
  st32(p + 16, iu);
  st32(p + 20, (uint32_t)(i + 1)); /* i_ino: position in the image */
  st32(p + 24, n->uid);
  st32(p + 28, n->gid);
  st64(p + 32, (uint64_t)n->mtime);
  st32(p + 40, n->mtime_nsec);
  st32(p + 44, n->nlink);
  if (w_pad_to(b, &b->meta, n->nid * NID_UNIT) < 0)
    return -1;
  return w_put(b, &b->meta, p, sizeof(p));
}

static int alloc_blocks(struct build *b, const struct node *n, uint64_t count, uint32_t *addr)
{
  if (b->next_blk + count > UINT32_MAX)
    return hacher_error(b->err, EFBIG, "EROFS image of \"%s\": more than 2^32 blocks at \"%s\"",
                        b->rootfs, n->rel);
  *addr = (uint32_t)b->next_blk;
  b->next_blk += count;
  return 0;
}

/* Directory and symlink data: inline after the inode, or in data blocks. */
static int emit_flat(struct build *b, size_t i, const void *data)
{
  const struct node *n = &b->nodes[i];
  uint32_t addr = NULL_ADDR;

  if (n->layout == LAYOUT_FLAT_PLAIN && alloc_blocks(b, n, nblocks(n->size), &addr) < 0)
    return -1;
  if (put_inode(b, i, addr) < 0)
    return -1;
  if (n->layout == LAYOUT_FLAT_INLINE)
    return w_put(b, &b->meta, data, n->size);
  if (w_put(b, &b->data, data, n->size) < 0)
    return -1;
  return w_put(b, &b->data, NULL, align_up(n->size, BLK_SIZE) - n->size);
}

static int emit_dir(struct build *b, size_t i)
{
  const struct node *n = &b->nodes[i];
  uint8_t *buf = xmalloc0(align_up(n->size, BLK_SIZE));
  int rc;

  dir_pack(b, n, buf);
  rc = emit_flat(b, i, buf);
  free(buf);
  return rc;
}

/* A regular file being copied: its current data region and read window. */
struct src {
  int fd;
  uint64_t size;
  uint64_t lo, hi;    /* data region [lo, hi) from SEEK_DATA/SEEK_HOLE */
  uint64_t win, wlen; /* file bytes [win, win + wlen) are in b->rbuf */
};

static int src_seek(struct build *b, const struct node *n, struct src *s, uint64_t off)
{
  off_t lo = lseek(s->fd, (off_t)off, SEEK_DATA), hi;

  if (lo < 0 && errno == ENXIO) { /* only a hole from off on */
    s->lo = s->hi = s->size;
    return 0;
  }
  if (lo < 0 && (errno == EINVAL || errno == EOPNOTSUPP)) { /* no hole support */
    s->lo = off;
    s->hi = s->size;
    return 0;
  }
  if (lo < 0 || (hi = lseek(s->fd, lo, SEEK_HOLE)) < 0)
    return hacher_error(b->err, errno, "seek in \"%s/%s\"", b->rootfs, n->rel);
  s->lo = (uint64_t)lo < s->size ? (uint64_t)lo : s->size;
  s->hi = (uint64_t)hi < s->size ? (uint64_t)hi : s->size;
  return 0;
}

static int src_fill(struct build *b, const struct node *n, struct src *s, uint64_t off, size_t want)
{
  size_t got = 0;

  while (got < want) {
    ssize_t r = pread(s->fd, b->rbuf + got, want - got, (off_t)(off + got));

    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return hacher_error(b->err, errno, "read \"%s/%s\"", b->rootfs, n->rel);
    if (r == 0)
      return hacher_error(b->err, 0, "file \"%s/%s\" shrank while the image was built", b->rootfs,
                          n->rel);
    got += (size_t)r;
  }
  s->win = off;
  s->wlen = want;
  return 0;
}

/* Chunk [off, off + len) of the file: *p at its bytes, or NULL for a hole. */
static int src_chunk(struct build *b, const struct node *n, struct src *s, uint64_t off, size_t len,
                     const uint8_t **p)
{
  if (off >= s->hi && src_seek(b, n, s, off) < 0)
    return -1;
  if (off + len <= s->lo) {
    *p = NULL;
    return 0;
  }
  if (off < s->win || off + len > s->win + s->wlen) {
    uint64_t want = align_up(s->hi, BLK_SIZE) - off;

    want = want < IO_BUF ? want : IO_BUF;
    want = want < s->size - off ? want : s->size - off;
    if (src_fill(b, n, s, off, (size_t)want) < 0)
      return -1;
  }
  *p = b->rbuf + (off - s->win);
  return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Data blocks and the block map (after the inode) of a chunk-based file;
 * holes and all-zero chunks are unmapped. */
static int emit_chunks(struct build *b, const struct node *n, struct src *s)
{
  for (uint64_t off = 0; off < n->size; off += BLK_SIZE) {
    size_t len = n->size - off < BLK_SIZE ? (size_t)(n->size - off) : BLK_SIZE;
    uint32_t addr = NULL_ADDR;
    const uint8_t *p;
    uint8_t ent[4];

    if (src_chunk(b, n, s, off, len, &p) < 0)
      return -1;
    if (p != NULL && !all_zero(p, len) &&
        (alloc_blocks(b, n, 1, &addr) < 0 || w_put(b, &b->data, p, len) < 0 ||
         w_put(b, &b->data, NULL, BLK_SIZE - len) < 0))
      return -1;
    st32(ent, addr);
    if (w_put(b, &b->meta, ent, sizeof(ent)) < 0)
      return -1;
  }
  return 0;
}

static int emit_file(struct build *b, size_t i)
{
  const struct node *n = &b->nodes[i];
  struct src s = {.size = n->size};
  int rc;

  if (put_inode(b, i, 0) < 0) /* i_u 0: 4 KiB chunks, 4-byte block map */
    return -1;
  if (n->size == 0)
    return 0;
  s.fd = openat(b->rootfd, n->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (s.fd < 0)
    return hacher_error(b->err, errno, "open \"%s/%s\"", b->rootfs, n->rel);
  if (same_inode(b, s.fd, n) < 0) {
    close(s.fd);
    return -1;
  }
  rc = emit_chunks(b, n, &s);
  close(s.fd);
  return rc;
}

static int emit(struct build *b)
{
  for (size_t i = 0; i < b->n; i++) {
    const struct node *n = &b->nodes[i];
    int rc;

    if (S_ISDIR(n->mode))
      rc = emit_dir(b, i);
    else if (S_ISLNK(n->mode))
      rc = emit_flat(b, i, n->target);
    else if (S_ISREG(n->mode))
      rc = emit_file(b, i);
    else
      rc = put_inode(b, i, S_ISCHR(n->mode) || S_ISBLK(n->mode) ? n->rdev : 0);
    if (rc < 0)
      return -1;
  }
  return 0;
}

/* The superblock: no checksum, zero UUID and build time, mtime feature. */
static int put_super(struct build *b, int fd, uint64_t blocks)
{
  uint8_t sb[SB_SIZE] = {0};
  ssize_t r;

  st32(sb, SB_MAGIC);
  st32(sb + 8, FEAT_COMPAT_MTIME);
  sb[12] = BLK_BITS;
  st16(sb + 14, (uint16_t)b->nodes[0].nid);
  st64(sb + 16, b->n);
  st32(sb + 36, (uint32_t)blocks);
  st32(sb + 80, b->chunked ? FEAT_INCOMPAT_CHUNKED : 0);
  r = pwrite(fd, sb, sizeof(sb), SB_OFFSET);
  if (r != (ssize_t)sizeof(sb))
    return hacher_error(b->err, r < 0 ? errno : EIO, "write EROFS image of \"%s\"", b->rootfs);
  return 0;
}

/* ---- entry point ---- */

static void set_skip(struct build *b, char *const *skip, size_t count)
{
  b->skip = xmalloc((count + 1) * sizeof(char *));
  for (size_t i = 0; i < count; i++) {
    const char *s = skip[i];

    while (*s == '/')
      s++;
    b->skip[b->nskip++] = s;
  }
  qsort(b->skip, b->nskip, sizeof(char *), skip_cmp);
}

static int run(struct build *b, int fd, uint64_t *size)
{
  uint64_t blocks;

  if (walk(b) < 0)
    return -1;
  b->next_blk = nblocks(plan(b));
  if (b->next_blk > UINT32_MAX)
    return hacher_error(b->err, EFBIG, "EROFS image of \"%s\": metadata over 2^32 blocks",
                        b->rootfs);
  if (ftruncate(fd, 0) < 0)
    return hacher_error(b->err, errno, "truncate EROFS image of \"%s\"", b->rootfs);
  b->meta = (struct writer){.fd = fd, .buf = xmalloc(IO_BUF)};
  b->data = (struct writer){.fd = fd, .start = b->next_blk << BLK_BITS, .buf = xmalloc(IO_BUF)};
  b->rbuf = xmalloc(IO_BUF);
  if (w_put(b, &b->meta, NULL, SB_OFFSET + SB_SIZE) < 0 || emit(b) < 0 ||
      w_flush(b, &b->meta) < 0 || w_flush(b, &b->data) < 0)
    return -1;
  blocks = b->next_blk;
  if (put_super(b, fd, blocks) < 0)
    return -1;
  if (ftruncate(fd, (off_t)(blocks << BLK_BITS)) < 0)
    return hacher_error(b->err, errno, "extend EROFS image of \"%s\"", b->rootfs);
  *size = blocks << BLK_BITS;
  return 0;
}

static void release(struct build *b)
{
  for (size_t i = 0; i < b->n; i++) {
    struct node *n = &b->nodes[i];

    for (size_t j = 0; j < n->nents; j++)
      free(n->ents[j].name);
    free(n->ents);
    free(n->rel);
    free(n->target);
  }
  free(b->nodes);
  tdestroy(b->links, free);
  free(b->skip);
  free(b->meta.buf);
  free(b->data.buf);
  free(b->rbuf);
  if (b->rootfd >= 0)
    close(b->rootfd);
}

int erofs_build(const char *rootfs, char *const *skip, size_t skip_count, int fd, uint64_t *size,
                hacher_error_t *err)
{
  struct build b;
  int rc;

  memset(&b, 0, sizeof(b));
  b.rootfs = rootfs;
  b.err = err;
  b.rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (b.rootfd < 0)
    return hacher_error(err, errno, "open rootfs \"%s\"", rootfs);
  set_skip(&b, skip, skip_count);
  rc = run(&b, fd, size);
  release(&b);
  return rc;
}
