/* The LibOS side of image integrity: its SHA-256 and its lazy hash-tree
 * checks, against trees the host builder writes. */
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../common/sha256.h"
#include "../../libos/verity.h"
#include "../../snapshotter/verity.h"
#include "unit.h"

static void hex(const uint8_t *d, char *out)
{
  for (int i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", d[i]);
}

TEST(los_sha256_known_answers)
{
  uint8_t d[32];
  char h[65];
  sha256("", 0, d);
  hex(d, h);
  CHECK_EQ_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha256("abc", 3, d);
  hex(d, h);
  CHECK_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(los_sha256_matches_openssl_for_all_lengths)
{
  static uint8_t buf[4200];
  uint8_t a[32], b[32];
  for (size_t i = 0; i < sizeof(buf); i++)
    buf[i] = (uint8_t)(i * 7 + 3);
  for (size_t len = 0; len < sizeof(buf); len += (len < 200 ? 1 : 97)) {
    sha256(buf, len, a);
    SHA256(buf, len, b);
    CHECK(memcmp(a, b, 32) == 0);
  }
}

/* A file of `blocks` random data blocks with a tree appended by the host. */
static int make_image(const char *path, uint64_t blocks, struct verity_info *vi)
{
  hacher_error_t err = NULL;
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  uint8_t buf[4096];

  for (uint64_t i = 0; i < blocks; i++) {
    for (size_t j = 0; j < sizeof(buf); j++)
      buf[j] = (uint8_t)rand();
    if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
      return -1;
  }
  if (verity_append(fd, blocks * 4096, vi, &err) < 0) {
    printf("  %s\n", err->msg);
    hacher_error_release(&err);
    close(fd);
    return -1;
  }
  return fd;
}

static void *map_file(int fd, uint64_t *size)
{
  *size = (uint64_t)lseek(fd, 0, SEEK_END);
  return mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
}

static void check_geometry(uint64_t blocks)
{
  char path[] = "/tmp/hacher-losverity-XXXXXX";
  struct verity_info vi;
  struct los_verity v;
  uint64_t size, need;
  int fd = mkstemp(path);
  uint8_t *img, *maps;

  close(fd);
  fd = make_image(path, blocks, &vi);
  unlink(path);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  img = map_file(fd, &size);
  need = los_verity_setup(&v, img, size, vi.data_size, vi.hash_offset, vi.root);
  CHECK(need > 0);
  CHECK_EQ_INT(v.levels, vi.levels);
  maps = calloc(1, need);
  los_verity_attach(&v, maps);
  CHECK_EQ_INT(los_verity_check(&v, 0, blocks * 4096), 0);
  CHECK(los_verity_check(&v, 0, blocks * 4096 + 1) < 0);
  /* a flipped byte in the last data block is caught, others still pass */
  memset(maps, 0, need);
  img[blocks * 4096 - 1] ^= 1;
  CHECK(los_verity_check(&v, (blocks - 1) * 4096, 1) < 0);
  if (blocks > 1)
    CHECK_EQ_INT(los_verity_check(&v, 0, 4096), 0);
  img[blocks * 4096 - 1] ^= 1;
  /* a flipped byte in the level-0 hash blocks is caught */
  memset(maps, 0, need);
  if (vi.levels > 0) {
    img[vi.level_offset[0] + 5] ^= 0x80;
    CHECK(los_verity_check(&v, 0, 4096) < 0);
    img[vi.level_offset[0] + 5] ^= 0x80;
  }
  /* a wrong root fails everything */
  memset(maps, 0, need);
  v.root[0] ^= 1;
  CHECK(los_verity_check(&v, 0, 1) < 0);
  munmap(img, size);
  free(maps);
  close(fd);
}

TEST(los_verity_against_host_trees)
{
  static const uint64_t sizes[] = {1, 2, 127, 128, 129, 300};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    check_geometry(sizes[i]);
}

TEST(los_verity_rejects_bad_geometry)
{
  struct los_verity v;
  uint8_t root[32] = {0}, img[8192] = {0};
  CHECK_EQ_INT(los_verity_setup(&v, img, sizeof(img), 4096, 8192, root), 0); /* offset != size */
  CHECK_EQ_INT(los_verity_setup(&v, img, sizeof(img), 4095, 4095, root), 0);
  CHECK_EQ_INT(los_verity_setup(&v, img, sizeof(img), 0, 0, root), 0);
  CHECK_EQ_INT(los_verity_setup(&v, img, sizeof(img), 8192, 8192, root), 0); /* no room for tree */
  CHECK_EQ_INT(los_verity_setup(&v, img, 4096, 4096, 4096, root), 0);
}
