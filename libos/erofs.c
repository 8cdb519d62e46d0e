/* Read-only EROFS reader over an untrusted image mapped in memory.
 * Every image-derived offset goes through in_image() before it is
 * dereferenced; arithmetic is arranged so that it cannot wrap. */
#include <stddef.h>
#include <stdint.h>

#include <linux/errno.h>

#include "erofs.h"

#define SB_OFFSET 1024u
#define SB_SIZE 128u
#define SB_MAGIC 0xE0F5E1E2u

/* Incompat features that do not change how uncompressed data is found:
 * zero padding, compr cfgs, chunked files, device table, ztailpacking,
 * fragments, xattr prefixes. 48-bit addressing and metabox move inodes
 * and blocks, so images using them are refused. */
#define FEAT_INCOMPAT_KNOWN 0x7Fu
#define FEAT_INCOMPAT_CHUNKED 0x04u

#define I_VERSION_EXTENDED 0x1u
#define I_FORMAT_ALL 0x1Fu
#define I_NLINK_1 0x10u /* compact non-directories: nlink is 1 */
#define LAYOUT_MAX 5u

#define CHUNK_BLKBITS_MASK 0x1Fu
#define CHUNK_INDEXES 0x20u
#define NULL_BLKADDR 0xFFFFFFFFu

#define DIRENT_SIZE 12u
#define NAME_MAX_LEN 255u
#define FT_MAX 8u

#define M_IFMT 0170000u
#define M_IFSOCK 0140000u
#define M_IFLNK 0120000u
#define M_IFREG 0100000u
#define M_IFBLK 0060000u
#define M_IFDIR 0040000u
#define M_IFCHR 0020000u
#define M_IFIFO 0010000u

/* Holes in chunked files are served from here by erofs_data_ptr. */
static const uint8_t zero_page[4096];

static inline uint16_t ld16(const uint8_t *p)
{
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t ld32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld64(const uint8_t *p)
{
  return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static inline uint64_t min64(uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

/* [off, off+len) lies inside the image; never wraps. */
static inline int in_image(const struct erofs_fs *fs, uint64_t off, uint64_t len)
{
  return off <= fs->size && len <= fs->size - off;
}

/* Image bytes [off, off+len) are about to be used: give the verifier a say. */
static inline int verified(const struct erofs_fs *fs, uint64_t off, uint64_t len)
{
  return fs->verify == NULL || fs->verify(fs, off, len) == 0;
}

static inline int is_dir(const struct erofs_inode *ino)
{
  return (ino->mode & M_IFMT) == M_IFDIR;
}

/* Only regular files, directories and symlinks carry data. */
static inline int has_data(const struct erofs_inode *ino)
{
  uint32_t t = ino->mode & M_IFMT;
  return t == M_IFREG || t == M_IFDIR || t == M_IFLNK;
}

/* Split a FLAT_INLINE size into the block-aligned part and the inline tail.
 * A size that is a multiple of the block size still has a full-block tail,
 * the way the format defines the last block as the inline one. */
static void inline_split(const struct erofs_fs *fs, uint64_t size, uint64_t *plain, uint64_t *tail)
{
  uint64_t mask = ((uint64_t)1 << fs->blkszbits) - 1;

  *tail = size & mask;
  if (size != 0 && *tail == 0)
    *tail = mask + 1;
  *plain = size - *tail;
}

/* Bounds of the data of a flat inode; shared by iget and every access so a
 * caller-modified inode struct cannot lead outside the image either. */
static int check_flat(const struct erofs_fs *fs, const struct erofs_inode *ino)
{
  uint64_t blksz = (uint64_t)1 << fs->blkszbits;
  uint64_t plain = ino->size, tail = 0;

  if (ino->datalayout == EROFS_INODE_FLAT_INLINE)
    inline_split(fs, ino->size, &plain, &tail);
  if (plain != 0) {
    if (ino->raw_blkaddr > (fs->size >> fs->blkszbits))
      return -EIO;
    if (!in_image(fs, ino->raw_blkaddr << fs->blkszbits, plain))
      return -EIO;
  }
  /* The tail shares the inode's block and must not spill out of it. */
  if (tail != 0 &&
      (!in_image(fs, ino->inline_off, tail) || (ino->inline_off & (blksz - 1)) + tail > blksz))
    return -EIO;
  return 0;
}

static uint64_t chunk_count(const struct erofs_inode *ino)
{
  uint64_t n = ino->size >> ino->chunkbits;
  return n + ((ino->size & (((uint64_t)1 << ino->chunkbits) - 1)) != 0);
}

static int check_chunked(const struct erofs_fs *fs, const struct erofs_inode *ino)
{
  uint64_t n;

  if (ino->chunk_idx_size != 4 && ino->chunk_idx_size != 8)
    return -EIO;
  if (ino->chunkbits < fs->blkszbits || ino->chunkbits > fs->blkszbits + CHUNK_BLKBITS_MASK)
    return -EIO;
  if (ino->chunk_idx_off > fs->size)
    return -EIO;
  n = chunk_count(ino);
  if (n > (fs->size - ino->chunk_idx_off) / ino->chunk_idx_size)
    return -EIO;
  return 0;
}

/* Resolve file offset off (< size) to the contiguous extent holding it:
 * *ptr into the image, or NULL for a hole, and *len bytes (never past EOF). */
static int map_extent(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t off,
                      const uint8_t **ptr, uint64_t *len);

/* As map_extent, but never past the end of the image block holding off, and
 * only once that block passed the verifier. */
static int map(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t off,
               const uint8_t **ptr, uint64_t *len)
{
  int r = map_extent(fs, ino, off, ptr, len);
  uint64_t at, room;

  if (r != 0 || *ptr == NULL || fs->verify == NULL)
    return r;
  at = (uint64_t)(*ptr - fs->base);
  room = ((uint64_t)1 << fs->blkszbits) - (at & (((uint64_t)1 << fs->blkszbits) - 1));
  *len = min64(*len, room);
  return verified(fs, at, *len) ? 0 : -EIO;
}

static int map_extent(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t off,
                      const uint8_t **ptr, uint64_t *len)
{
  int r;

  if (off >= ino->size || !has_data(ino))
    return -EIO;
  switch (ino->datalayout) {
  case EROFS_INODE_FLAT_PLAIN:
  case EROFS_INODE_FLAT_INLINE: {
    uint64_t plain = ino->size, tail = 0;

    if ((r = check_flat(fs, ino)) != 0)
      return r;
    if (ino->datalayout == EROFS_INODE_FLAT_INLINE)
      inline_split(fs, ino->size, &plain, &tail);
    if (off < plain) {
      *ptr = fs->base + (ino->raw_blkaddr << fs->blkszbits) + off;
      *len = plain - off;
    } else {
      *ptr = fs->base + ino->inline_off + (off - plain);
      *len = ino->size - off;
    }
    return 0;
  }
  case EROFS_INODE_CHUNK_BASED: {
    uint64_t ci, e, cstart, clen, blk;
    const uint8_t *ent;

    if ((r = check_chunked(fs, ino)) != 0)
      return r;
    ci = off >> ino->chunkbits;
    /* ci < chunk_count(), so the entry is inside the checked array. */
    e = ino->chunk_idx_off + ci * ino->chunk_idx_size;
    if (!verified(fs, e, ino->chunk_idx_size))
      return -EIO;
    ent = fs->base + e;
    if (ino->chunk_idx_size == 8) {
      if (fs->extra_devices != 0 && ld16(ent + 2) != 0)
        return -EOPNOTSUPP;
      blk = ld32(ent + 4);
    } else {
      blk = ld32(ent);
    }
    cstart = ci << ino->chunkbits;
    clen = min64((uint64_t)1 << ino->chunkbits, ino->size - cstart);
    if (blk == NULL_BLKADDR) {
      *ptr = NULL;
    } else {
      if (!in_image(fs, blk << fs->blkszbits, clen))
        return -EIO;
      *ptr = fs->base + (blk << fs->blkszbits) + (off - cstart);
    }
    *len = clen - (off - cstart);
    return 0;
  }
  default: return -EOPNOTSUPP;
  }
}

int erofs_mount(struct erofs_fs *fs, const void *base, uint64_t size)
{
  struct erofs_fs t;
  struct erofs_inode root;
  const uint8_t *sb;
  uint32_t bits, blocks;

  if (fs == NULL || base == NULL || size < SB_OFFSET + SB_SIZE)
    return -EINVAL;
  sb = (const uint8_t *)base + SB_OFFSET;
  if (ld32(sb) != SB_MAGIC)
    return -EINVAL;
  bits = sb[12];
  if (bits < 9 || bits > 16)
    return -EINVAL;
  if (!(SB_OFFSET + SB_SIZE + (uint64_t)sb[13] * 16 <= size))
    return -EINVAL;
  if (sb[90] != 0) /* directory blocks larger than fs blocks */
    return -EINVAL;

  __builtin_memset(&t, 0, sizeof(t));
  t.base = base;
  t.size = size;
  t.blkszbits = bits;
  t.root_nid = ld16(sb + 14);
  t.inos = ld64(sb + 16);
  t.build_time = ld64(sb + 24);
  t.build_time_nsec = ld32(sb + 32);
  blocks = ld32(sb + 36);
  t.meta_blkaddr = ld32(sb + 40);
  t.xattr_blkaddr = ld32(sb + 44);
  t.feature_incompat = ld32(sb + 80);
  t.extra_devices = ld16(sb + 86);

  if (t.feature_incompat & ~FEAT_INCOMPAT_KNOWN)
    return -EINVAL;
  /* A shorter mapping than the superblock claims is a truncated image. */
  if (((uint64_t)blocks << bits) > size)
    return -EINVAL;
  if ((t.meta_blkaddr << bits) >= size)
    return -EINVAL;
  if (t.build_time_nsec >= 1000000000u)
    return -EINVAL;

  if (erofs_iget(&t, t.root_nid, &root) != 0 || !is_dir(&root))
    return -EINVAL;
  *fs = t;
  return 0;
}

int erofs_iget(const struct erofs_fs *fs, uint64_t nid, struct erofs_inode *out)
{
  struct erofs_inode t;
  const uint8_t *p;
  uint64_t meta, off, isize, xsize;
  uint32_t ifmt, type, iu;
  uint16_t xcount;
  int r;

  if (fs == NULL || out == NULL)
    return -EIO;
  meta = fs->meta_blkaddr << fs->blkszbits;
  if (meta > fs->size || nid > (fs->size - meta) / 32)
    return -EIO;
  off = meta + nid * 32;
  if (!in_image(fs, off, 32) || !verified(fs, off, 32))
    return -EIO;
  p = fs->base + off;
  ifmt = ld16(p);
  if (ifmt & ~I_FORMAT_ALL)
    return -EOPNOTSUPP;

  __builtin_memset(&t, 0, sizeof(t));
  t.nid = nid;
  t.datalayout = (ifmt >> 1) & 7;
  xcount = ld16(p + 2);
  t.mode = ld16(p + 4);
  iu = ld32(p + 16);
  t.ino = ld32(p + 20);
  if (ifmt & I_VERSION_EXTENDED) {
    isize = 64;
    if (!in_image(fs, off, 64) || !verified(fs, off, 64))
      return -EIO;
    t.size = ld64(p + 8);
    t.uid = ld32(p + 24);
    t.gid = ld32(p + 28);
    t.mtime = ld64(p + 32);
    t.mtime_nsec = ld32(p + 40);
    t.nlink = ld32(p + 44);
    if (t.mtime_nsec >= 1000000000u)
      return -EIO;
  } else {
    isize = 32;
    t.size = ld32(p + 8);
    /* Compact inodes store mtime relative to the image's build time. */
    t.mtime = fs->build_time + ld32(p + 12);
    t.mtime_nsec = fs->build_time_nsec;
    t.uid = ld16(p + 24);
    t.gid = ld16(p + 26);
    t.nlink = ld16(p + 6);
  }

  type = t.mode & M_IFMT;
  if (type != M_IFREG && type != M_IFDIR && type != M_IFLNK && type != M_IFCHR && type != M_IFBLK &&
      type != M_IFIFO && type != M_IFSOCK)
    return -EIO;
  if (!(ifmt & I_VERSION_EXTENDED) && (ifmt & I_NLINK_1) && type != M_IFDIR)
    t.nlink = 1;
  if (t.datalayout >= LAYOUT_MAX || t.datalayout == EROFS_INODE_COMPRESSED_FULL ||
      t.datalayout == EROFS_INODE_COMPRESSED_COMPACT)
    return -EOPNOTSUPP;

  /* Inline xattrs: a 12-byte header plus (icount - 1) 4-byte slots. */
  xsize = xcount ? 12 + 4 * ((uint64_t)xcount - 1) : 0;
  if (!in_image(fs, off, isize + xsize))
    return -EIO;

  if (type == M_IFCHR || type == M_IFBLK || type == M_IFIFO || type == M_IFSOCK) {
    if (type == M_IFCHR || type == M_IFBLK)
      t.rdev = iu;
    *out = t;
    return 0;
  }

  if (t.datalayout == EROFS_INODE_CHUNK_BASED) {
    uint32_t cfmt = iu & 0xFFFF;

    if (!(fs->feature_incompat & FEAT_INCOMPAT_CHUNKED))
      return -EIO;
    if (cfmt & ~(CHUNK_BLKBITS_MASK | CHUNK_INDEXES))
      return -EOPNOTSUPP;
    t.chunkbits = (uint8_t)(fs->blkszbits + (cfmt & CHUNK_BLKBITS_MASK));
    t.chunk_idx_size = (cfmt & CHUNK_INDEXES) ? 8 : 4;
    /* Indexes follow the inode and its xattrs, aligned to their size. */
    t.chunk_idx_off =
        (off + isize + xsize + t.chunk_idx_size - 1) & ~(uint64_t)(t.chunk_idx_size - 1);
    r = check_chunked(fs, &t);
  } else {
    t.raw_blkaddr = iu;
    if (t.datalayout == EROFS_INODE_FLAT_INLINE)
      t.inline_off = off + isize + xsize;
    r = check_flat(fs, &t);
  }
  if (r != 0)
    return r;
  *out = t;
  return 0;
}

int64_t erofs_read(const struct erofs_fs *fs, const struct erofs_inode *inode, uint64_t off,
                   void *buf, uint64_t len)
{
  uint64_t done = 0;

  if (fs == NULL || inode == NULL)
    return -EIO;
  if (off >= inode->size || len == 0)
    return 0;
  len = min64(len, inode->size - off);
  len = min64(len, (uint64_t)INT64_MAX);
  while (done < len) {
    const uint8_t *src;
    uint64_t ext, n;
    int r = map(fs, inode, off + done, &src, &ext);

    if (r != 0)
      return r;
    n = min64(ext, len - done);
    if (src != NULL)
      __builtin_memcpy((uint8_t *)buf + done, src, n);
    else
      __builtin_memset((uint8_t *)buf + done, 0, n);
    done += n;
  }
  return (int64_t)done;
}

const void *erofs_data_ptr(const struct erofs_fs *fs, const struct erofs_inode *inode, uint64_t off,
                           uint64_t *avail)
{
  const uint8_t *p;
  uint64_t ext;

  if (avail != NULL)
    *avail = 0;
  if (fs == NULL || inode == NULL || avail == NULL || off >= inode->size)
    return NULL;
  if (map(fs, inode, off, &p, &ext) != 0)
    return NULL;
  if (p == NULL) {
    p = zero_page;
    ext = min64(ext, sizeof(zero_page));
  }
  *avail = ext;
  return p;
}

/* One validated directory block: its bytes and dirent count. */
struct dblk {
  const uint8_t *p;
  uint32_t len; /* bytes of directory data in this block */
  uint32_t n;   /* dirents */
};

static uint64_t dir_nblocks(const struct erofs_fs *fs, const struct erofs_inode *dir)
{
  uint64_t n = dir->size >> fs->blkszbits;
  return n + ((dir->size & (((uint64_t)1 << fs->blkszbits) - 1)) != 0);
}

static int dir_block(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t blk,
                     struct dblk *b)
{
  uint64_t start = blk << fs->blkszbits, ext;
  uint32_t blen, nameoff;
  const uint8_t *p;
  int r;

  /* Callers pass blk < dir_nblocks(), so start < size and no shift overflow. */
  if ((r = map(fs, dir, start, &p, &ext)) != 0)
    return r == -EOPNOTSUPP ? r : -EIO;
  blen = (uint32_t)min64((uint64_t)1 << fs->blkszbits, dir->size - start);
  if (p == NULL || ext < blen || blen < DIRENT_SIZE)
    return -EIO;
  nameoff = ld16(p + 8);
  if (nameoff < DIRENT_SIZE || nameoff >= blen)
    return -EIO;
  b->p = p;
  b->len = blen;
  b->n = nameoff / DIRENT_SIZE;
  return 0;
}

/* Name of dirent i: it ends where the next one starts; the last one ends at
 * the block end or at its first NUL (padding). */
static int dir_name(const struct dblk *b, uint32_t i, const uint8_t **name, uint32_t *len)
{
  uint32_t s = ld16(b->p + i * DIRENT_SIZE + 8), e, k;

  e = i + 1 < b->n ? ld16(b->p + (i + 1) * DIRENT_SIZE + 8) : b->len;
  if (s < b->n * DIRENT_SIZE || s > e || e > b->len)
    return -EIO;
  if (i + 1 == b->n) {
    for (k = s; k < e && b->p[k] != 0; k++)
      ;
    e = k;
  }
  if (e == s || e - s > NAME_MAX_LEN)
    return -EIO;
  for (k = s; k < e; k++)
    if (b->p[k] == 0)
      return -EIO;
  *name = b->p + s;
  *len = e - s;
  return 0;
}

static int name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
  int c = __builtin_memcmp(a, b, alen < blen ? alen : blen);

  if (c != 0)
    return c;
  return alen < blen ? -1 : alen > blen;
}

int erofs_lookup(const struct erofs_fs *fs, const struct erofs_inode *dir, const char *name,
                 size_t len, uint64_t *nid_out)
{
  const uint8_t *key = (const uint8_t *)name, *dn;
  uint64_t lo, hi, cand = 0;
  int have = 0, r, c;
  uint32_t dlen, ilo, ihi;
  struct dblk b;

  if (fs == NULL || dir == NULL || nid_out == NULL)
    return -EIO;
  if (!is_dir(dir))
    return -ENOTDIR;
  if (len == 0 || len > NAME_MAX_LEN || name == NULL)
    return -ENOENT;

  /* Last block whose first name is <= key. */
  lo = 0;
  hi = dir_nblocks(fs, dir);
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;

    if ((r = dir_block(fs, dir, mid, &b)) != 0 || (r = dir_name(&b, 0, &dn, &dlen)) != 0)
      return r;
    c = name_cmp(key, len, dn, dlen);
    if (c == 0) {
      *nid_out = ld64(b.p);
      return 0;
    }
    if (c < 0) {
      hi = mid;
    } else {
      cand = mid;
      have = 1;
      lo = mid + 1;
    }
  }
  if (!have)
    return -ENOENT;

  if ((r = dir_block(fs, dir, cand, &b)) != 0)
    return r;
  ilo = 1;
  ihi = b.n;
  while (ilo < ihi) {
    uint32_t mid = ilo + (ihi - ilo) / 2;

    if ((r = dir_name(&b, mid, &dn, &dlen)) != 0)
      return r;
    c = name_cmp(key, len, dn, dlen);
    if (c == 0) {
      *nid_out = ld64(b.p + mid * DIRENT_SIZE);
      return 0;
    }
    if (c < 0)
      ihi = mid;
    else
      ilo = mid + 1;
  }
  return -ENOENT;
}

/* Byte offset of the block after blk; saturates instead of wrapping. */
static uint64_t next_block_pos(const struct erofs_fs *fs, uint64_t blk)
{
  if (blk >= (UINT64_MAX >> fs->blkszbits))
    return UINT64_MAX;
  return (blk + 1) << fs->blkszbits;
}

int erofs_readdir(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t *pos,
                  struct erofs_dirent *ent)
{
  uint64_t p, blk, mask;
  uint32_t i = 0, nlen;
  const uint8_t *dn, *de;
  struct dblk b;
  int r, tries;

  if (fs == NULL || dir == NULL || pos == NULL || ent == NULL)
    return -EIO;
  if (!is_dir(dir))
    return -ENOTDIR;
  mask = ((uint64_t)1 << fs->blkszbits) - 1;
  p = *pos;
  /* Every block holds at least one dirent, so a cookie past the last dirent
   * of one block resolves in the next: two rounds suffice. */
  for (tries = 0; tries < 2; tries++) {
    uint64_t ofs;

    if (p >= dir->size)
      return 0;
    blk = p >> fs->blkszbits;
    if ((r = dir_block(fs, dir, blk, &b)) != 0)
      return r;
    ofs = p & mask;
    if (ofs < (uint64_t)b.n * DIRENT_SIZE) {
      i = (uint32_t)((ofs + DIRENT_SIZE - 1) / DIRENT_SIZE);
      if (i < b.n)
        break;
    }
    p = next_block_pos(fs, blk);
  }
  if (tries == 2)
    return -EIO;

  if ((r = dir_name(&b, i, &dn, &nlen)) != 0)
    return r;
  de = b.p + i * DIRENT_SIZE;
  ent->nid = ld64(de);
  ent->file_type = de[10] < FT_MAX ? de[10] : 0;
  ent->name_len = (uint16_t)nlen;
  __builtin_memcpy(ent->name, dn, nlen);
  ent->name[nlen] = '\0';
  if (i + 1 < b.n)
    *pos = (blk << fs->blkszbits) + (uint64_t)(i + 1) * DIRENT_SIZE;
  else
    *pos = next_block_pos(fs, blk);
  return 1;
}
