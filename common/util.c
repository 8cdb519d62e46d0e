/* Allocation wrappers, file and child-process helpers shared by every host
 * component. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void oom(void)
{
  fputs("hacher: out of memory\n", stderr);
  abort();
}

void *xmalloc(size_t size)
{
  void *p = malloc(size ? size : 1);
  if (p == NULL)
    oom();
  return p;
}

void *xmalloc0(size_t size)
{
  void *p = calloc(1, size ? size : 1);
  if (p == NULL)
    oom();
  return p;
}

void *xrealloc(void *p, size_t size)
{
  p = realloc(p, size ? size : 1);
  if (p == NULL)
    oom();
  return p;
}

char *xstrdup(const char *s)
{
  char *r = strdup(s);
  if (r == NULL)
    oom();
  return r;
}

char *xvasprintf(const char *fmt, va_list ap)
{
  char *r;
  if (vasprintf(&r, fmt, ap) < 0)
    oom();
  return r;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *r;
  va_start(ap, fmt);
  r = xvasprintf(fmt, ap);
  va_end(ap);
  return r;
}

int read_file(const char *path, char **out, size_t *size_out, hacher_error_t *err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  size_t cap = 8192, len = 0;
  char *buf;

  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", path);
  buf = xmalloc(cap);
  for (;;) {
    ssize_t n;
    if (len + 1 >= cap)
      buf = xrealloc(buf, cap *= 2);
    n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      free(buf);
      return hacher_error(err, e, "read \"%s\"", path);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  *out = buf;
  if (size_out)
    *size_out = len;
  return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, int mode,
                      hacher_error_t *err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  const char *p = data;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

  if (fd < 0)
    return hacher_error(err, errno, "create \"%s\"", tmp);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return hacher_error(err, e, "write \"%s\"", tmp);
    }
    p += n;
    size -= (size_t)n;
  }
  if (fsync(fd) < 0 || close(fd) < 0) {
    int e = errno;
    unlink(tmp);
    return hacher_error(err, e, "sync \"%s\"", tmp);
  }
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return hacher_error(err, e, "rename \"%s\" to \"%s\"", tmp, path);
  }
  return 0;
}

int mkdir_p(const char *path, int mode, hacher_error_t *err)
{
  cleanup_free char *p = xstrdup(path);
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return hacher_error(err, errno, "mkdir \"%s\"", p);
    *s = c;
    if (c == '\0')
      break;
  }
  return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path, hacher_error_t *err)
{
  if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
    return hacher_error(err, errno, "remove \"%s\"", path);
  return 0;
}

int wait_status(pid_t pid, int on_error)
{
  int st;

  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return on_error;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void catch_forwarded_signals(void (*fn)(int))
{
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    sigaction(sigs[i], &sa, NULL);
}

int read_verdict(int fd, char ok, char *buf, size_t size)
{
  size_t len = 0;
  ssize_t n;

  while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    len += (size_t)n;
    if (buf[0] == ok)
      return 1;
  }
  buf[len] = '\0';
  return 0;
}
