/* Image building: our EROFS writer, then the dm-verity tree. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "erofs_build.h"
#include "verity.h"

static void fill_image(struct hacher_image *img, const char *path, const struct verity_info *vi)
{
  img->path = xstrdup(path);
  img->upper = NULL;
  img->fd = -1;
  img->data_size = vi->data_size;
  img->hash_offset = vi->hash_offset;
  img->file_size = vi->tree_offset + vi->tree_size;
  memcpy(img->root, vi->root, sizeof(img->root));
  verity_hex(img->root, img->root_hex);
}

static int reopen_readonly(int fd)
{
  char path[64];

  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  return open(path, O_RDONLY | O_CLOEXEC);
}

int hacher_image_build(const char *rootfs, const struct hacher_rootfs_scan *scan, const char *out,
                       struct hacher_image *img, hacher_error_t *err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", out, (int)getpid());
  cleanup_close int fd = -1;
  struct verity_info vi;
  uint64_t data_size = 0;
  struct stat sb;

  if (stat(rootfs, &sb) < 0)
    return hacher_error(err, errno, "rootfs \"%s\"", rootfs);
  if (!S_ISDIR(sb.st_mode))
    return hacher_error(err, ENOTDIR, "rootfs \"%s\"", rootfs);
  fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return hacher_error(err, errno, "create \"%s\"", tmp);
  if (erofs_build(rootfs, scan->skipped, scan->skipped_count, fd, &data_size, err) < 0 ||
      verity_append(fd, data_size, &vi, err) < 0)
    goto fail;
  if (fsync(fd) < 0 || rename(tmp, out) < 0) {
    hacher_error(err, errno, "write \"%s\"", out);
    goto fail;
  }
  fill_image(img, out, &vi);
  img->fd = reopen_readonly(fd); /* the same inode, whatever happens to its name */
  if (img->fd < 0) {
    hacher_image_release(img);
    return hacher_error(err, errno, "reopen \"%s\"", out);
  }
  return 0;
fail:
  unlink(tmp);
  return -1;
}

/* The image file is [EROFS][verity superblock][tree]; the EROFS superblock's
 * block count gives where the verity part starts. */
int hacher_image_open(const char *path, struct hacher_image *img, hacher_error_t *err)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct verity_info vi;
  uint8_t sb[4];
  uint32_t blocks;
  struct stat st;

  memset(img, 0, sizeof(*img));
  if (fd < 0)
    return hacher_error(err, errno, "open image \"%s\"", path);
  if (fstat(fd, &st) < 0 || pread(fd, sb, sizeof(sb), 1024 + 36) != (ssize_t)sizeof(sb)) {
    close(fd);
    return hacher_error(err, EIO, "image \"%s\": no EROFS superblock", path);
  }
  blocks = (uint32_t)sb[0] | (uint32_t)sb[1] << 8 | (uint32_t)sb[2] << 16 | (uint32_t)sb[3] << 24;
  if (verity_open(fd, (uint64_t)blocks * VERITY_BLOCK, &vi, err) < 0) {
    close(fd);
    return hacher_error_wrap(err, "image \"%s\"", path);
  }
  fill_image(img, path, &vi);
  img->fd = fd;
  img->file_size = (uint64_t)st.st_size;
  return 0;
}

void hacher_image_release(struct hacher_image *img)
{
  if (img->path != NULL && img->fd >= 0)
    close(img->fd);
  free(img->path);
  free(img->upper);
  img->path = NULL;
  img->upper = NULL;
  img->fd = -1;
}
