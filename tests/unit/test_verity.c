/* The host's dm-verity trees (snapshotter/verity.c): geometry, byte equality with
 * `veritysetup format`, acceptance by `veritysetup verify`, and the checker's messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../snapshotter/verity.h"
#include "unit.h"

#define BLK 4096ULL

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
  char tmpl[] = "/tmp/hacher-verity-XXXXXX";

  if (mkdtemp(tmpl) == NULL) {
    unit_fail(__FILE__, __LINE__, "mkdtemp /tmp/hacher-verity-XXXXXX");
    return NULL;
  }
  return xstrdup(tmpl);
}

static void drop_tmpdir(char *dir)
{
  hacher_error_t err = NULL;

  if (dir != NULL && remove_tree(dir, &err) < 0) {
    printf("  %s\n", err->msg);
    hacher_error_release(&err);
  }
  free(dir);
}

static uint64_t splitmix(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* `blocks` blocks of pseudo-random data from `seed`; when sparse, only every 1000th block
 * (and the last) holds data and the rest are holes, so large trees stay cheap. */
static int write_data(const char *path, uint64_t blocks, uint64_t seed, int sparse)
{
  cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  uint64_t buf[BLK / 8];

  if (fd < 0 || ftruncate(fd, (off_t)(blocks * BLK)) < 0)
    return -1;
  for (uint64_t b = 0; b < blocks; b++) {
    if (sparse && b % 1000 != 0 && b != blocks - 1)
      continue;
    for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
      buf[i] = splitmix(&seed);
    if (pwrite(fd, buf, sizeof(buf), (off_t)(b * BLK)) != (ssize_t)sizeof(buf))
      return -1;
  }
  return 0;
}

static int append_tree(const char *path, uint64_t data_size, struct verity_info *vi)
{
  hacher_error_t err = NULL;
  cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return -1;
  if (verity_append(fd, data_size, vi, &err) < 0) {
    printf("  verity_append: %s\n", err->msg);
    hacher_error_release(&err);
    return -1;
  }
  return 0;
}

/* A data file of `blocks` blocks with its tree appended. */
static char *make_image(const char *dir, const char *name, uint64_t blocks, uint64_t seed,
                        struct verity_info *vi)
{
  char *path = xasprintf("%s/%s", dir, name);

  CHECK_EQ_INT(write_data(path, blocks, seed, 0), 0);
  CHECK_EQ_INT(append_tree(path, blocks * BLK, vi), 0);
  return path;
}

static uint64_t size_of(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 ? (uint64_t)st.st_size : (uint64_t)-1;
}

static int files_equal(const char *a, const char *b)
{
  cleanup_fclose FILE *fa = fopen(a, "rb");
  cleanup_fclose FILE *fb = fopen(b, "rb");
  static char ba[65536], bb[65536];
  size_t na;

  if (fa == NULL || fb == NULL)
    return 0;
  do {
    size_t nb;
    na = fread(ba, 1, sizeof(ba), fa);
    nb = fread(bb, 1, sizeof(bb), fb);
    if (na != nb || memcmp(ba, bb, na) != 0)
      return 0;
  } while (na > 0);
  return 1;
}

static void flip_bit(const char *path, uint64_t off, int bit)
{
  cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
  uint8_t c = 0;

  CHECK(fd >= 0 && pread(fd, &c, 1, (off_t)off) == 1);
  c ^= (uint8_t)(1u << bit);
  CHECK(fd >= 0 && pwrite(fd, &c, 1, (off_t)off) == 1);
}

static void put_bytes(const char *path, uint64_t off, const void *bytes, size_t n)
{
  cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);

  CHECK(fd >= 0 && pwrite(fd, bytes, n, (off_t)off) == (ssize_t)n);
}

static const char *veritysetup_path(void)
{
  static const char *const candidates[] = {"/usr/sbin/veritysetup", "/sbin/veritysetup",
                                           "/usr/bin/veritysetup", "/usr/local/sbin/veritysetup"};
  for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
    if (access(candidates[i], X_OK) == 0)
      return candidates[i];
  unit_fail(__FILE__, __LINE__, "veritysetup not found: apt-get install cryptsetup-bin");
  return NULL;
}

/* Run a shell command; its exit status, or -1. Output goes to `log` when given. */
static int run(const char *cmd, const char *log)
{
  cleanup_free char *full = xasprintf("%s >%s 2>&1", cmd, log ? log : "/dev/null");
  int status = system(full);

  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int veritysetup_verify(const char *image, uint64_t hash_offset, const char *root_hex)
{
  const char *vs = veritysetup_path();
  cleanup_free char *cmd = NULL;

  if (vs == NULL)
    return -1;
  cmd = xasprintf("%s verify %s %s %s --hash-offset=%llu", vs, image, image, root_hex,
                  (unsigned long long)hash_offset);
  return run(cmd, NULL);
}

/* The "Root hash:" line of veritysetup's output, into out[65]. */
static int root_from_log(const char *log, char out[65])
{
  cleanup_free char *text = NULL;
  hacher_error_t err = NULL;
  size_t size;
  const char *p;

  if (read_file(log, &text, &size, &err) < 0) {
    hacher_error_release(&err);
    return -1;
  }
  p = strstr(text, "Root hash:");
  if (p == NULL)
    return -1;
  p += strlen("Root hash:");
  p += strspn(p, " \t");
  if (strspn(p, "0123456789abcdef") != 64)
    return -1;
  memcpy(out, p, 64);
  out[64] = 0;
  return 0;
}

/* `veritysetup format` of a copy of the data: the file and the root hash it gives. */
static int veritysetup_format(const char *path, uint64_t blocks, char root_hex[65])
{
  const char *vs = veritysetup_path();
  cleanup_free char *log = xasprintf("%s.log", path);
  cleanup_free char *cmd = NULL;

  if (vs == NULL)
    return -1;
  cmd = xasprintf("%s format %s %s --hash-offset=%llu --salt=- "
                  "--uuid=00000000-0000-0000-0000-000000000000 --data-block-size=4096 "
                  "--hash-block-size=4096",
                  vs, path, path, (unsigned long long)(blocks * BLK));
  if (run(cmd, log) != 0)
    return -1;
  return root_from_log(log, root_hex);
}

/* verity_verify_file fails with exactly `want` (built from the image path). */
static void expect_verify_error(const char *path, uint64_t hash_offset, const uint8_t root[32],
                                const char *want)
{
  hacher_error_t err = NULL;

  CHECK_EQ_INT(verity_verify_file(path, hash_offset, root, &err), -1);
  CHECK_EQ_STR(err ? err->msg : NULL, want);
  hacher_error_release(&err);
}

static void expect_verify_ok(const char *path, uint64_t hash_offset, const uint8_t root[32])
{
  hacher_error_t err = NULL;

  CHECK_EQ_INT(verity_verify_file(path, hash_offset, root, &err), 0);
  if (err != NULL)
    printf("  %s\n", err->msg);
  hacher_error_release(&err);
}

/* ---- geometry ---- */

struct geometry_case {
  uint64_t blocks;
  uint32_t levels;
  uint64_t level_blocks[4]; /* level 0 first */
};

static void check_geometry(const struct geometry_case *c)
{
  struct verity_info vi;
  uint64_t at, total = 0;

  verity_geometry(c->blocks * BLK, c->blocks * BLK, &vi);
  CHECK_EQ_INT(vi.data_size, c->blocks * BLK);
  CHECK_EQ_INT(vi.hash_offset, c->blocks * BLK);
  CHECK_EQ_INT(vi.tree_offset, c->blocks * BLK + BLK);
  CHECK_EQ_INT(vi.levels, c->levels);
  /* the top level comes first, level 0 last */
  at = vi.tree_offset;
  for (uint32_t l = c->levels; l-- > 0;) {
    CHECK_EQ_INT(vi.level_blocks[l], c->level_blocks[l]);
    CHECK_EQ_INT(vi.level_offset[l], at);
    at += c->level_blocks[l] * BLK;
    total += c->level_blocks[l] * BLK;
  }
  CHECK_EQ_INT(vi.tree_size, total);
}

TEST(verity_geometry_levels)
{
  static const struct geometry_case cases[] = {
      {1, 0, {0}},
      {2, 1, {1}},
      {127, 1, {1}},
      {128, 1, {1}},
      {129, 2, {2, 1}},
      {128 * 128, 2, {128, 1}},
      {128 * 128 + 1, 3, {129, 2, 1}},
      {128 * 128 * 128 + 1, 4, {16385, 129, 2, 1}},
  };
  struct verity_info vi;

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    check_geometry(&cases[i]);
  /* the tree need not follow the data directly */
  verity_geometry(2 * BLK, 10 * BLK, &vi);
  CHECK_EQ_INT(vi.levels, 1);
  CHECK_EQ_INT(vi.level_offset[0], 11 * BLK);
  CHECK_EQ_INT(vi.tree_size, BLK);
}

/* ---- against veritysetup ---- */

static void check_veritysetup_verifies(const char *dir, uint64_t blocks)
{
  struct verity_info vi;
  cleanup_free char *path = make_image(dir, "img", blocks, blocks, &vi);
  char hex[65], wrong[65];

  CHECK_EQ_INT(size_of(path), vi.tree_offset + vi.tree_size);
  verity_hex(vi.root, hex);
  CHECK_EQ_INT(veritysetup_verify(path, blocks * BLK, hex), 0);
  memcpy(wrong, hex, sizeof(wrong));
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  CHECK(veritysetup_verify(path, blocks * BLK, wrong) != 0);
  expect_verify_ok(path, blocks * BLK, vi.root);
}

TEST(verity_veritysetup_verify_accepts)
{
  static const uint64_t sizes[] = {1, 2, 200, 5120 /* 20 MiB */};
  char *dir = make_tmpdir();

  if (dir == NULL || veritysetup_path() == NULL)
    goto out;
  for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
    check_veritysetup_verifies(dir, sizes[i]);
out:
  drop_tmpdir(dir);
}

static void check_same_as_veritysetup(const char *dir, uint64_t blocks, int sparse)
{
  cleanup_free char *ours = xasprintf("%s/ours-%llu", dir, (unsigned long long)blocks);
  cleanup_free char *theirs = xasprintf("%s/theirs-%llu", dir, (unsigned long long)blocks);
  struct verity_info vi;
  char hex[65], their_hex[65] = "";

  CHECK_EQ_INT(write_data(ours, blocks, 7 * blocks, sparse), 0);
  CHECK_EQ_INT(write_data(theirs, blocks, 7 * blocks, sparse), 0);
  CHECK_EQ_INT(append_tree(ours, blocks * BLK, &vi), 0);
  CHECK_EQ_INT(veritysetup_format(theirs, blocks, their_hex), 0);
  verity_hex(vi.root, hex);
  CHECK_EQ_STR(hex, their_hex);
  CHECK_EQ_INT(size_of(ours), size_of(theirs));
  CHECK(files_equal(ours, theirs));
  if (!files_equal(ours, theirs))
    printf("  %llu blocks: trees differ\n", (unsigned long long)blocks);
  unlink(ours);
  unlink(theirs);
}

TEST(verity_same_bytes_as_veritysetup_format)
{
  static const uint64_t sizes[] = {1, 2, 127, 128, 129, 200, 5120};
  char *dir = make_tmpdir();

  if (dir == NULL || veritysetup_path() == NULL)
    goto out;
  for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
    check_same_as_veritysetup(dir, sizes[i], 0);
  check_same_as_veritysetup(dir, 128 * 128, 1);     /* two full levels */
  check_same_as_veritysetup(dir, 128 * 128 + 1, 1); /* three levels */
out:
  drop_tmpdir(dir);
}

/* ---- determinism ---- */

TEST(verity_append_is_deterministic)
{
  char *dir = make_tmpdir();
  struct verity_info a, b, c;
  cleanup_free char *pa = NULL, *pb = NULL;
  static const char junk[] = "an older, longer tree";

  if (dir == NULL)
    return;
  pa = make_image(dir, "a", 300, 42, &a);
  pb = make_image(dir, "b", 300, 42, &b);
  CHECK(memcmp(a.root, b.root, 32) == 0);
  CHECK(files_equal(pa, pb));
  /* appending again over an existing tree, with bytes after it, gives the same file */
  put_bytes(pb, size_of(pb) + 8192, junk, sizeof(junk));
  CHECK_EQ_INT(append_tree(pb, 300 * BLK, &c), 0);
  CHECK(memcmp(a.root, c.root, 32) == 0);
  CHECK(files_equal(pa, pb));
  drop_tmpdir(dir);
}

/* ---- full check ---- */

TEST(verity_verify_file_catches_corruption)
{
  char *dir = make_tmpdir();
  struct verity_info vi, bad;
  cleanup_free char *path = NULL, *want = NULL;
  cleanup_close int fd = -1;
  hacher_error_t err = NULL;
  char expected[65], has[65];
  uint64_t ho = 200 * BLK;

  if (dir == NULL)
    return;
  path = make_image(dir, "img", 200, 3, &vi); /* level 0: 2 blocks, level 1: the top */
  CHECK_EQ_INT(vi.levels, 2);
  expect_verify_ok(path, ho, vi.root);

  flip_bit(path, 12 * BLK + 100, 3);
  free(want);
  want = xasprintf("%s: data block 12 does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, 12 * BLK + 100, 3);

  flip_bit(path, 199 * BLK + 4095, 7);
  free(want);
  want = xasprintf("%s: data block 199 does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, 199 * BLK + 4095, 7);

  flip_bit(path, vi.level_offset[0] + BLK + 31, 0);
  free(want);
  want = xasprintf("%s: hash block 1 (level 0) does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, vi.level_offset[0] + BLK + 31, 0);

  /* the top block: the root it gives is not the expected one */
  flip_bit(path, vi.level_offset[1] + 4000, 1);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  CHECK_EQ_INT(verity_open(fd, ho, &bad, &err), 0);
  verity_hex(vi.root, expected);
  verity_hex(bad.root, has);
  free(want);
  want = xasprintf("%s: root hash mismatch: expected %s, image has %s", path, expected, has);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, vi.level_offset[1] + 4000, 1);

  /* the superblock and its padding are not covered by the root hash, but are checked */
  flip_bit(path, ho + 72, 0);
  free(want);
  want = xasprintf("%s: verity superblock at offset %llu: 201 data blocks, but the hash offset "
                   "%llu means 200",
                   path, (unsigned long long)ho, (unsigned long long)ho);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, ho + 72, 0);

  flip_bit(path, ho + 600, 2);
  free(want);
  want = xasprintf("%s: nonzero byte at offset 600 of the verity superblock block", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, ho + 600, 2);

  /* truncation */
  expect_verify_ok(path, ho, vi.root);
  CHECK_EQ_INT(truncate(path, (off_t)(vi.tree_offset + vi.tree_size - 1)), 0);
  free(want);
  want = xasprintf("%s: truncated: the file has %llu bytes, the hash tree ends at %llu", path,
                   (unsigned long long)(vi.tree_offset + vi.tree_size - 1),
                   (unsigned long long)(vi.tree_offset + vi.tree_size));
  expect_verify_error(path, ho, vi.root, want);

  free(want);
  want = xasprintf("open \"%s/missing\": No such file or directory", dir);
  free(path);
  path = xasprintf("%s/missing", dir);
  expect_verify_error(path, ho, vi.root, want);
  hacher_error_release(&err);
  drop_tmpdir(dir);
}

TEST(verity_verify_file_single_block)
{
  char *dir = make_tmpdir();
  struct verity_info vi, bad;
  cleanup_free char *path = NULL, *want = NULL;
  cleanup_close int fd = -1;
  char expected[65], has[65];

  if (dir == NULL)
    return;
  path = make_image(dir, "one", 1, 9, &vi);
  CHECK_EQ_INT(vi.levels, 0);
  CHECK_EQ_INT(vi.tree_size, 0);
  CHECK_EQ_INT(size_of(path), 2 * BLK);
  expect_verify_ok(path, BLK, vi.root);
  /* with no levels, the root is the data block's digest: a flip there is a root mismatch */
  flip_bit(path, 17, 4);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  CHECK_EQ_INT(verity_open(fd, BLK, &bad, NULL), 0);
  verity_hex(vi.root, expected);
  verity_hex(bad.root, has);
  want = xasprintf("%s: root hash mismatch: expected %s, image has %s", path, expected, has);
  expect_verify_error(path, BLK, vi.root, want);
  flip_bit(path, 17, 4);
  expect_verify_ok(path, BLK, vi.root);
  drop_tmpdir(dir);
}

TEST(verity_verify_file_three_levels)
{
  char *dir = make_tmpdir();
  struct verity_info vi;
  cleanup_free char *path = NULL, *want = NULL;
  uint64_t blocks = 128 * 128 + 1, ho = blocks * BLK;

  if (dir == NULL)
    return;
  path = xasprintf("%s/three", dir);
  CHECK_EQ_INT(write_data(path, blocks, 11, 1), 0);
  CHECK_EQ_INT(append_tree(path, ho, &vi), 0);
  CHECK_EQ_INT(vi.levels, 3);
  expect_verify_ok(path, ho, vi.root);
  /* level 1 has 2 blocks under the top block; level 0 has 129 */
  flip_bit(path, vi.level_offset[1] + BLK + 7, 5);
  want = xasprintf("%s: hash block 1 (level 1) does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, vi.level_offset[1] + BLK + 7, 5);
  flip_bit(path, vi.level_offset[0] + 128 * BLK, 0);
  free(want);
  want = xasprintf("%s: hash block 128 (level 0) does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, vi.level_offset[0] + 128 * BLK, 0);
  flip_bit(path, (blocks - 1) * BLK, 0);
  free(want);
  want = xasprintf("%s: data block 16384 does not match the hash tree", path);
  expect_verify_error(path, ho, vi.root, want);
  flip_bit(path, (blocks - 1) * BLK, 0);
  expect_verify_ok(path, ho, vi.root);
  drop_tmpdir(dir);
}

/* ---- superblock validation ---- */

/* verity_open on path at hash offset ho fails with "verity superblock at offset HO: <tail>"
 * (or exactly `tail` when raw). */
static void expect_open_error(const char *path, uint64_t ho, const char *tail, int raw)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *want =
      raw ? xstrdup(tail)
          : xasprintf("verity superblock at offset %llu: %s", (unsigned long long)ho, tail);
  hacher_error_t err = NULL;
  struct verity_info vi;

  CHECK_EQ_INT(verity_open(fd, ho, &vi, &err), -1);
  CHECK_EQ_STR(err ? err->msg : NULL, want);
  hacher_error_release(&err);
}

/* Overwrite bytes of the superblock, expect `tail`, restore the original bytes. */
static void expect_field_error(const char *path, uint64_t ho, uint64_t field, const void *bytes,
                               size_t n, const char *tail)
{
  uint8_t saved[64];
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

  CHECK(n <= sizeof(saved) && pread(fd, saved, n, (off_t)(ho + field)) == (ssize_t)n);
  put_bytes(path, ho + field, bytes, n);
  expect_open_error(path, ho, tail, 0);
  put_bytes(path, ho + field, saved, n);
}

static void check_open_fields(const char *path, uint64_t ho)
{
  static const uint8_t two[4] = {2}, zero[4] = {0}, k512[4] = {0, 2}, k8[4] = {0, 0x20},
                       salt[2] = {32}, blocks[8] = {4}, pad[1] = {1};
  static const char sha512[32] = "sha512", weird[32] = "sha\001\377";

  expect_field_error(path, ho, 0, "veritz", 6, "bad signature (no dm-verity superblock)");
  expect_field_error(path, ho, 8, two, 4, "format version 2 (only version 1 is supported)");
  expect_field_error(path, ho, 12, zero, 4, "hash type 0 (only type 1 is supported)");
  expect_field_error(path, ho, 32, sha512, 32,
                     "hash algorithm \"sha512\" (only sha256 is supported)");
  expect_field_error(path, ho, 32, weird, 32,
                     "hash algorithm \"sha??\" (only sha256 is supported)");
  expect_field_error(path, ho, 64, k512, 4, "data block size 512 (only 4096 is supported)");
  expect_field_error(path, ho, 68, k8, 4, "hash block size 8192 (only 4096 is supported)");
  expect_field_error(path, ho, 80, salt, 2, "salt of 32 bytes (only an empty salt is supported)");
  expect_field_error(path, ho, 72, blocks, 8, "4 data blocks, but the hash offset 12288 means 3");
  expect_field_error(path, ho, 88, pad, 1, "nonzero reserved byte at superblock offset 88");
  expect_field_error(path, ho, 511, pad, 1, "nonzero reserved byte at superblock offset 511");
}

TEST(verity_open_errors)
{
  char *dir = make_tmpdir();
  struct verity_info vi, opened;
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  hacher_error_t err = NULL;
  uint64_t ho = 3 * BLK;

  if (dir == NULL)
    return;
  path = make_image(dir, "img", 3, 5, &vi);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  CHECK_EQ_INT(verity_open(fd, ho, &opened, &err), 0);
  CHECK(memcmp(opened.root, vi.root, 32) == 0);
  CHECK_EQ_INT(opened.levels, vi.levels);
  CHECK_EQ_INT(opened.tree_size, vi.tree_size);
  CHECK_EQ_INT(opened.level_offset[0], vi.level_offset[0]);
  hacher_error_release(&err);
  check_open_fields(path, ho);
  expect_open_error(path, 5000, "hash offset 5000 is not a non-zero multiple of 4096", 0);
  expect_open_error(path, 0, "hash offset 0 is not a non-zero multiple of 4096", 0);
  expect_open_error(path, 100 * BLK, "beyond the end of the file (20480 bytes)", 0);
  expect_open_error(path, 2 * BLK, "bad signature (no dm-verity superblock)", 0);
  CHECK_EQ_INT(truncate(path, (off_t)(ho + 512)), 0);
  expect_open_error(path, ho, "truncated: the file has 12800 bytes, the hash tree ends at 20480",
                    1);
  CHECK_EQ_INT(truncate(path, (off_t)(ho + 511)), 0);
  expect_open_error(path, ho, "beyond the end of the file (12799 bytes)", 0);
  drop_tmpdir(dir);
}

TEST(verity_append_errors)
{
  char *dir = make_tmpdir();
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  hacher_error_t err = NULL;
  struct verity_info vi;

  if (dir == NULL)
    return;
  path = xasprintf("%s/short", dir);
  CHECK_EQ_INT(write_data(path, 2, 1, 0), 0);
  fd = open(path, O_RDWR | O_CLOEXEC);
  CHECK_EQ_INT(verity_append(fd, 0, &vi, &err), -1);
  CHECK_EQ_STR(err ? err->msg : NULL,
               "append verity tree: data size 0 is not a non-zero multiple of 4096");
  CHECK_EQ_INT(verity_append(fd, 5000, &vi, &err), -1);
  CHECK_EQ_STR(err ? err->msg : NULL,
               "append verity tree: data size 5000 is not a non-zero multiple of 4096");
  CHECK_EQ_INT(verity_append(fd, 3 * BLK, &vi, &err), -1);
  CHECK_EQ_STR(err ? err->msg : NULL,
               "append verity tree: the file has 8192 bytes, not 12288 of data");
  CHECK_EQ_INT(size_of(path), 2 * BLK); /* untouched */
  hacher_error_release(&err);
  drop_tmpdir(dir);
}

/* ---- hex ---- */

TEST(verity_hex_round_trip)
{
  static const char lower[] = "00ff10a0b1c2d3e4f5a6b7c8d9eaf0b1c2d3e4f5a6b7c8d9eaf0123456789abc";
  char upper[65], out[65];
  uint8_t root[32], again[32];

  CHECK_EQ_INT(verity_parse_hex(lower, root), 0);
  CHECK_EQ_INT(root[0], 0x00);
  CHECK_EQ_INT(root[1], 0xff);
  CHECK_EQ_INT(root[31], 0xbc);
  verity_hex(root, out);
  CHECK_EQ_STR(out, lower);
  for (int i = 0; i < 65; i++)
    upper[i] = (char)(lower[i] >= 'a' ? lower[i] - 32 : lower[i]);
  CHECK_EQ_INT(verity_parse_hex(upper, again), 0);
  CHECK(memcmp(root, again, 32) == 0);
  CHECK_EQ_INT(verity_parse_hex("", root), -1);
  CHECK_EQ_INT(verity_parse_hex(NULL, root), -1);
  memcpy(out, lower, sizeof(out));
  out[63] = 0; /* 63 digits */
  CHECK_EQ_INT(verity_parse_hex(out, root), -1);
  out[63] = 'g';
  CHECK_EQ_INT(verity_parse_hex(out, root), -1);
  CHECK_EQ_INT(
      verity_parse_hex("00ff10a0b1c2d3e4f5a6b7c8d9eaf0b1c2d3e4f5a6b7c8d9eaf0123456789abc0", root),
      -1);
  CHECK(memcmp(root, again, 32) == 0); /* untouched on failure */
}
