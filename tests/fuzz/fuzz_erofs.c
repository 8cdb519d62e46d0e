/* libFuzzer target: the input is an EROFS image (no hash tree). */
#include "erofs_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct erofs_fs fs;

  if (erofs_mount(&fs, data, size) != 0)
    return 0;
  walk_image(&fs);
  return 0;
}
