/* Logging for host components; one line per call, written with a single write(). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static enum hacher_log_level log_level = HACHER_LOG_WARN;
static int log_fd = 2;
static int log_json;
static const char *const level_names[] = {"error", "warning", "info", "debug"};

int hacher_log_fd(void)
{
  return log_fd;
}

void hacher_log_set_json(int on)
{
  log_json = on;
}

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

/* JSON string body of msg (quotes, backslashes and control characters escaped). */
static int json_escape(char *out, size_t size, const char *msg)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)msg; *p && n + 7 < size; p++) {
    if (*p == '"' || *p == '\\')
      n += (size_t)snprintf(out + n, size - n, "\\%c", *p);
    else if (*p < 0x20)
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
    else
      out[n++] = (char)*p;
  }
  out[n] = '\0';
  return (int)n;
}

static void vlog(enum hacher_log_level level, const char *fmt, va_list ap)
{
  char msg[1536], buf[4096], when[64];
  int n;

  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (log_json) {
    char esc[3072];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_escape(esc, sizeof(esc), msg);
    n = snprintf(buf, sizeof(buf), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                 level_names[level], esc, when);
  } else {
    n = snprintf(buf, sizeof(buf), "hacher: %s\n", msg);
  }
  if (n > (int)sizeof(buf) - 1)
    n = (int)sizeof(buf) - 1;
  (void)!write(log_fd, buf, (size_t)n);
}

void hacher_log(enum hacher_log_level level, const char *fmt, ...)
{
  va_list ap;

  if (level > log_level)
    return;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void hacher_log_always(enum hacher_log_level level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}
