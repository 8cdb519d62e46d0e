/* The container's terminal: a host pty created by the runtime, its slave
 * given to the monitor as stdio 0-2 and its master to the caller. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../common/util.h"

int hacher_console_open(struct hacher_console *con, uint32_t rows, uint32_t cols,
                        hacher_error_t *err)
{
  con->slave = -1;
  con->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (con->master < 0)
    return hacher_error(err, errno, "terminal: open \"/dev/ptmx\"");
  if (grantpt(con->master) < 0 || unlockpt(con->master) < 0 ||
      ptsname_r(con->master, con->name, sizeof(con->name)) != 0) {
    hacher_console_close(con);
    return hacher_error(err, errno, "terminal: set up the pty");
  }
  con->slave = open(con->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (con->slave < 0) {
    int e = errno;
    hacher_console_close(con);
    return hacher_error(err, e, "terminal: open \"%s\"", con->name);
  }
  if (rows > 0 && cols > 0) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(con->master, TIOCSWINSZ, &ws) < 0) {
      int e = errno;
      hacher_console_close(con);
      return hacher_error(err, e, "terminal: set the window size of \"%s\"", con->name);
    }
  }
  return 0;
}

int hacher_console_send(const struct hacher_console *con, const char *path, hacher_error_t *err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {(void *)con->name, strlen(con->name)};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
  struct cmsghdr *cm;
  cleanup_close int fd = -1;

  if (strlen(path) >= sizeof(addr.sun_path))
    return hacher_error(err, 0, "--console-socket \"%s\": path too long", path);
  strcpy(addr.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
    return hacher_error(err, errno, "--console-socket \"%s\": connect", path);
  memset(ctl, 0, sizeof(ctl));
  cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &con->master, sizeof(int));
  if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
    return hacher_error(err, errno, "--console-socket \"%s\": send the pty master", path);
  return 0;
}

/* Write all of buf; false once the other side is gone. */
static bool copy_out(int fd, const char *buf, ssize_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    buf += w;
    n -= w;
  }
  return true;
}

void hacher_console_proxy(int master)
{
  struct termios saved, raw;
  bool is_tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {master, POLLIN, 0}};
  char buf[4096];

  if (is_tty) { /* keystrokes go to the container's line discipline */
    struct winsize ws;
    raw = saved;
    cfmakeraw(&raw);
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
      ioctl(master, TIOCSWINSZ, &ws);
  }
  for (;;) {
    ssize_t n;
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      n = read(master, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || !copy_out(STDOUT_FILENO, buf, n))
        break; /* EIO: every slave fd is closed, the container is gone */
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n <= 0)
        p[0].fd = -1; /* stdin ended; keep showing the output */
      else if (!copy_out(master, buf, n))
        break;
    }
  }
  if (is_tty)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

void hacher_console_close(struct hacher_console *con)
{
  if (con->master >= 0)
    close(con->master);
  if (con->slave >= 0)
    close(con->slave);
  con->master = con->slave = -1;
}
