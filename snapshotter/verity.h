/* dm-verity hash trees for trustlet images (format version 1, hash type 1, SHA-256, 4 KiB data
 * and hash blocks, empty salt, all-zero UUID), appended to the image after its data:
 *
 *   [data: data_size bytes][superblock, 512 bytes, zero-padded to 4096][levels, top first]
 *
 * This is the layout `veritysetup format IMG IMG --hash-offset=DATA_SIZE --salt=-
 * --uuid=00000000-0000-0000-0000-000000000000` writes, byte for byte. A level-0 hash block holds
 * the digests of 128 data blocks, a level-i block those of 128 level-(i-1) blocks; the last block
 * of a level is zero-padded. The root hash is the digest of the single top-level block; with
 * one data block there are no levels and the root hash is the digest of that block (as the
 * kernel and veritysetup do). Digest = SHA256(salt || block), the salt being empty. */
#ifndef HACHER_VERITY_H
#define HACHER_VERITY_H

#include <stdint.h>

#include "../common/error.h"

#define VERITY_BLOCK 4096
#define VERITY_DIGEST 32
#define VERITY_MAX_LEVELS 8 /* 128^8 blocks of 4 KiB: more than any 64-bit size */

struct verity_info {
  uint64_t data_size;   /* bytes of data covered (multiple of 4096) */
  uint64_t hash_offset; /* where the verity superblock starts (== data_size) */
  uint64_t tree_offset; /* first hash block (hash_offset + 4096) */
  uint64_t tree_size;   /* bytes of all hash levels (0 for a single data block) */
  uint32_t levels;
  uint64_t level_offset[VERITY_MAX_LEVELS]; /* file offset of each level's first block;
                                               [0] = level 0 (leaf hashes) */
  uint64_t level_blocks[VERITY_MAX_LEVELS];
  uint8_t root[VERITY_DIGEST];
};

/* Append superblock + tree to the open file fd whose first data_size bytes are the data
 * (data_size must be a non-zero multiple of 4096; pad first if not). Anything after the tree
 * is cut off, so the same data always gives the same file. Fills *info (incl. root). */
int verity_append(int fd, uint64_t data_size, struct verity_info *info, hacher_error_t *err);

/* Read and validate the superblock at hash_offset of fd, compute the geometry, check the file
 * holds the whole tree, and compute the root hash from the top-level block (unverified). */
int verity_open(int fd, uint64_t hash_offset, struct verity_info *info, hacher_error_t *err);

/* Full check of every data and hash block of the image at path against `root`, top down, so
 * the error names the first bad block: `PATH: data block 12 does not match the hash tree`,
 * `PATH: hash block 3 (level 0) does not match the hash tree`, `PATH: root hash mismatch:
 * expected X, image has Y`. */
int verity_verify_file(const char *path, uint64_t hash_offset, const uint8_t root[VERITY_DIGEST],
                       hacher_error_t *err);

/* Geometry only (no I/O): levels, level offsets and sizes for data_size at hash_offset. */
void verity_geometry(uint64_t data_size, uint64_t hash_offset, struct verity_info *info);

/* Lower-case hex of a root hash, NUL-terminated. */
void verity_hex(const uint8_t root[VERITY_DIGEST], char out[2 * VERITY_DIGEST + 1]);

/* Parse exactly 64 hex digits (either case); -1 otherwise. */
int verity_parse_hex(const char *hex, uint8_t root[VERITY_DIGEST]);

#endif
