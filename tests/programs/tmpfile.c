/* tmpfile [DIR [EXISTING]]: exercises a writable directory (default the
 * private in-memory /tmp): write, read back, seek, stat, readdir, unlink.
 * With EXISTING, also appends to that existing file and reads the tail back.
 * Prints "tmpfile ok" or the first thing that failed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 1500 /* not a power of two, so writes straddle block boundaries */
#define NCHUNKS 5
#define TOTAL (CHUNK * NCHUNKS)

static const char name[] = "hacher-tmpfile.dat";
static const char *dir = "/tmp";
static char path[4096];

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    printf("tmpfile failed: " __VA_ARGS__);                                                        \
    printf("\n");                                                                                  \
    return 1;                                                                                      \
  } while (0)

static int in_dir(void)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, name) == 0)
      found = 1;
  closedir(d);
  return found;
}

/* Appends to a file that came from the image, as a writable root allows. */
static int append_existing(const char *file)
{
  static const char tail[] = "extra\n";
  char back[sizeof(tail) - 1];
  struct stat before, after;
  int fd;

  if (stat(file, &before) < 0)
    FAIL("stat %s: %s", file, strerror(errno));
  fd = open(file, O_WRONLY | O_APPEND);
  if (fd < 0)
    FAIL("open %s for append: %s", file, strerror(errno));
  if (write(fd, tail, sizeof(back)) != (ssize_t)sizeof(back))
    FAIL("append to %s: %s", file, strerror(errno));
  close(fd);
  if (stat(file, &after) < 0 || after.st_size != before.st_size + (off_t)sizeof(back))
    FAIL("%s did not grow by %zu bytes", file, sizeof(back));
  fd = open(file, O_RDONLY);
  if (fd < 0 || pread(fd, back, sizeof(back), before.st_size) != (ssize_t)sizeof(back) ||
      memcmp(back, tail, sizeof(back)) != 0)
    FAIL("appended bytes of %s not read back", file);
  close(fd);
  return 0;
}

int main(int argc, char **argv)
{
  static char data[TOTAL], back[TOTAL];
  struct stat st;
  char c;
  int fd;

  if (argc > 1)
    dir = argv[1];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (argc > 2 && append_existing(argv[2]) != 0)
    return 1;

  for (int i = 0; i < TOTAL; i++)
    data[i] = (char)('a' + (i * 7) % 26);

  fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0)
    FAIL("create %s: %s", path, strerror(errno));
  for (int i = 0; i < NCHUNKS; i++)
    if (write(fd, data + i * CHUNK, CHUNK) != CHUNK)
      FAIL("write chunk %d: %s", i, strerror(errno));
  if (close(fd) < 0)
    FAIL("close: %s", strerror(errno));

  fd = open(path, O_RDONLY);
  if (fd < 0)
    FAIL("reopen %s: %s", path, strerror(errno));
  ssize_t got = 0, n;
  while (got < TOTAL && (n = read(fd, back + got, TOTAL - got)) > 0)
    got += n;
  if (got != TOTAL)
    FAIL("read back %zd of %d bytes", got, TOTAL);
  if (memcmp(data, back, TOTAL) != 0)
    FAIL("contents differ after read back");
  if (read(fd, &c, 1) != 0)
    FAIL("no EOF after %d bytes", TOTAL);

  if (lseek(fd, 4242, SEEK_SET) != 4242)
    FAIL("lseek SEEK_SET: %s", strerror(errno));
  if (read(fd, &c, 1) != 1 || c != data[4242])
    FAIL("wrong byte after lseek to 4242");
  if (lseek(fd, -10, SEEK_END) != TOTAL - 10)
    FAIL("lseek SEEK_END: %s", strerror(errno));
  if (read(fd, &c, 1) != 1 || c != data[TOTAL - 10])
    FAIL("wrong byte after lseek from end");
  close(fd);

  if (stat(path, &st) < 0)
    FAIL("stat: %s", strerror(errno));
  if (st.st_size != TOTAL)
    FAIL("stat size %lld, want %d", (long long)st.st_size, TOTAL);
  if (!S_ISREG(st.st_mode))
    FAIL("stat mode %o is not a regular file", (unsigned)st.st_mode);

  int r = in_dir();
  if (r < 0)
    FAIL("opendir %s: %s", dir, strerror(errno));
  if (r == 0)
    FAIL("%s not listed in %s", name, dir);

  if (unlink(path) < 0)
    FAIL("unlink: %s", strerror(errno));
  if (stat(path, &st) == 0 || errno != ENOENT)
    FAIL("file still there after unlink");
  if (open(path, O_RDONLY) >= 0 || errno != ENOENT)
    FAIL("open after unlink did not fail with ENOENT");
  if (in_dir() != 0)
    FAIL("%s still listed in %s after unlink", name, dir);

  printf("tmpfile ok\n");
  return 0;
}
