/* dm-verity (version 1, SHA-256, 4 KiB blocks, empty salt) checking, block by
 * block on first use. Levels are stored top first after the superblock block;
 * level 0 holds the digests of the data blocks. */
#include "verity.h"

#include "../common/sha256.h"

#define BLK 4096ULL
#define PER_BLOCK 128ULL /* digests per hash block */

static bool bit(const uint8_t *map, uint64_t i)
{
  return (map[i / 8] >> (i % 8)) & 1;
}

static void set_bit(uint8_t *map, uint64_t i)
{
  map[i / 8] |= (uint8_t)(1u << (i % 8));
}

uint64_t los_verity_setup(struct los_verity *v, const void *base, uint64_t file_size,
                          uint64_t data_size, uint64_t hash_offset, const uint8_t root[32])
{
  uint64_t at = 0, n;

  __builtin_memset(v, 0, sizeof(*v));
  if (data_size == 0 || data_size % BLK || hash_offset != data_size || hash_offset > file_size)
    return 0;
  v->base = base;
  v->file_size = file_size;
  v->data_blocks = data_size / BLK;
  v->tree_offset = hash_offset + BLK;
  for (n = v->data_blocks; n > 1; n = (n + PER_BLOCK - 1) / PER_BLOCK)
    if (++v->levels > LOS_VERITY_MAX_LEVELS)
      return 0;
  /* level i has ceil(data_blocks / 128^(i+1)) blocks; the top comes first */
  n = v->data_blocks;
  for (uint32_t i = 0; i < v->levels; i++) {
    n = (n + PER_BLOCK - 1) / PER_BLOCK;
    v->level_count[i] = n;
  }
  for (uint32_t i = v->levels; i-- > 0;) {
    v->level_block[i] = at;
    at += v->level_count[i];
  }
  v->hash_blocks = at;
  if (v->tree_offset > file_size || at > (file_size - v->tree_offset) / BLK)
    return 0;
  __builtin_memcpy(v->root, root, 32);
  return 2 * ((v->data_blocks + 7) / 8 + (v->hash_blocks + 7) / 8);
}

void los_verity_attach(struct los_verity *v, uint8_t *bitmaps)
{
  uint64_t d = (v->data_blocks + 7) / 8, h = (v->hash_blocks + 7) / 8;

  v->data_ok = bitmaps;
  v->hash_ok = bitmaps + d;
  v->data_bad = bitmaps + d + h;
  v->hash_bad = bitmaps + 2 * d + h;
}

static void digest(const struct los_verity *v, const void *block, uint8_t out[32])
{
  if (v->digest != NULL)
    v->digest(block, out);
  else
    sha256(block, BLK, out);
}

static const uint8_t *hash_block(const struct los_verity *v, uint32_t level, uint64_t idx)
{
  return v->base + v->tree_offset + (v->level_block[level] + idx) * BLK;
}

/* The expected digest of block idx of level `level` (level -1: data). */
static const uint8_t *expected(struct los_verity *v, int level, uint64_t idx);

static int hash_block_ok(struct los_verity *v, uint32_t level, uint64_t idx)
{
  uint64_t id = v->level_block[level] + idx;
  uint8_t got[32];
  const uint8_t *want;

  if (bit(v->hash_ok, id))
    return 0;
  if (bit(v->hash_bad, id))
    return -1;
  want = expected(v, (int)level, idx);
  if (want == NULL)
    return -1;
  digest(v, hash_block(v, level, idx), got);
  if (__builtin_memcmp(got, want, 32) != 0) {
    set_bit(v->hash_bad, id);
    if (v->report)
      v->report("hash block", idx, level);
    return -1;
  }
  set_bit(v->hash_ok, id);
  return 0;
}

static const uint8_t *expected(struct los_verity *v, int level, uint64_t idx)
{
  uint32_t parent = (uint32_t)(level + 1);

  if (parent == v->levels)
    return v->root; /* the top block, or the only data block */
  if (hash_block_ok(v, parent, idx / PER_BLOCK) < 0)
    return NULL;
  return hash_block(v, parent, idx / PER_BLOCK) + (idx % PER_BLOCK) * 32;
}

int los_verity_check(struct los_verity *v, uint64_t off, uint64_t len)
{
  uint64_t first, last;

  if (len == 0)
    return 0;
  if (off + len < off || off + len > v->data_blocks * BLK)
    return -1;
  first = off / BLK;
  last = (off + len - 1) / BLK;
  for (uint64_t b = first; b <= last; b++) {
    uint8_t got[32];
    const uint8_t *want;
    if (bit(v->data_ok, b))
      continue;
    if (bit(v->data_bad, b))
      return -1;
    want = expected(v, -1, b);
    if (want == NULL)
      return -1;
    digest(v, v->base + b * BLK, got);
    if (__builtin_memcmp(got, want, 32) != 0) {
      set_bit(v->data_bad, b);
      if (v->report)
        v->report("data block", b, 0);
      return -1;
    }
    set_bit(v->data_ok, b);
  }
  return 0;
}
