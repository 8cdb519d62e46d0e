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
static int run_mkfs(const char *mkfs, const char *rootfs, const char *tmp, hacher_error_t *err)
{
  /* Block-aligned data; every inode carries its own mtime (extended inodes),
   * so the superblock build time decides nothing and is zeroed afterwards. */
  char *const argv[] = {(char *)mkfs,
                        "-E",
                        "noinline_data,force-inode-extended,nosbcrc",
                        "--preserve-mtime",
                        "-U",
                        "00000000-0000-0000-0000-000000000000",
                        "-x",
                        "-1",
                        "--quiet",
                        (char *)tmp,
                        (char *)rootfs,
                        NULL};
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
  if (rc != 0)
    return hacher_error(err, rc, "run %s", mkfs);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return hacher_error(err, errno, "wait for %s", mkfs);
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
 * and build_time_nsec (le32 at 1056); the UUID is fixed on the command line. */
static int clear_build_time(const char *path, hacher_error_t *err)
{
  static const char zeros[12];
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || pwrite(fd, zeros, sizeof(zeros), 1048) != (ssize_t)sizeof(zeros) || fsync(fd) < 0)
    return hacher_error(err, errno, "write \"%s\"", path);
  return 0;
}

int hacher_image_build(const char *rootfs, const char *out, hacher_error_t *err)
{
  const char *mkfs = find_mkfs();
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", out, (int)getpid());
  struct stat st;

  if (stat(rootfs, &st) < 0)
    return hacher_error(err, errno, "rootfs \"%s\"", rootfs);
  if (!S_ISDIR(st.st_mode))
    return hacher_error(err, ENOTDIR, "rootfs \"%s\"", rootfs);
  if (mkfs == NULL)
    return hacher_error(err, 0, "mkfs.erofs not found: install erofs-utils");
  if (run_mkfs(mkfs, rootfs, tmp, err) < 0 || clear_build_time(tmp, err) < 0) {
    unlink(tmp);
    return -1;
  }
  if (rename(tmp, out) < 0) {
    int e = errno;
    unlink(tmp);
    return hacher_error(err, e, "rename \"%s\" to \"%s\"", tmp, out);
  }
  return 0;
}
