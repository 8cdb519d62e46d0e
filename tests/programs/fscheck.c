/* fscheck SUBCOMMAND [ARGS]: checks file system semantics the way Linux
 * has them, so the same binary can run natively and in a trustlet. Prints
 * one line per mismatch and "fscheck SUBCOMMAND ok" at the end; exits 1 on
 * any mismatch.
 *   links DIR             hard links, nlink, unlink of open files
 *   imglink FILE DIR      a hard link to an existing (image) FILE from DIR
 *   rename DIR            rename, RENAME_NOREPLACE, RENAME_EXCHANGE, errors
 *   dirs DIR MOUNTPOINT   mkdir/rmdir errors, EBUSY for MOUNTPOINT
 *   attrs DIR             chmod/chown families as root, set-id bits
 *   nonroot DIR           what a uid without capabilities may change
 *   times DIR             utimensat (paths and fds), utimes, utime, futimesat
 *   sizes DIR             truncate, ftruncate, fallocate, mknod, sync family
 *   access PATH MODE WANT access(PATH, MODE) is 0 or errno name WANT
 *   statfs PATH           prints the file system type and whether it has sizes
 *   proc                  /proc/self, /proc/thread-self and the system files
 *   dev                   /dev's devices and links */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2
#endif
#define FALLOC_FL_COLLAPSE_RANGE_ 8
#define RENAME_NOREPLACE_ 1
#define RENAME_EXCHANGE_ 2

static int failures;
static char dir[PATH_MAX];

static void fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("mismatch: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  failures++;
}

/* rc must be 0 (want 0) or -1 with errno want. */
#define EXPECT(call, want)                                                                         \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long rc_ = (long)(call);                                                                       \
    int err_ = rc_ < 0 ? errno : 0;                                                                \
    if ((want) == 0 ? rc_ < 0 : (rc_ >= 0 || err_ != (want)))                                      \
      fail("%s:%d: %s: got %ld (%s), want %s", __FILE__, __LINE__, #call, rc_,                     \
           err_ ? strerror(err_) : "ok", (want) ? strerror(want) : "success");                     \
  } while (0)

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      fail("%s:%d: %s", __FILE__, __LINE__, #cond);                                                \
  } while (0)

static const char *at(const char *name)
{
  static char bufs[4][2 * PATH_MAX];
  static int i;
  char *b = bufs[i++ & 3];
  snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
  return b;
}

static void put(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    fail("cannot write %s: %s", path, strerror(errno));
  if (fd >= 0)
    close(fd);
}

/* The file's content (NUL-terminated, at most 4095 bytes). */
static const char *get(const char *path)
{
  static char buf[4096];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
  if (fd >= 0)
    close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

static struct stat st_of(const char *path)
{
  struct stat st;
  memset(&st, 0, sizeof(st));
  if (lstat(path, &st) < 0)
    st.st_nlink = (nlink_t)-1;
  return st;
}

static int links(void)
{
  struct stat st;
  char buf[16];
  int fd;

  put(at("a"), "alpha");
  EXPECT(link(at("a"), at("b")), 0);
  CHECK(st_of(at("a")).st_nlink == 2 && st_of(at("b")).st_nlink == 2);
  CHECK(st_of(at("a")).st_ino == st_of(at("b")).st_ino);
  put(at("b"), "beta"); /* one file, two names */
  CHECK(strcmp(get(at("a")), "beta") == 0);
  EXPECT(link(at("a"), at("b")), EEXIST);
  EXPECT(link(at("missing"), at("c")), ENOENT);
  EXPECT(mkdir(at("d"), 0755), 0);
  EXPECT(link(at("d"), at("e")), EPERM);
  EXPECT(linkat(AT_FDCWD, at("a"), AT_FDCWD, at("c"), 0x8000), EINVAL);
  EXPECT(symlink("a", at("sl")), 0);
  EXPECT(linkat(AT_FDCWD, at("sl"), AT_FDCWD, at("sl2"), 0), 0); /* the link itself */
  CHECK(S_ISLNK(st_of(at("sl2")).st_mode));
  EXPECT(linkat(AT_FDCWD, at("sl"), AT_FDCWD, at("sl3"), AT_SYMLINK_FOLLOW), 0);
  CHECK(S_ISREG(st_of(at("sl3")).st_mode) && st_of(at("a")).st_nlink == 3);
  EXPECT(unlink(at("sl3")), 0);
  EXPECT(unlink(at("a")), 0);
  CHECK(st_of(at("b")).st_nlink == 1);
  CHECK(strcmp(get(at("b")), "beta") == 0);

  /* an unlinked open file stays readable and writable */
  fd = open(at("b"), O_RDWR);
  EXPECT(unlink(at("b")), 0);
  EXPECT(access(at("b"), F_OK), ENOENT);
  CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 4);
  CHECK(pwrite(fd, "BE", 2, 0) == 2);
  CHECK(pread(fd, buf, sizeof(buf), 0) == 4 && memcmp(buf, "BEta", 4) == 0);
  close(fd);
  EXPECT(rmdir(at("d")), 0);
  return 0;
}

static int imglink(const char *file)
{
  char want[4096];
  int fd;

  snprintf(want, sizeof(want), "%s", get(file));
  EXPECT(link(file, at("img-link")), 0);
  CHECK(strcmp(get(at("img-link")), want) == 0);
  CHECK(st_of(file).st_nlink == 2 && st_of(at("img-link")).st_ino == st_of(file).st_ino);
  fd = open(at("img-link"), O_WRONLY | O_APPEND);
  CHECK(fd >= 0 && write(fd, "+", 1) == 1);
  close(fd);
  CHECK(strlen(get(file)) == strlen(want) + 1);
  EXPECT(unlink(at("img-link")), 0);
  CHECK(st_of(file).st_nlink == 1);
  return 0;
}

static int rename_checks(void)
{
  put(at("x"), "ex");
  put(at("y"), "why");
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("x"), AT_FDCWD, at("y"), RENAME_NOREPLACE_), EEXIST);
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("x"), AT_FDCWD, at("y"), RENAME_EXCHANGE_), 0);
  CHECK(strcmp(get(at("x")), "why") == 0 && strcmp(get(at("y")), "ex") == 0);
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("x"), AT_FDCWD, at("none"), RENAME_EXCHANGE_), ENOENT);
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("x"), AT_FDCWD, at("y"), 3), EINVAL);
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("x"), AT_FDCWD, at("z"), RENAME_NOREPLACE_), 0);
  CHECK(strcmp(get(at("z")), "why") == 0);
  EXPECT(access(at("x"), F_OK), ENOENT);

  /* a file and a directory trade places */
  EXPECT(mkdir(at("dd"), 0755), 0);
  put(at("dd/in"), "inside");
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("z"), AT_FDCWD, at("dd"), RENAME_EXCHANGE_), 0);
  CHECK(S_ISDIR(st_of(at("z")).st_mode) && S_ISREG(st_of(at("dd")).st_mode));
  CHECK(strcmp(get(at("z/in")), "inside") == 0);
  EXPECT(syscall(SYS_renameat2, AT_FDCWD, at("z"), AT_FDCWD, at("z/in"), RENAME_EXCHANGE_), EINVAL);

  EXPECT(rename(at("y"), at("z")), EISDIR);
  EXPECT(rename(at("z"), at("y")), ENOTDIR);
  EXPECT(mkdir(at("e"), 0755), 0);
  EXPECT(rename(at("e"), at("z")), ENOTEMPTY);
  EXPECT(rename(at("z"), at("z/sub")), EINVAL);
  EXPECT(rename(at("z"), at("e")), 0); /* over an empty directory */
  CHECK(strcmp(get(at("e/in")), "inside") == 0);
  EXPECT(link(at("y"), at("y2")), 0);
  EXPECT(rename(at("y"), at("y2")), 0); /* two names of one file: nothing happens */
  CHECK(st_of(at("y")).st_nlink == 2);
  put(at("w"), "double-u");
  EXPECT(rename(at("w"), at("y2")), 0); /* replaces one of the two names */
  CHECK(st_of(at("y")).st_nlink == 1 && strcmp(get(at("y2")), "double-u") == 0);
  return 0;
}

static int dirs(const char *mountpoint)
{
  EXPECT(mkdir(at("m"), 0750), 0);
  CHECK((st_of(at("m")).st_mode & 07777) == (0750 & ~umask(022)));
  EXPECT(mkdir(at("m"), 0755), EEXIST);
  put(at("m/f"), "f");
  EXPECT(rmdir(at("m")), ENOTEMPTY);
  EXPECT(rmdir(at("m/f")), ENOTDIR);
  EXPECT(unlink(at("m")), EISDIR);
  EXPECT(chdir(at("m")), 0);
  EXPECT(rmdir("."), EINVAL);
  EXPECT(rmdir(".."), ENOTEMPTY);
  EXPECT(chdir("/"), 0);
  EXPECT(unlink(at("m/f")), 0);
  EXPECT(rmdir(at("m/")), 0);
  EXPECT(rmdir(at("m")), ENOENT);
  EXPECT(rmdir(mountpoint), EBUSY);
  EXPECT(rmdir("/"), EBUSY);
  EXPECT(symlink("target/nowhere", at("s")), 0);
  EXPECT(symlink("x", at("s")), EEXIST);
  char t[64];
  ssize_t n = readlink(at("s"), t, sizeof(t));
  CHECK(n == 14 && memcmp(t, "target/nowhere", 14) == 0);
  CHECK(S_ISLNK(st_of(at("s")).st_mode));
  return 0;
}

static int attrs(void)
{
  int fd;

  put(at("f"), "f");
  EXPECT(chmod(at("f"), 04755), 0);
  CHECK((st_of(at("f")).st_mode & 07777) == 04755);
  fd = open(at("f"), O_RDONLY);
  EXPECT(fchmod(fd, 0600), 0);
  CHECK((st_of(at("f")).st_mode & 07777) == 0600);
  EXPECT(fchmodat(AT_FDCWD, at("f"), 06711, 0), 0);
  EXPECT(chown(at("f"), 1234, 5678), 0);
  CHECK(st_of(at("f")).st_uid == 1234 && st_of(at("f")).st_gid == 5678);
  CHECK((st_of(at("f")).st_mode & 07777) == 0711); /* set-id bits dropped */
  EXPECT(fchown(fd, (uid_t)-1, 42), 0);
  CHECK(st_of(at("f")).st_uid == 1234 && st_of(at("f")).st_gid == 42);
  close(fd);
  EXPECT(symlink("f", at("l")), 0);
  EXPECT(lchown(at("l"), 7, 8), 0);
  CHECK(st_of(at("l")).st_uid == 7 && st_of(at("f")).st_uid == 1234);
  EXPECT(fchownat(AT_FDCWD, at("l"), 9, 9, AT_SYMLINK_NOFOLLOW), 0);
  CHECK(st_of(at("l")).st_uid == 9 && st_of(at("f")).st_uid == 1234);
  EXPECT(chown(at("l"), 0, 0), 0); /* follows the link */
  CHECK(st_of(at("f")).st_uid == 0 && st_of(at("l")).st_uid == 9);
  EXPECT(chown(at("nothing"), 0, 0), ENOENT);
  EXPECT(fchownat(AT_FDCWD, at("f"), 0, 0, 0x8000), EINVAL);
  return 0;
}

/* As a uid that owns DIR but has no capabilities. */
static int nonroot(void)
{
  uid_t me = getuid();
  gid_t g = getgid();
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};

  put(at("mine"), "m");
  EXPECT(chown(at("mine"), me + 1, (gid_t)-1), EPERM);
  EXPECT(chown(at("mine"), me, g), 0);
  EXPECT(chown(at("mine"), (uid_t)-1, g + 100), EPERM);
  EXPECT(chmod(at("mine"), 0600), 0);
  EXPECT(access(at("mine"), R_OK | W_OK), 0);
  EXPECT(access(at("mine"), X_OK), EACCES);
  EXPECT(chmod(at("mine"), 0), 0);
  EXPECT(access(at("mine"), R_OK), EACCES);
  EXPECT(open(at("mine"), O_RDONLY), EACCES);
  EXPECT(chmod("/", 0755), EPERM);
  EXPECT(chown("/", me, g), EPERM);
  EXPECT(utimensat(AT_FDCWD, "/", ts, 0), EPERM);
  EXPECT(utimensat(AT_FDCWD, "/", NULL, 0), EACCES);
  EXPECT(utimensat(AT_FDCWD, at("mine"), ts, 0), 0);
  CHECK(st_of(at("mine")).st_mtime == 1000000000);
  EXPECT(access("/", W_OK), EACCES);
  EXPECT(access("/", R_OK | X_OK), 0);
  return 0;
}

static int times(void)
{
  struct timespec ts[2] = {{1500000000, 123456789}, {1600000000, 987654321}};
  struct timespec omit[2] = {{0, UTIME_OMIT}, {1700000000, 0}};
  struct timeval tv[2] = {{1100000000, 5}, {1200000000, 7}};
  struct utimbuf ub = {1300000000, 1400000000};
  struct stat st;
  time_t now = time(NULL);
  int fd;

  put(at("t"), "t");
  EXPECT(utimensat(AT_FDCWD, at("t"), ts, 0), 0);
  st = st_of(at("t"));
  CHECK(st.st_atim.tv_sec == 1500000000 && st.st_atim.tv_nsec == 123456789);
  CHECK(st.st_mtim.tv_sec == 1600000000 && st.st_mtim.tv_nsec == 987654321);
  CHECK(st.st_ctime >= now - 5);
  EXPECT(utimensat(AT_FDCWD, at("t"), omit, 0), 0);
  st = st_of(at("t"));
  CHECK(st.st_atime == 1500000000 && st.st_mtime == 1700000000);
  fd = open(at("t"), O_RDONLY);
  EXPECT(futimens(fd, NULL), 0); /* utimensat(fd, NULL, ...) */
  st = st_of(at("t"));
  CHECK(st.st_mtime >= now - 5 && st.st_atime >= now - 5);
  EXPECT(syscall(SYS_utimensat, fd, NULL, ts, 0), 0);
  CHECK(st_of(at("t")).st_mtime == 1600000000);
  close(fd);
  EXPECT(utimes(at("t"), tv), 0);
  st = st_of(at("t"));
  CHECK(st.st_atime == 1100000000 && st.st_atim.tv_nsec == 5000 && st.st_mtime == 1200000000);
  EXPECT(utime(at("t"), &ub), 0);
  CHECK(st_of(at("t")).st_atime == 1300000000 && st_of(at("t")).st_mtime == 1400000000);
  EXPECT(futimesat(AT_FDCWD, at("t"), tv), 0);
  CHECK(st_of(at("t")).st_mtime == 1200000000);
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  EXPECT(utimensat(AT_FDCWD, at("t"), bad, 0), EINVAL);
  EXPECT(utimensat(AT_FDCWD, at("none"), NULL, 0), ENOENT);
  EXPECT(symlink("t", at("tl")), 0);
  EXPECT(utimensat(AT_FDCWD, at("tl"), ts, AT_SYMLINK_NOFOLLOW), 0);
  CHECK(st_of(at("tl")).st_mtime == 1600000000 && st_of(at("t")).st_mtime == 1200000000);
  return 0;
}

static int sizes(void)
{
  char buf[64];
  struct stat st;
  int fd = open(at("s"), O_RDWR | O_CREAT | O_TRUNC, 0644);

  CHECK(write(fd, "0123456789", 10) == 10);
  EXPECT(ftruncate(fd, 4), 0);
  EXPECT(ftruncate(fd, 8), 0);
  CHECK(pread(fd, buf, sizeof(buf), 0) == 8 && memcmp(buf, "0123\0\0\0\0", 8) == 0);
  EXPECT(truncate(at("s"), 2), 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 2);
  EXPECT(ftruncate(fd, -1), EINVAL);
  EXPECT(truncate(dir, 0), EISDIR);
  EXPECT(truncate(at("none"), 0), ENOENT);
  int ro = open(at("s"), O_RDONLY);
  EXPECT(ftruncate(ro, 0), EINVAL);
  EXPECT(fallocate(ro, 0, 0, 10), EBADF);
  close(ro);

  EXPECT(fallocate(fd, 0, 0, 100), 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
  EXPECT(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192), 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
  CHECK(pwrite(fd, "abcdef", 6, 0) == 6);
  EXPECT(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1, 3), 0);
  CHECK(pread(fd, buf, 6, 0) == 6 && memcmp(buf, "a\0\0\0ef", 6) == 0);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
  EXPECT(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1), EOPNOTSUPP);
  EXPECT(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE_, 0, 4096), EOPNOTSUPP);
  EXPECT(fallocate(fd, 0, 0, 0), EINVAL);
  EXPECT(fallocate(fd, 0, -1, 1), EINVAL);
  EXPECT(fsync(fd), 0);
  EXPECT(fdatasync(fd), 0);
  EXPECT(syncfs(fd), 0);
  EXPECT(syncfs(-1), EBADF);
  sync();
  close(fd);

  EXPECT(mknod(at("n"), S_IFREG | 0600, 0), 0);
  CHECK(S_ISREG(st_of(at("n")).st_mode) && st_of(at("n")).st_size == 0);
  EXPECT(mknod(at("n"), S_IFREG | 0600, 0), EEXIST);
  EXPECT(mknodat(AT_FDCWD, at("n0"), 0644, 0), 0); /* type 0: a regular file */
  CHECK(S_ISREG(st_of(at("n0")).st_mode));
  return 0;
}

static int access_check(const char *path, const char *mode, const char *want)
{
  int m = 0, rc;
  for (const char *p = mode; *p; p++)
    m |= *p == 'r' ? R_OK : *p == 'w' ? W_OK : *p == 'x' ? X_OK : 0;
  rc = access(path, m);
  const char *got = rc == 0           ? "0"
                    : errno == EACCES ? "EACCES"
                    : errno == EROFS  ? "EROFS"
                    : errno == ENOENT ? "ENOENT"
                                      : "other";
  if (strcmp(got, want) != 0)
    fail("access(%s, %s): %s, want %s", path, mode, got, want);
  return 0;
}

static int statfs_check(const char *path)
{
  struct statfs s;
  if (statfs(path, &s) < 0) {
    fail("statfs(%s): %s", path, strerror(errno));
    return 0;
  }
  printf("type=%lx sized=%d free=%d ro=%d\n", (unsigned long)s.f_type, s.f_blocks > 0,
         s.f_bfree > 0, (s.f_flags & 1) != 0);
  return 0;
}

/* The fields of a /proc stat line after "(comm)". */
static int stat_fields(const char *line, char fields[][32], int max)
{
  const char *p = strrchr(line, ')');
  int n = 3; /* field 3 is the state */
  if (p == NULL)
    return 0;
  for (p += 2; *p && *p != '\n' && n < max;) {
    int len = (int)strcspn(p, " \n");
    snprintf(fields[n++], 32, "%.*s", len, p);
    p += len;
    if (*p == ' ')
      p++;
  }
  return n;
}

static long value_of(const char *text, const char *key)
{
  const char *p = strstr(text, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int proc(int argc, char **argv)
{
  char buf[4096], link[256], path[256], want[PATH_MAX], fields[64][32];
  ssize_t n;
  int fd, count;

  n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  CHECK(n > 0 && buf[0] == '/');
  n = readlink("/proc/self", buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  CHECK(atoi(buf) == getpid());
  n = readlink("/proc/thread-self", buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  snprintf(want, sizeof(want), "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
  CHECK(strcmp(buf, want) == 0);
  snprintf(path, sizeof(path), "/proc/%d/task/%ld/stat", getpid(), (long)syscall(SYS_gettid));
  CHECK(access(path, R_OK) == 0);
  snprintf(path, sizeof(path), "/proc/%d/status", getpid());
  CHECK(value_of(get(path), "\nPid:\t") == getpid());
  CHECK(value_of(get("/proc/self/status"), "\nPPid:\t") == getppid());

  /* cmdline: argv, NUL-separated */
  fd = open("/proc/self/cmdline", O_RDONLY);
  n = read(fd, buf, sizeof(buf));
  close(fd);
  size_t off = 0;
  for (int i = 0; i < argc; i++) {
    CHECK(off < (size_t)n && strcmp(buf + off, argv[i]) == 0);
    off += strlen(argv[i]) + 1;
  }
  CHECK(off == (size_t)n);
  fd = open("/proc/self/environ", O_RDONLY);
  n = read(fd, buf, sizeof(buf));
  close(fd);
  CHECK(n > 0 && memmem(buf, (size_t)n, "FSCHECK=yes", 12) != NULL);
  CHECK(strncmp(get("/proc/self/comm"), "fscheck", 7) == 0);
  CHECK(getcwd(want, sizeof(want)) != NULL);
  n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
  CHECK(n > 0 && (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0);
  n = readlink("/proc/self/root", buf, sizeof(buf) - 1);
  CHECK(n == 1 && buf[0] == '/');
  CHECK(strncmp(get("/proc/self/limits"), "Limit  ", 7) == 0);
  CHECK(strstr(get("/proc/self/mounts"), " /proc proc ") != NULL);

  /* stat: 52 fields in proc(5)'s order */
  count = stat_fields(get("/proc/self/stat"), fields, 64);
  CHECK(count == 53);
  CHECK(atoi(get("/proc/self/stat")) == getpid());
  CHECK(strcmp(fields[3], "R") == 0);
  CHECK(atoi(fields[4]) == getppid() && atoi(fields[5]) == getpgrp() &&
        atoi(fields[6]) == getsid(0));
  CHECK(atoi(fields[20]) == 1);              /* num_threads */
  CHECK(strtoull(fields[23], NULL, 10) > 0); /* vsize */
  CHECK(atoi(fields[38]) == 17);             /* exit_signal */
  unsigned long sz, res, shr, text, lib, data, dt;
  CHECK(sscanf(get("/proc/self/statm"), "%lu %lu %lu %lu %lu %lu %lu", &sz, &res, &shr, &text, &lib,
               &data, &dt) == 7 &&
        sz > 0 && res <= sz);

  /* maps: the stack and the heap (brk) are named */
  char *m = malloc(1 << 16);
  fd = open("/proc/self/maps", O_RDONLY);
  n = 0;
  for (ssize_t r; (r = read(fd, m + n, (size_t)((1 << 16) - 1 - n))) > 0;)
    n += r;
  close(fd);
  m[n > 0 ? n : 0] = '\0';
  CHECK(strstr(m, " [stack]\n") != NULL);
  char *line = m, *nl;
  int lines = 0, bad = 0;
  for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
    unsigned long lo, hi, pgoff, ino;
    char perms[5];
    unsigned maj, min;
    int used = 0;
    if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &lo, &hi, perms, &pgoff, &maj, &min, &ino,
               &used) < 7 ||
        lo >= hi || strlen(perms) != 4)
      bad++;
    else if (line + used < nl && used != 73) /* names start in column 74 */
      bad++;
  }
  CHECK(lines > 2 && bad == 0);
  free(m);

  /* fd and fdinfo */
  fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  CHECK(lseek(fd, 5, SEEK_SET) == 5);
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
  const char *info = get(path);
  CHECK(value_of(info, "pos:\t") == 5);
  CHECK((strtol(strstr(info, "flags:\t") + 7, NULL, 8) & O_CLOEXEC) != 0);
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  snprintf(want, sizeof(want), "/proc/%d/stat", getpid());
  CHECK(strcmp(buf, want) == 0);
  CHECK((st_of(link).st_mode & 0777) == 0500); /* read-only: r-x */
  close(fd);
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int seen = 0;
  while (d && (e = readdir(d)) != NULL)
    seen |= strcmp(e->d_name, "0") == 0 ? 1 : strcmp(e->d_name, "2") == 0 ? 2 : 0;
  if (d)
    closedir(d);
  CHECK(seen == 3);

  /* the system's files */
  const char *mi = get("/proc/meminfo");
  long total = value_of(mi, "MemTotal:"), avail = value_of(mi, "MemAvailable:");
  CHECK(total > 0 && avail > 0 && avail <= total);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int procs = 0;
  for (const char *p = get("/proc/cpuinfo"); (p = strstr(p, "processor\t: ")) != NULL; p++)
    procs++;
  CHECK(procs == cpus);
  CHECK(strstr(get("/proc/cpuinfo"), "model name\t: ") != NULL);
  snprintf(want, sizeof(want), "%ld", cpus - 1);
  CHECK(strcmp(get("/sys/devices/system/cpu/online"), cpus > 1 ? "" : "0\n") == 0 ||
        (cpus > 1 && strncmp(get("/sys/devices/system/cpu/online"), "0-", 2) == 0));
  const char *ks = get("/proc/stat");
  CHECK(strncmp(ks, "cpu  ", 5) == 0 && strstr(ks, "\ncpu0 ") != NULL);
  CHECK(value_of(ks, "\nbtime ") > 1000000000 && value_of(ks, "\nprocesses ") >= 1);
  CHECK(value_of(ks, "\nprocs_running ") >= 1);
  double up = -1, idle = -1, l1 = -1;
  CHECK(sscanf(get("/proc/uptime"), "%lf %lf", &up, &idle) == 2 && up >= 0 && idle >= 0);
  CHECK(sscanf(get("/proc/loadavg"), "%lf", &l1) == 1 && l1 >= 0);
  CHECK(strncmp(get("/proc/version"), "Linux version ", 14) == 0);
  CHECK(strstr(get("/proc/filesystems"), "\tproc\n") != NULL);
  CHECK(strcmp(get("/proc/sys/kernel/ostype"), "Linux\n") == 0);
  CHECK(atoi(get("/proc/sys/kernel/pid_max")) >= 32768);
  CHECK(atoi(get("/proc/sys/kernel/ngroups_max")) == 65536);
  gethostname(want, sizeof(want));
  CHECK(strncmp(get("/proc/sys/kernel/hostname"), want, strlen(want)) == 0);
  CHECK(strlen(get("/proc/sys/kernel/osrelease")) > 1);
  CHECK(atoi(get("/proc/sys/vm/overcommit_memory")) >= 0);
  return 0;
}

static int dev(void)
{
  unsigned char a[32], b[32], zero[32] = {0};
  char buf[256];
  int fd;
  ssize_t n;

  fd = open("/dev/null", O_RDWR);
  CHECK(read(fd, a, sizeof(a)) == 0 && write(fd, "x", 1) == 1);
  close(fd);
  fd = open("/dev/zero", O_RDONLY);
  memset(a, 1, sizeof(a));
  CHECK(read(fd, a, sizeof(a)) == sizeof(a) && memcmp(a, zero, sizeof(a)) == 0);
  close(fd);
  fd = open("/dev/full", O_RDWR);
  EXPECT(write(fd, "x", 1), ENOSPC);
  CHECK(read(fd, a, sizeof(a)) == sizeof(a) && memcmp(a, zero, sizeof(a)) == 0);
  close(fd);
  const char *rnd[] = {"/dev/urandom", "/dev/random"};
  for (int i = 0; i < 2; i++) {
    fd = open(rnd[i], O_RDONLY);
    CHECK(read(fd, a, sizeof(a)) == sizeof(a) && read(fd, b, sizeof(b)) == sizeof(b));
    CHECK(memcmp(a, b, sizeof(a)) != 0 && memcmp(a, zero, sizeof(a)) != 0);
    close(fd);
  }
  CHECK(S_ISCHR(st_of("/dev/null").st_mode) && st_of("/dev/null").st_rdev == makedev(1, 3));
  CHECK(st_of("/dev/zero").st_rdev == makedev(1, 5) && st_of("/dev/full").st_rdev == makedev(1, 7));
  CHECK(st_of("/dev/random").st_rdev == makedev(1, 8));
  CHECK(st_of("/dev/urandom").st_rdev == makedev(1, 9));
  const char *lnk[][2] = {{"/dev/fd", "/proc/self/fd"},
                          {"/dev/stdin", "/proc/self/fd/0"},
                          {"/dev/stdout", "/proc/self/fd/1"},
                          {"/dev/stderr", "/proc/self/fd/2"}};
  for (int i = 0; i < 4; i++) {
    n = readlink(lnk[i][0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    if (strcmp(buf, lnk[i][1]) != 0)
      fail("%s -> %s, want %s", lnk[i][0], buf, lnk[i][1]);
  }
  CHECK(S_ISDIR(st_of("/dev/fd/").st_mode));
  struct stat shm = st_of("/dev/shm");
  CHECK(S_ISDIR(shm.st_mode) && (shm.st_mode & 07777) == 01777);
  fd = open("/dev/shm/fscheck", O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK(fd >= 0 && write(fd, "shm", 3) == 3);
  close(fd);
  EXPECT(unlink("/dev/shm/fscheck"), 0);
  EXPECT(open("/dev/ptmx-does-not-exist", O_RDONLY), ENOENT);
  return 0;
}

int main(int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";
  int rc = -1;

  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 2)
    snprintf(dir, sizeof(dir), "%s", argv[2]);
  if (strcmp(cmd, "links") == 0 && argc == 3)
    rc = links();
  else if (strcmp(cmd, "imglink") == 0 && argc == 4 && snprintf(dir, sizeof(dir), "%s", argv[3]))
    rc = imglink(argv[2]);
  else if (strcmp(cmd, "rename") == 0 && argc == 3)
    rc = rename_checks();
  else if (strcmp(cmd, "dirs") == 0 && argc == 4)
    rc = dirs(argv[3]);
  else if (strcmp(cmd, "attrs") == 0 && argc == 3)
    rc = attrs();
  else if (strcmp(cmd, "nonroot") == 0 && argc == 3)
    rc = nonroot();
  else if (strcmp(cmd, "times") == 0 && argc == 3)
    rc = times();
  else if (strcmp(cmd, "sizes") == 0 && argc == 3)
    rc = sizes();
  else if (strcmp(cmd, "access") == 0 && argc == 5)
    rc = access_check(argv[2], argv[3], argv[4]);
  else if (strcmp(cmd, "statfs") == 0 && argc == 3)
    rc = statfs_check(argv[2]);
  else if (strcmp(cmd, "proc") == 0)
    rc = proc(argc, argv);
  else if (strcmp(cmd, "dev") == 0 && argc == 2)
    rc = dev();
  if (rc < 0) {
    fprintf(stderr, "usage: fscheck links|rename|attrs|nonroot|times|sizes DIR | imglink FILE DIR"
                    " | dirs DIR MOUNTPOINT | access PATH MODE WANT | statfs PATH | proc | dev\n");
    return 2;
  }
  if (failures > 0)
    return 1;
  printf("fscheck %s ok\n", cmd);
  return 0;
}
