/* dm-verity hash trees (format 1, hash type 1, SHA-256, 4 KiB blocks, empty salt): building
 * one after an image's data, reading its superblock, and checking a whole image. Written from
 * the documented on-disk format and checked against veritysetup (tests/unit/test_verity.c).
 * Memory stays bounded: at most one parent block and its 128 children are held at a time. */
#include "verity.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/sha256.h"
#include "../common/util.h"

#define PER_BLOCK (VERITY_BLOCK / VERITY_DIGEST) /* digests in one hash block: 128 */
#define CHUNK ((size_t)PER_BLOCK * VERITY_BLOCK) /* the children of one hash block */
#define SB_SIZE 512

/* Superblock fields (little-endian): signature[8], u32 version, u32 hash_type, uuid[16],
 * algorithm[32], u32 data_block_size, u32 hash_block_size, u64 data_blocks, u16 salt_size,
 * pad[6], salt[256], pad[168]. */
#define SB_SIGNATURE 0
#define SB_VERSION 8
#define SB_HASH_TYPE 12
#define SB_UUID 16
#define SB_ALGORITHM 32
#define SB_ALGORITHM_LEN 32
#define SB_DATA_BLOCK_SIZE 64
#define SB_HASH_BLOCK_SIZE 68
#define SB_DATA_BLOCKS 72
#define SB_SALT_SIZE 80
#define SB_RESERVED 82 /* pad[6], salt[256], pad[168]: all zero with an empty salt */

static const char signature[8] = "verity\0";
static const char algorithm[] = "sha256";

/* ---- little-endian fields ---- */

static uint32_t get_le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
  return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
  put_le32(p, (uint32_t)v);
  put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- SHA-256 through OpenSSL EVP ---- */

struct hasher {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
};

static void hasher_release(struct hasher *h)
{
  EVP_MD_CTX_free(h->ctx);
  EVP_MD_free(h->md);
  h->ctx = NULL;
  h->md = NULL;
}
#define cleanup_hasher __attribute__((cleanup(hasher_release)))

static int hasher_init(struct hasher *h, hacher_error_t *err)
{
  h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  h->ctx = EVP_MD_CTX_new();
  if (h->md == NULL || h->ctx == NULL)
    return hacher_error(err, 0, "sha256: OpenSSL has no SHA-256 implementation");
  return 0;
}

/* Digest of one 4 KiB block: SHA256(salt || block) with the empty salt. */
static int hash_block(struct hasher *h, const uint8_t *block, uint8_t out[VERITY_DIGEST],
                      hacher_error_t *err)
{
  unsigned int len = 0;

  if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
      EVP_DigestUpdate(h->ctx, block, VERITY_BLOCK) != 1 ||
      EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != VERITY_DIGEST)
    return hacher_error(err, 0, "sha256: OpenSSL digest failed");
  return 0;
}

/* ---- positioned I/O ---- */

static int read_at(int fd, void *buf, size_t len, uint64_t off, hacher_error_t *err)
{
  for (size_t done = 0; done < len;) {
    ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return hacher_error(err, errno, "read at offset %llu", (unsigned long long)(off + done));
    if (n == 0)
      return hacher_error(err, 0, "read at offset %llu: unexpected end of file",
                          (unsigned long long)(off + done));
    done += (size_t)n;
  }
  return 0;
}

static int write_at(int fd, const void *buf, size_t len, uint64_t off, hacher_error_t *err)
{
  for (size_t done = 0; done < len;) {
    ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hacher_error(err, n < 0 ? errno : EIO, "write at offset %llu",
                          (unsigned long long)(off + done));
    done += (size_t)n;
  }
  return 0;
}

static int file_size(int fd, uint64_t *size, hacher_error_t *err)
{
  off_t end = lseek(fd, 0, SEEK_END);

  if (end < 0)
    return hacher_error(err, errno, "size of the image");
  *size = (uint64_t)end;
  return 0;
}

/* ---- geometry ---- */

void verity_geometry(uint64_t data_size, uint64_t hash_offset, struct verity_info *info)
{
  uint64_t n = data_size / VERITY_BLOCK, at;

  memset(info, 0, sizeof(*info));
  info->data_size = data_size;
  info->hash_offset = hash_offset;
  info->tree_offset = hash_offset + VERITY_BLOCK;
  /* level i has ceil(data_blocks / 128^(i+1)) blocks; levels stop at a single block, so one
   * data block has no levels at all */
  while (n > 1 && info->levels < VERITY_MAX_LEVELS) {
    n = (n + PER_BLOCK - 1) / PER_BLOCK;
    info->level_blocks[info->levels++] = n;
  }
  at = info->tree_offset;
  for (uint32_t l = info->levels; l-- > 0;) {
    info->level_offset[l] = at;
    at += info->level_blocks[l] * VERITY_BLOCK;
  }
  info->tree_size = at - info->tree_offset;
}

/* The geometry of data_size bytes, refusing sizes whose tree would not fit in a file. */
static int checked_geometry(uint64_t data_size, struct verity_info *info, hacher_error_t *err)
{
  if (data_size == 0 || data_size % VERITY_BLOCK != 0)
    return hacher_error(err, 0, "data size %llu is not a non-zero multiple of %d",
                        (unsigned long long)data_size, VERITY_BLOCK);
  if (data_size > (uint64_t)INT64_MAX / 2)
    return hacher_error(err, 0, "data size %llu is too large", (unsigned long long)data_size);
  verity_geometry(data_size, data_size, info);
  return 0;
}

static uint64_t tree_end(const struct verity_info *info)
{
  return info->tree_offset + info->tree_size;
}

/* How many of `count` child blocks parent block p covers (at most 128). */
static uint64_t children_of(uint64_t count, uint64_t p)
{
  uint64_t left = count - p * PER_BLOCK;

  return left < PER_BLOCK ? left : PER_BLOCK;
}

/* ---- building ---- */

/* Hash `count` blocks starting at child_off into hash blocks written from parent_off on. */
static int hash_level(int fd, struct hasher *h, uint64_t child_off, uint64_t count,
                      uint64_t parent_off, uint8_t *chunk, hacher_error_t *err)
{
  uint8_t parent[VERITY_BLOCK];

  for (uint64_t p = 0; p * PER_BLOCK < count; p++) {
    uint64_t n = children_of(count, p);

    if (read_at(fd, chunk, n * VERITY_BLOCK, child_off + p * CHUNK, err) < 0)
      return -1;
    memset(parent, 0, sizeof(parent));
    for (uint64_t j = 0; j < n; j++)
      if (hash_block(h, chunk + j * VERITY_BLOCK, parent + j * VERITY_DIGEST, err) < 0)
        return -1;
    if (write_at(fd, parent, sizeof(parent), parent_off + p * VERITY_BLOCK, err) < 0)
      return -1;
  }
  return 0;
}

static int write_superblock(int fd, const struct verity_info *info, hacher_error_t *err)
{
  uint8_t sb[VERITY_BLOCK] = {0};

  memcpy(sb + SB_SIGNATURE, signature, sizeof(signature));
  put_le32(sb + SB_VERSION, 1);
  put_le32(sb + SB_HASH_TYPE, 1);
  memcpy(sb + SB_ALGORITHM, algorithm, strlen(algorithm)); /* uuid: zeros */
  put_le32(sb + SB_DATA_BLOCK_SIZE, VERITY_BLOCK);
  put_le32(sb + SB_HASH_BLOCK_SIZE, VERITY_BLOCK);
  put_le64(sb + SB_DATA_BLOCKS, info->data_size / VERITY_BLOCK);
  return write_at(fd, sb, sizeof(sb), info->hash_offset, err);
}

/* The root hash: the digest of the top-level block, or of the data block when it is alone. */
/* One block: the portable digest, so opening an image (on every container
 * start) needs no OpenSSL initialisation. */
static int compute_root(int fd, struct verity_info *info, hacher_error_t *err)
{
  uint8_t top[VERITY_BLOCK];
  uint64_t off = info->levels ? info->level_offset[info->levels - 1] : 0;

  if (read_at(fd, top, sizeof(top), off, err) < 0)
    return -1;
  sha256(top, sizeof(top), info->root);
  return 0;
}

static int build_tree(int fd, struct verity_info *info, hacher_error_t *err)
{
  cleanup_hasher struct hasher h = {0};
  cleanup_free uint8_t *chunk = xmalloc(CHUNK);
  uint64_t child_off = 0, count = info->data_size / VERITY_BLOCK;

  if (hasher_init(&h, err) < 0 || write_superblock(fd, info, err) < 0)
    return -1;
  for (uint32_t l = 0; l < info->levels; l++) {
    if (hash_level(fd, &h, child_off, count, info->level_offset[l], chunk, err) < 0)
      return -1;
    child_off = info->level_offset[l];
    count = info->level_blocks[l];
  }
  return compute_root(fd, info, err);
}

int verity_append(int fd, uint64_t data_size, struct verity_info *info, hacher_error_t *err)
{
  uint64_t size = 0;
  struct stat st;

  if (checked_geometry(data_size, info, err) < 0 || file_size(fd, &size, err) < 0)
    return hacher_error_wrap(err, "append verity tree");
  if (size < data_size)
    return hacher_error(err, 0, "append verity tree: the file has %llu bytes, not %llu of data",
                        (unsigned long long)size, (unsigned long long)data_size);
  if (build_tree(fd, info, err) < 0)
    return hacher_error_wrap(err, "append verity tree");
  /* drop anything after the tree (an older, longer tree): same data, same file */
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, (off_t)tree_end(info)) < 0)
    return hacher_error(err, errno, "append verity tree: truncate at %llu",
                        (unsigned long long)tree_end(info));
  return 0;
}

/* ---- reading the superblock ---- */

/* The algorithm name as text for a message: up to its NUL, unprintable bytes as '?'. */
static void printable_name(const uint8_t *name, char out[SB_ALGORITHM_LEN + 1])
{
  size_t i;

  for (i = 0; i < SB_ALGORITHM_LEN && name[i] != 0; i++)
    out[i] = isprint(name[i]) ? (char)name[i] : '?';
  out[i] = 0;
}

static int check_kind(const uint8_t *sb, hacher_error_t *err)
{
  uint8_t want_alg[SB_ALGORITHM_LEN] = {0};

  memcpy(want_alg, algorithm, strlen(algorithm));
  if (memcmp(sb + SB_SIGNATURE, signature, sizeof(signature)) != 0)
    return hacher_error(err, 0, "bad signature (no dm-verity superblock)");
  if (get_le32(sb + SB_VERSION) != 1)
    return hacher_error(err, 0, "format version %u (only version 1 is supported)",
                        get_le32(sb + SB_VERSION));
  if (get_le32(sb + SB_HASH_TYPE) != 1)
    return hacher_error(err, 0, "hash type %u (only type 1 is supported)",
                        get_le32(sb + SB_HASH_TYPE));
  if (memcmp(sb + SB_ALGORITHM, want_alg, sizeof(want_alg)) != 0) {
    char name[SB_ALGORITHM_LEN + 1];
    printable_name(sb + SB_ALGORITHM, name);
    return hacher_error(err, 0, "hash algorithm \"%s\" (only sha256 is supported)", name);
  }
  return 0;
}

static int check_sizes(const uint8_t *sb, uint64_t hash_offset, hacher_error_t *err)
{
  uint64_t blocks = get_le64(sb + SB_DATA_BLOCKS);

  if (get_le32(sb + SB_DATA_BLOCK_SIZE) != VERITY_BLOCK)
    return hacher_error(err, 0, "data block size %u (only %d is supported)",
                        get_le32(sb + SB_DATA_BLOCK_SIZE), VERITY_BLOCK);
  if (get_le32(sb + SB_HASH_BLOCK_SIZE) != VERITY_BLOCK)
    return hacher_error(err, 0, "hash block size %u (only %d is supported)",
                        get_le32(sb + SB_HASH_BLOCK_SIZE), VERITY_BLOCK);
  if (sb[SB_SALT_SIZE] != 0 || sb[SB_SALT_SIZE + 1] != 0)
    return hacher_error(err, 0, "salt of %u bytes (only an empty salt is supported)",
                        (unsigned)sb[SB_SALT_SIZE] | (unsigned)sb[SB_SALT_SIZE + 1] << 8);
  if (blocks > UINT64_MAX / VERITY_BLOCK || blocks * VERITY_BLOCK != hash_offset)
    return hacher_error(err, 0, "%llu data blocks, but the hash offset %llu means %llu",
                        (unsigned long long)blocks, (unsigned long long)hash_offset,
                        (unsigned long long)(hash_offset / VERITY_BLOCK));
  for (size_t i = SB_RESERVED; i < SB_SIZE; i++)
    if (sb[i] != 0)
      return hacher_error(err, 0, "nonzero reserved byte at superblock offset %zu", i);
  return 0;
}

static int read_superblock(int fd, uint64_t hash_offset, uint64_t size, hacher_error_t *err)
{
  uint8_t sb[SB_SIZE];

  if (hash_offset == 0 || hash_offset % VERITY_BLOCK != 0)
    return hacher_error(err, 0, "hash offset %llu is not a non-zero multiple of %d",
                        (unsigned long long)hash_offset, VERITY_BLOCK);
  if (size < hash_offset || size - hash_offset < SB_SIZE)
    return hacher_error(err, 0, "beyond the end of the file (%llu bytes)",
                        (unsigned long long)size);
  if (read_at(fd, sb, sizeof(sb), hash_offset, err) < 0 || check_kind(sb, err) < 0 ||
      check_sizes(sb, hash_offset, err) < 0)
    return -1;
  return 0;
}

int verity_open(int fd, uint64_t hash_offset, struct verity_info *info, hacher_error_t *err)
{
  uint64_t size = 0;

  memset(info, 0, sizeof(*info));
  if (file_size(fd, &size, err) < 0)
    return -1;
  if (read_superblock(fd, hash_offset, size, err) < 0 ||
      checked_geometry(hash_offset, info, err) < 0)
    return hacher_error_wrap(err, "verity superblock at offset %llu",
                             (unsigned long long)hash_offset);
  if (size < tree_end(info))
    return hacher_error(err, 0, "truncated: the file has %llu bytes, the hash tree ends at %llu",
                        (unsigned long long)size, (unsigned long long)tree_end(info));
  if (compute_root(fd, info, err) < 0)
    return -1;
  return 0;
}

/* ---- checking a whole image ---- */

/* The bytes between the 512-byte superblock and the first hash block must be zero. */
static int check_superblock_padding(int fd, const struct verity_info *info, hacher_error_t *err)
{
  uint8_t block[VERITY_BLOCK];

  if (read_at(fd, block, sizeof(block), info->hash_offset, err) < 0)
    return -1;
  for (size_t i = SB_SIZE; i < sizeof(block); i++)
    if (block[i] != 0)
      return hacher_error(err, 0, "nonzero byte at offset %zu of the verity superblock block", i);
  return 0;
}

/* Compare the digests of n child blocks with those a known-good parent block holds; the error
 * names the first child that differs (child_level -1: data blocks). */
static int check_group(struct hasher *h, const uint8_t *parent, const uint8_t *chunk, uint64_t n,
                       uint64_t first, int child_level, hacher_error_t *err)
{
  uint8_t got[VERITY_DIGEST];

  for (uint64_t j = 0; j < n; j++) {
    if (hash_block(h, chunk + j * VERITY_BLOCK, got, err) < 0)
      return -1;
    if (memcmp(got, parent + j * VERITY_DIGEST, VERITY_DIGEST) == 0)
      continue;
    if (child_level < 0)
      return hacher_error(err, 0, "data block %llu does not match the hash tree",
                          (unsigned long long)(first + j));
    return hacher_error(err, 0, "hash block %llu (level %d) does not match the hash tree",
                        (unsigned long long)(first + j), child_level);
  }
  return 0;
}

/* Check the children of level `level` (the level below, or the data for level 0) against the
 * digests it holds; level `level` itself is already known good. */
static int check_children(int fd, struct hasher *h, const struct verity_info *info, uint32_t level,
                          uint8_t *chunk, hacher_error_t *err)
{
  uint64_t count = level ? info->level_blocks[level - 1] : info->data_size / VERITY_BLOCK;
  uint64_t child_off = level ? info->level_offset[level - 1] : 0;
  uint8_t parent[VERITY_BLOCK];

  for (uint64_t p = 0; p < info->level_blocks[level]; p++) {
    uint64_t n = children_of(count, p);

    if (read_at(fd, parent, sizeof(parent), info->level_offset[level] + p * VERITY_BLOCK, err) < 0)
      return -1;
    if (read_at(fd, chunk, n * VERITY_BLOCK, child_off + p * CHUNK, err) < 0)
      return -1;
    if (check_group(h, parent, chunk, n, p * PER_BLOCK, (int)level - 1, err) < 0)
      return -1;
  }
  return 0;
}

static int root_mismatch(const uint8_t want[VERITY_DIGEST], const uint8_t have[VERITY_DIGEST],
                         hacher_error_t *err)
{
  char want_hex[2 * VERITY_DIGEST + 1], have_hex[2 * VERITY_DIGEST + 1];

  verity_hex(want, want_hex);
  verity_hex(have, have_hex);
  return hacher_error(err, 0, "root hash mismatch: expected %s, image has %s", want_hex, have_hex);
}

static int check_image(int fd, uint64_t hash_offset, const uint8_t root[VERITY_DIGEST],
                       hacher_error_t *err)
{
  cleanup_hasher struct hasher h = {0};
  cleanup_free uint8_t *chunk = NULL;
  struct verity_info info;

  if (verity_open(fd, hash_offset, &info, err) < 0)
    return -1;
  if (memcmp(info.root, root, VERITY_DIGEST) != 0)
    return root_mismatch(root, info.root, err);
  if (check_superblock_padding(fd, &info, err) < 0 || hasher_init(&h, err) < 0)
    return -1;
  chunk = xmalloc(CHUNK);
  for (uint32_t l = info.levels; l-- > 0;)
    if (check_children(fd, &h, &info, l, chunk, err) < 0)
      return -1;
  return 0;
}

int verity_verify_file(const char *path, uint64_t hash_offset, const uint8_t root[VERITY_DIGEST],
                       hacher_error_t *err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", path);
  if (check_image(fd, hash_offset, root, err) < 0)
    return hacher_error_wrap(err, "%s", path);
  return 0;
}

/* ---- hex ---- */

void verity_hex(const uint8_t root[VERITY_DIGEST], char out[2 * VERITY_DIGEST + 1])
{
  static const char digits[] = "0123456789abcdef";

  for (int i = 0; i < VERITY_DIGEST; i++) {
    out[2 * i] = digits[root[i] >> 4];
    out[2 * i + 1] = digits[root[i] & 15];
  }
  out[2 * VERITY_DIGEST] = 0;
}

static int hex_digit(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int verity_parse_hex(const char *hex, uint8_t root[VERITY_DIGEST])
{
  uint8_t out[VERITY_DIGEST];

  if (hex == NULL || strlen(hex) != 2 * VERITY_DIGEST)
    return -1;
  for (int i = 0; i < VERITY_DIGEST; i++) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  memcpy(root, out, sizeof(out));
  return 0;
}
