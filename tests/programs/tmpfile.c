/* Exercises the private in-memory /tmp: write, read back, seek, stat,
 * readdir and unlink. Prints "tmpfile ok" or the first thing that failed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 1500 /* not a power of two, so writes straddle block boundaries */
#define NCHUNKS 5
#define TOTAL (CHUNK * NCHUNKS)

static const char path[] = "/tmp/hacher-tmpfile.dat";
static const char name[] = "hacher-tmpfile.dat";

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    printf("tmpfile failed: " __VA_ARGS__);                                                        \
    printf("\n");                                                                                  \
    return 1;                                                                                      \
  } while (0)

static int in_tmp(void)
{
  DIR *d = opendir("/tmp");
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

int main(void)
{
  static char data[TOTAL], back[TOTAL];
  struct stat st;
  char c;
  int fd;

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

  int r = in_tmp();
  if (r < 0)
    FAIL("opendir /tmp: %s", strerror(errno));
  if (r == 0)
    FAIL("%s not listed in /tmp", name);

  if (unlink(path) < 0)
    FAIL("unlink: %s", strerror(errno));
  if (stat(path, &st) == 0 || errno != ENOENT)
    FAIL("file still there after unlink");
  if (open(path, O_RDONLY) >= 0 || errno != ENOENT)
    FAIL("open after unlink did not fail with ENOENT");
  if (in_tmp() != 0)
    FAIL("%s still listed in /tmp after unlink", name);

  printf("tmpfile ok\n");
  return 0;
}
