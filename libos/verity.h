/* Lazy dm-verity checking of the image in the LibOS (verity.c): every image
 * block is checked against the hash tree, up to the trusted root hash, before
 * its first use. Freestanding; also built for host tests and fuzzing. */
#ifndef LOS_VERITY_H
#define LOS_VERITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOS_VERITY_MAX_LEVELS 8

struct los_verity {
  const uint8_t *base;  /* image file bytes */
  uint64_t file_size;   /* bytes mapped */
  uint64_t data_blocks; /* 4 KiB blocks covered */
  uint64_t tree_offset; /* first hash block */
  uint32_t levels;
  uint64_t level_block[LOS_VERITY_MAX_LEVELS]; /* first block index (from tree_offset) */
  uint64_t level_count[LOS_VERITY_MAX_LEVELS];
  uint64_t hash_blocks;
  uint8_t root[32];
  uint8_t *data_ok; /* bitmaps of checked blocks, caller-provided */
  uint8_t *hash_ok;
  uint8_t *data_bad; /* ... and of blocks found bad (reported once) */
  uint8_t *hash_bad;
  /* Digest of one 4 KiB block; sha256 when NULL. Set after setup. */
  void (*digest)(const void *block, uint8_t out[32]);
  /* Called once per bad block with a message, e.g. for a log line. */
  void (*report)(const char *what, uint64_t block, uint32_t level);
};

/* Geometry for data_size bytes with the verity superblock at hash_offset;
 * returns the bytes needed for the two bitmaps, or 0 if the geometry does not
 * fit in file_size or is malformed. */
uint64_t los_verity_setup(struct los_verity *v, const void *base, uint64_t file_size,
                          uint64_t data_size, uint64_t hash_offset, const uint8_t root[32]);
/* Give the bitmaps (zeroed, of the size setup returned): checked-good and
 * found-bad, for data and hash blocks. */
void los_verity_attach(struct los_verity *v, uint8_t *bitmaps);
/* 0 when every block overlapping [off, off+len) of the data matches, else -1. */
int los_verity_check(struct los_verity *v, uint64_t off, uint64_t len);

#endif
