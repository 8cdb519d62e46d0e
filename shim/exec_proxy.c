/* The exec socket and the exec proxy (exec_proxy.h); the protocol is
 * common/exec_msg.h, the monitor's end monitor/exec.c. */
#include "exec_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"

/* A unix socket path can be 107 bytes; a longer state dir is reached
 * through /proc/self/fd of an O_PATH descriptor of it (runc does the same). */
static int sock_addr(const char *dir, struct sockaddr_un *a, int *dirfd, hacher_error_t *err)
{
  int n;

  *dirfd = -1;
  memset(a, 0, sizeof(*a));
  a->sun_family = AF_UNIX;
  n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, EXEC_MSG_SOCKET);
  if (n > 0 && (size_t)n < sizeof(a->sun_path))
    return 0;
  *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0)
    return hacher_error(err, errno, "open \"%s\"", dir);
  snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s", *dirfd, EXEC_MSG_SOCKET);
  return 0;
}

int hacher_exec_listen(const char *dir, hacher_error_t *err)
{
  struct sockaddr_un a;
  cleanup_close int dirfd = -1;
  int fd;
  mode_t old;

  if (sock_addr(dir, &a, &dirfd, err) < 0)
    return -1;
  fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hacher_error(err, errno, "exec socket");
  unlink(a.sun_path);
  old = umask(0077); /* only the runtime's user may exec */
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
    int e = errno;
    umask(old);
    close(fd);
    return hacher_error(err, e, "exec socket \"%s/%s\"", dir, EXEC_MSG_SOCKET);
  }
  umask(old);
  return fd;
}

static int status_fd = -1;
static int sig_pipe[2] = {-1, -1};

/* Signals for the exec'd process: the ones runc's exec forwards, and the
 * terminal's job-control ones (the proxy owns the exec's terminal). */
static const int forwarded[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
                                SIGTERM, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU};

static void on_signal(int sig)
{
  int saved = errno;
  unsigned char b = (unsigned char)sig;

  if (write(sig_pipe[1], &b, 1) < 0) {
    /* full: signals of one kind merge anyway */
  }
  errno = saved;
}

static void report(const char *what)
{
  if (status_fd >= 0) {
    (void)!write(status_fd, what, strlen(what));
    close(status_fd);
    status_fd = -1;
  }
}

/* Before the start the CLI reports the error; after it, nothing may be
 * written: stderr is the process's. */
static __attribute__((noreturn)) void fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static __attribute__((noreturn)) void fail(const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start(ap, fmt);
  msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (status_fd >= 0) {
    cleanup_free char *text = xasprintf("E%s", msg);
    report(text);
  } else {
    log_debug("exec proxy: %s", msg);
  }
  free(msg);
  _exit(255);
}

static int connect_monitor(const char *dir)
{
  hacher_error_t e = NULL;
  struct sockaddr_un a;
  cleanup_close int dirfd = -1;
  int fd;

  if (sock_addr(dir, &a, &dirfd, &e) < 0)
    fail("%s", e->msg);
  fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fail("exec socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
    if (errno == ECONNREFUSED || errno == ENOENT)
      fail("cannot exec in a stopped container");
    fail("connect to \"%s/%s\": %s", dir, EXEC_MSG_SOCKET, strerror(errno));
  }
  return fd;
}

static void send_request(int conn, const struct hacher_exec_proxy *p)
{
  char ctl[CMSG_SPACE(3 * sizeof(int))];
  struct iovec iov = {(void *)p->request, p->request_len};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE((size_t)p->nfds * sizeof(int))};
  struct cmsghdr *cm;

  memset(ctl, 0, sizeof(ctl));
  cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN((size_t)p->nfds * sizeof(int));
  memcpy(CMSG_DATA(cm), p->fds, (size_t)p->nfds * sizeof(int));
  if (sendmsg(conn, &msg, MSG_NOSIGNAL) < 0) {
    if (errno == EPIPE || errno == ECONNRESET)
      fail("cannot exec in a stopped container");
    fail("send the exec request: %s", strerror(errno));
  }
}

static void setup_signals(void)
{
  struct sigaction sa;

  if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    fail("pipe: %s", strerror(errno));
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
    sigaction(forwarded[i], &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static void forward_signals(int conn)
{
  unsigned char sigs[64];
  uint8_t buf[64];
  ssize_t n;

  while ((n = read(sig_pipe[0], sigs, sizeof(sigs))) > 0)
    for (ssize_t i = 0; i < n; i++)
      if (send(conn, buf, exec_msg_encode_signal(buf, sizeof(buf), sigs[i]), MSG_NOSIGNAL) < 0)
        log_debug("exec proxy: forward signal %d: %s", sigs[i], strerror(errno));
}

void hacher_exec_proxy_main(const struct hacher_exec_proxy *p)
{
  static uint8_t buf[EXEC_MSG_MAX];
  bool started = false;
  int conn, devnull;

  status_fd = p->status_fd;
  setsid(); /* the CLI forwards what it gets; a terminal's signals come here */
  if (p->tty >= 0 && ioctl(p->tty, TIOCSCTTY, 0) < 0)
    fail("exec terminal: make it the controlling terminal: %s", strerror(errno));
  setup_signals();
  conn = connect_monitor(p->dir);
  send_request(conn, p);
  for (int i = 0; i < p->nfds; i++)
    if (p->fds[i] > 2)
      close(p->fds[i]);
  /* the monitor holds the process's stdio now; ours must not keep a pipe
   * open after the process has ended */
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && devnull >= 0; fd++)
    dup2(devnull, fd);
  for (;;) {
    struct pollfd pfd[2] = {{conn, POLLIN, 0}, {sig_pipe[0], POLLIN, 0}};
    struct exec_msg m;
    char why[256];
    ssize_t n;

    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      fail("poll: %s", strerror(errno));
    }
    if (pfd[1].revents & POLLIN)
      forward_signals(conn);
    if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    n = recv(conn, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      /* the monitor is gone: the process went with the trustlet */
      if (!started)
        fail("the container stopped before the process started");
      _exit(128 + SIGKILL);
    }
    if (exec_msg_decode(buf, (size_t)n, &m, why, sizeof(why)) < 0) {
      exec_msg_clear(&m);
      fail("bad message from the monitor: %s", why);
    }
    exec_msg_clear(&m);
    switch (m.type) {
    case EXEC_MSG_STARTED:
      started = true;
      report("S");
      break;
    case EXEC_MSG_EXIT:
      if (!started)
        report("S"); /* not sent by the monitor, but harmless */
      _exit(m.signal != 0 ? 128 + (int)m.signal : (int)m.status);
    case EXEC_MSG_ERROR: fail("%s", m.text);
    default: fail("unexpected message type %u from the monitor", (unsigned)m.type);
    }
  }
}
