/* libFuzzer target: the input is a whole trustlet image (EROFS, then a
 * dm-verity superblock and hash tree). The root hash is taken from the
 * image's own top hash block, so consistent inputs get past verification
 * and the walk exercises the reader with the verifier in the loop. */
#include "erofs_walk.h"
#include "../../common/sha256.h"
#include "verity.h"

static struct los_verity v;

static int hook(const struct erofs_fs *fs, uint64_t off, uint64_t len)
{
  (void)fs;
  return los_verity_check(&v, off, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct erofs_fs fs;
  uint8_t root[32];
  uint64_t data_size, need;
  uint8_t *maps;

  if (size < 1024 + 40)
    return 0;
  data_size =
      (uint64_t)(data[1060] | data[1061] << 8 | data[1062] << 16 | (uint32_t)data[1063] << 24) *
      4096;
  if (data_size == 0 || data_size + 8192 > size)
    return 0;
  /* geometry first, with a dummy root, to find the top block */
  memset(root, 0, sizeof(root));
  need = los_verity_setup(&v, data, size, data_size, data_size, root);
  if (need == 0 || need > (1u << 20))
    return 0;
  if (v.levels == 0)
    sha256(data, 4096, root);
  else
    sha256(data + v.tree_offset + v.level_block[v.levels - 1] * 4096, 4096, root);
  los_verity_setup(&v, data, size, data_size, data_size, root);
  maps = calloc(1, need);
  if (maps == NULL)
    return 0;
  los_verity_attach(&v, maps);
  if (los_verity_check(&v, 0, 4096) == 0 && erofs_mount(&fs, data, data_size) == 0) {
    fs.verify = hook;
    walk_image(&fs);
  }
  free(maps);
  return 0;
}
