/* procview: what a program sees in /proc over time. Usage:
 *   procview sleep SECONDS FILE  sleeps, then prints FILE
 *   procview fdlink FILE         opens FILE, prints where /proc/self/fd/N points */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int print_file(const char *path)
{
  char buf[4096];
  ssize_t n;
  int fd = open(path, O_RDONLY);

  if (fd < 0) {
    perror(path);
    return 1;
  }
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    fwrite(buf, 1, (size_t)n, stdout);
  close(fd);
  return n < 0;
}

int main(int argc, char **argv)
{
  char link[64], target[4096];
  ssize_t n;
  int fd;

  if (argc == 4 && strcmp(argv[1], "sleep") == 0) {
    struct timespec ts = {atoi(argv[2]), 0};
    nanosleep(&ts, NULL);
    return print_file(argv[3]);
  }
  if (argc == 3 && strcmp(argv[1], "fdlink") == 0) {
    if ((fd = open(argv[2], O_RDONLY)) < 0) {
      perror(argv[2]);
      return 1;
    }
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if ((n = readlink(link, target, sizeof(target) - 1)) < 0) {
      perror(link);
      return 1;
    }
    target[n] = '\0';
    printf("%d %s\n", fd, target);
    return 0;
  }
  fprintf(stderr, "usage: procview sleep SECONDS FILE | procview fdlink FILE\n");
  return 2;
}
