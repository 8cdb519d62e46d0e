/* Image building with Debian's mkfs.erofs (erofs-utils). */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "verity.h"

static const char *find_mkfs(void)
{
  static const char *const candidates[] = {"/usr/bin/mkfs.erofs", "/usr/sbin/mkfs.erofs",
                                           "/sbin/mkfs.erofs", "/usr/local/bin/mkfs.erofs"};
  for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
    if (access(candidates[i], X_OK) == 0)
      return candidates[i];
  return NULL;
}

/* Run mkfs.erofs with stdout/stderr captured in a temporary file; on failure
 * its last output line becomes part of the message. */
static int run_mkfs(const char *mkfs, const char *rootfs, const struct hacher_rootfs_scan *scan,
                    const char *tmp, hacher_error_t *err)
{
  /* Block-aligned data; every inode carries its own mtime (extended inodes),
   * so the superblock build time decides nothing and is zeroed afterwards. */
  /* chunk-based files (4 KiB chunks): holes of sparse files stay holes */
  static const char *const fixed[] = {"-E",
                                      "noinline_data,force-inode-extended,nosbcrc",
                                      "--chunksize=4096",
                                      "--preserve-mtime",
                                      "-U",
                                      "00000000-0000-0000-0000-000000000000",
                                      "-x",
                                      "-1",
                                      "--quiet"};
  size_t nfixed = ARRAY_SIZE(fixed), argc = 0;
  cleanup_free char **argv = xmalloc((nfixed + scan->skipped_count + 4) * sizeof(char *));
  cleanup_free char **excl = xmalloc((scan->skipped_count + 1) * sizeof(char *));

  argv[argc++] = (char *)mkfs;
  for (size_t i = 0; i < nfixed; i++)
    argv[argc++] = (char *)fixed[i];
  for (size_t i = 0; i < scan->skipped_count; i++)
    argv[argc++] = excl[i] = xasprintf("--exclude-path=%s", scan->skipped[i]);
  argv[argc++] = (char *)tmp;
  argv[argc++] = (char *)rootfs;
  argv[argc] = NULL;
  char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  char logpath[] = "/tmp/hacher-mkfs-XXXXXX";
  cleanup_close int logfd = mkstemp(logpath);
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int rc, status;

  if (logfd < 0)
    return hacher_error(err, errno, "create \"%s\"", logpath);
  unlink(logpath);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, logfd, 1);
  posix_spawn_file_actions_adddup2(&fa, logfd, 2);
  rc = posix_spawn(&pid, mkfs, &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    for (size_t i = 0; i < scan->skipped_count; i++)
      free(excl[i]);
    return hacher_error(err, rc, "run %s", mkfs);
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return hacher_error(err, errno, "wait for %s", mkfs);
  for (size_t i = 0; i < scan->skipped_count; i++)
    free(excl[i]);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  char out[512] = "";
  ssize_t n = pread(logfd, out, sizeof(out) - 1, 0);
  out[n > 0 ? n : 0] = '\0';
  out[strcspn(out, "\n")] = '\0';
  return hacher_error(err, 0, "mkfs.erofs failed for rootfs \"%s\": %s", rootfs,
                      out[0] ? out : "no output");
}

/* Same rootfs, same bytes: zero the superblock's build_time (le64 at 1048)
 * and build_time_nsec (le32 at 1056); the UUID is fixed on the command line.
 * Then pad the file system to a whole block for the hash tree. */
static int finish_erofs(int fd, const char *path, uint64_t *data_size, hacher_error_t *err)
{
  static const char zeros[12];
  struct stat sb;

  if (pwrite(fd, zeros, sizeof(zeros), 1048) != (ssize_t)sizeof(zeros) || fstat(fd, &sb) < 0)
    return hacher_error(err, errno, "write \"%s\"", path);
  *data_size = ((uint64_t)sb.st_size + VERITY_BLOCK - 1) & ~(uint64_t)(VERITY_BLOCK - 1);
  if (ftruncate(fd, (off_t)*data_size) < 0)
    return hacher_error(err, errno, "pad \"%s\"", path);
  return 0;
}

static void fill_image(struct hacher_image *img, const char *path, const struct verity_info *vi)
{
  img->path = xstrdup(path);
  img->data_size = vi->data_size;
  img->hash_offset = vi->hash_offset;
  img->file_size = vi->tree_offset + vi->tree_size;
  memcpy(img->root, vi->root, sizeof(img->root));
  verity_hex(img->root, img->root_hex);
}

int hacher_image_build(const char *rootfs, const struct hacher_rootfs_scan *scan, const char *out,
                       struct hacher_image *img, hacher_error_t *err)
{
  const char *mkfs = find_mkfs();
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", out, (int)getpid());
  cleanup_close int fd = -1;
  struct verity_info vi;
  uint64_t data_size = 0;
  struct stat sb;

  if (stat(rootfs, &sb) < 0)
    return hacher_error(err, errno, "rootfs \"%s\"", rootfs);
  if (!S_ISDIR(sb.st_mode))
    return hacher_error(err, ENOTDIR, "rootfs \"%s\"", rootfs);
  if (mkfs == NULL)
    return hacher_error(err, 0, "mkfs.erofs not found: install erofs-utils");
  if (run_mkfs(mkfs, rootfs, scan, tmp, err) < 0)
    goto fail;
  fd = open(tmp, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    hacher_error(err, errno, "open \"%s\"", tmp);
    goto fail;
  }
  if (finish_erofs(fd, tmp, &data_size, err) < 0 || verity_append(fd, data_size, &vi, err) < 0)
    goto fail;
  if (fsync(fd) < 0 || rename(tmp, out) < 0) {
    hacher_error(err, errno, "write \"%s\"", out);
    goto fail;
  }
  fill_image(img, out, &vi);
  return 0;
fail:
  unlink(tmp);
  return -1;
}

/* The image file is [EROFS][verity superblock][tree]; the EROFS superblock's
 * block count gives where the verity part starts. */
int hacher_image_open(const char *path, struct hacher_image *img, hacher_error_t *err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct verity_info vi;
  uint8_t sb[4];
  uint32_t blocks;
  struct stat st;

  memset(img, 0, sizeof(*img));
  if (fd < 0)
    return hacher_error(err, errno, "open image \"%s\"", path);
  if (fstat(fd, &st) < 0 || pread(fd, sb, sizeof(sb), 1024 + 36) != (ssize_t)sizeof(sb))
    return hacher_error(err, EIO, "image \"%s\": no EROFS superblock", path);
  blocks = (uint32_t)sb[0] | (uint32_t)sb[1] << 8 | (uint32_t)sb[2] << 16 | (uint32_t)sb[3] << 24;
  if (verity_open(fd, (uint64_t)blocks * VERITY_BLOCK, &vi, err) < 0)
    return hacher_error_wrap(err, "image \"%s\"", path);
  if ((uint64_t)st.st_size < vi.tree_offset + vi.tree_size)
    return hacher_error(err, 0, "image \"%s\": truncated (%lld of %llu bytes)", path,
                        (long long)st.st_size, (unsigned long long)(vi.tree_offset + vi.tree_size));
  fill_image(img, path, &vi);
  img->file_size = (uint64_t)st.st_size;
  return 0;
}

void hacher_image_release(struct hacher_image *img)
{
  free(img->path);
  img->path = NULL;
}
