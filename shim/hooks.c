/* Hooks: each is a host program run with the OCI state JSON on stdin, its
 * own args and env, and an optional timeout after which it is killed. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"

#define HOOK_STDERR_MAX 1024

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void exec_hook(const struct oci_hook *h, int in, int errfd)
{
  char *argv0[] = {h->path, NULL};
  int devnull = open("/dev/null", O_WRONLY);

  dup2(in, STDIN_FILENO);
  dup2(devnull >= 0 ? devnull : errfd, STDOUT_FILENO);
  dup2(errfd, STDERR_FILENO);
  close_range(3, ~0U, 0);
  execve(h->path, h->args_count > 0 ? h->args : argv0, h->env);
  dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
  _exit(127);
}

/* Wait for the hook, reading its stderr; -1 on timeout. */
static int wait_hook(pid_t pid, int errfd, int64_t timeout_s, char *msg, size_t *len)
{
  uint64_t deadline = timeout_s > 0 ? now_ms() + (uint64_t)timeout_s * 1000 : 0;
  struct pollfd p = {errfd, POLLIN, 0};
  int st;

  while (p.fd >= 0) {
    int wait_ms = deadline ? (int)(deadline > now_ms() ? deadline - now_ms() : 0) : -1;
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0)
      break; /* the timeout */
    char buf[512];
    ssize_t r = read(errfd, buf, sizeof(buf));
    if (r <= 0) {
      p.fd = -1; /* the hook closed stderr: it is about to end */
      break;
    }
    size_t room = HOOK_STDERR_MAX - *len, keep = (size_t)r < room ? (size_t)r : room;
    memcpy(msg + *len, buf, keep);
    *len += keep;
  }
  while (deadline == 0 || now_ms() < deadline) {
    pid_t w = waitpid(pid, &st, deadline ? WNOHANG : 0);
    if (w == pid)
      return st;
    if (w < 0 && errno != EINTR)
      return 0;
    if (w == 0)
      usleep(5000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return -1;
}

static int run_hook(const struct oci_hook *h, const char *kind, size_t i, const char *state,
                    hacher_error_t *err)
{
  char msg[HOOK_STDERR_MAX + 1];
  size_t len = 0;
  int in[2], errp[2], st;
  pid_t pid;

  if (pipe2(in, O_CLOEXEC) < 0)
    return hacher_error(err, errno, "%s hook #%zu: pipe", kind, i);
  if (pipe2(errp, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return hacher_error(err, errno, "%s hook #%zu: pipe", kind, i);
  }
  pid = fork();
  if (pid == 0)
    exec_hook(h, in[0], errp[1]);
  close(in[0]);
  close(errp[1]);
  if (pid < 0) {
    close(in[1]);
    close(errp[0]);
    return hacher_error(err, errno, "%s hook #%zu: fork", kind, i);
  }
  /* a hook need not read its stdin: no SIGPIPE, and the state fits a pipe */
  signal(SIGPIPE, SIG_IGN);
  (void)!write(in[1], state, strlen(state));
  close(in[1]);
  st = wait_hook(pid, errp[0], h->has_timeout ? h->timeout : 0, msg, &len);
  close(errp[0]);
  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
    len--;
  msg[len] = '\0';
  if (st < 0)
    return hacher_error(err, 0, "%s hook #%zu (\"%s\"): timed out after %llds", kind, i, h->path,
                        (long long)h->timeout);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  if (WIFSIGNALED(st))
    return hacher_error(err, 0, "%s hook #%zu (\"%s\"): killed by signal %d%s%s", kind, i, h->path,
                        WTERMSIG(st), len ? ", stderr: " : "", msg);
  return hacher_error(err, 0, "%s hook #%zu (\"%s\"): exit status %d%s%s", kind, i, h->path,
                      WEXITSTATUS(st), len ? ", stderr: " : "", msg);
}

int hacher_hooks_run(const struct hacher_container *c, enum oci_hook_kind kind, const char *status,
                     hacher_error_t *err)
{
  const char *name = oci_hook_names[kind];
  cleanup_free char *state = NULL;

  if (c->config == NULL || c->config->hooks_count[kind] == 0)
    return 0;
  state = hacher_container_hook_state(c, status);
  for (size_t i = 0; i < c->config->hooks_count[kind]; i++) {
    log_debug("running %s hook #%zu: %s", name, i, c->config->hooks[kind][i].path);
    if (run_hook(&c->config->hooks[kind][i], name, i, state, err) < 0)
      return -1;
  }
  return 0;
}
