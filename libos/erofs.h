/* Read-only EROFS reader over an image mapped in memory. Freestanding: used by
 * the LibOS inside the trustlet and by host unit tests and fuzz targets.
 * The image is untrusted: every offset is bounds-checked and corruption yields
 * -EIO (or -EINVAL at mount), never an out-of-bounds access. */
#ifndef LOS_EROFS_H
#define LOS_EROFS_H

#include <stddef.h>
#include <stdint.h>

/* i_format data layouts (struct erofs_inode.datalayout). */
#define EROFS_INODE_FLAT_PLAIN 0
#define EROFS_INODE_COMPRESSED_FULL 1
#define EROFS_INODE_FLAT_INLINE 2
#define EROFS_INODE_COMPRESSED_COMPACT 3
#define EROFS_INODE_CHUNK_BASED 4

struct erofs_fs {
  const uint8_t *base; /* image bytes */
  uint64_t size;       /* image size in bytes */
  uint32_t blkszbits;  /* log2 block size (12 for 4 KiB) */
  uint64_t meta_blkaddr;
  uint64_t xattr_blkaddr;
  uint64_t root_nid;
  uint64_t inos;
  uint32_t feature_incompat;
  uint64_t build_time;      /* mtime base of compact inodes */
  uint32_t build_time_nsec; /* mtime nsec of compact inodes */
  uint16_t extra_devices;   /* chunks on other devices are unsupported */
  /* Called before any image bytes are used (set after erofs_mount); a
   * non-zero return makes the access fail with -EIO. The LibOS checks blocks
   * against the image's hash tree here. */
  int (*verify)(const struct erofs_fs *fs, uint64_t off, uint64_t len);
};

struct erofs_inode {
  uint64_t nid;
  uint32_t mode; /* S_IF* | permission bits */
  uint64_t size;
  uint32_t uid, gid;
  uint32_t nlink;
  uint64_t ino; /* on-disk i_ino (32-bit stat compat); nid is the unique id */
  uint64_t mtime;
  uint32_t mtime_nsec;
  uint32_t rdev;
  uint32_t datalayout;    /* EROFS_INODE_FLAT_PLAIN, _FLAT_INLINE, ... */
  uint64_t raw_blkaddr;   /* first data block for flat layouts */
  uint64_t inline_off;    /* image offset of inline (tail) data, FLAT_INLINE only */
  uint64_t chunk_idx_off; /* image offset of the chunk index array, CHUNK_BASED only */
  uint8_t chunkbits;      /* log2 chunk size, CHUNK_BASED only */
  uint8_t chunk_idx_size; /* 4 (block map) or 8 (chunk indexes), CHUNK_BASED only */
};

/* A directory entry returned by erofs_readdir. */
struct erofs_dirent {
  uint64_t nid;
  uint8_t file_type; /* EROFS_FT_*: 1 reg, 2 dir, 3 chr, 4 blk, 5 fifo, 6 sock, 7 symlink */
  uint16_t name_len;
  char name[256]; /* NUL-terminated */
};

/* Validate the superblock of an image at base[0..size). 0 or -EINVAL. */
int erofs_mount(struct erofs_fs *fs, const void *base, uint64_t size);

/* Decode inode `nid`. 0, or -EIO when the inode or its data is out of bounds
 * or malformed, -EOPNOTSUPP for compressed layouts and unknown format bits.
 * Chunk-based files (holes read as zeros) are supported. */
int erofs_iget(const struct erofs_fs *fs, uint64_t nid, struct erofs_inode *out);

/* Look up one name (not NUL-terminated, length len) in directory `dir`.
 * 0 and *nid_out, -ENOENT, -ENOTDIR, or -EIO. Uses the sorted order of the
 * entries (binary search over blocks, then within a block). */
int erofs_lookup(const struct erofs_fs *fs, const struct erofs_inode *dir, const char *name,
                 size_t len, uint64_t *nid_out);

/* Copy up to len bytes of file data at offset off into buf. Returns the
 * number of bytes copied (0 at or past EOF) or -EIO (-EOPNOTSUPP for chunks on
 * an extra device). */
int64_t erofs_read(const struct erofs_fs *fs, const struct erofs_inode *inode, uint64_t off,
                   void *buf, uint64_t len);

/* Pointer to the file data at offset off, and in *avail the number of bytes
 * that are contiguous in the image from there (never past EOF). NULL at EOF
 * or on corruption (then *avail is 0). Lets callers read without copying.
 * Holes of chunk-based files yield a shared zero buffer (at most 4 KiB). */
const void *erofs_data_ptr(const struct erofs_fs *fs, const struct erofs_inode *inode, uint64_t off,
                           uint64_t *avail);

/* Directory iteration. *pos starts at 0 and is an opaque cookie advanced by
 * each call (it is a byte offset into the directory data, usable as a
 * getdents64 d_off; it strictly increases). Returns 1 with *ent filled, 0 at
 * the end, -ENOTDIR, or -EIO. "." and ".." are returned as stored in the
 * image. */
int erofs_readdir(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t *pos,
                  struct erofs_dirent *ent);

#endif
