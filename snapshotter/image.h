/* Trustlet images: a rootfs directory turned into a read-only EROFS image. */
#ifndef HACHER_IMAGE_H
#define HACHER_IMAGE_H

#include "../common/error.h"

/* Build an uncompressed EROFS image of `rootfs` at `out` with mkfs.erofs
 * (block-aligned data, fixed timestamps and UUID). The image is written to a
 * temporary file and renamed into place; `rootfs` is only read. */
int hacher_image_build(const char *rootfs, const char *out, hacher_error_t *err);

#endif
