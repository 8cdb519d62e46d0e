/* Logging for host components; one line per call, written with a single write(). */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static enum hacher_log_level log_level = HACHER_LOG_WARN;
static int log_fd = 2;

void hacher_log_set_level(enum hacher_log_level level)
{
  log_level = level;
}

enum hacher_log_level hacher_log_get_level(void)
{
  return log_level;
}

int hacher_log_open(const char *path)
{
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  log_fd = fd;
  return 0;
}

void hacher_log(enum hacher_log_level level, const char *fmt, ...)
{
  char buf[2048];
  va_list ap;
  int n;

  if (level > log_level)
    return;
  n = snprintf(buf, sizeof(buf), "hacher: ");
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof(buf) - 2)
    n = (int)sizeof(buf) - 2;
  buf[n++] = '\n';
  (void)!write(log_fd, buf, (size_t)n);
}
