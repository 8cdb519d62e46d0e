/* I/O objects of one process: pipes, FIFOs, AF_UNIX sockets, eventfd,
 * timerfd, poll/select/epoll and file locks. Usage: ipc MODE; prints what
 * it checked and exits 1 on any mismatch (the failing line is printed). It
 * behaves the same natively, which is how its expectations were checked. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("FAIL %s:%d: %s (errno %d %s)\n", __func__, __LINE__, #cond, errno, strerror(errno)); \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

/* A syscall result that must be -1 with errno e. */
#define FAILS(call, e) CHECK((call) == -1 && errno == (e))

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void on_signal(int sig)
{
  (void)sig;
}

static void handle(int sig, void (*fn)(int))
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sigaction(sig, &sa, NULL);
}

static void link_starts(int fd, const char *prefix)
{
  char path[64], buf[128];
  ssize_t n;

  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  n = readlink(path, buf, sizeof(buf) - 1);
  CHECK(n > 0);
  buf[n > 0 ? n : 0] = '\0';
  if (strncmp(buf, prefix, strlen(prefix)) != 0)
    printf("FAIL link of fd %d is '%s', want '%s...'\n", fd, buf, prefix), failures++;
}

static void mode_pipe(void)
{
  int p[2], q[2], n;
  char buf[70000];
  struct stat st, st2;

  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "hello", 5) == 5);
  CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 5);
  CHECK(read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
  FAILS(read(p[1], buf, 1), EBADF);
  FAILS(write(p[0], "x", 1), EBADF);
  FAILS(lseek(p[0], 0, SEEK_SET), ESPIPE);
  CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
  CHECK(fstat(p[1], &st2) == 0 && st2.st_ino == st.st_ino);
  CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  link_starts(p[0], "pipe:[");
  printf("pipe: both ends, FIONREAD, fstat S_IFIFO, pipe:[ino]\n");

  /* O_NONBLOCK through F_SETFL: EAGAIN on empty, on full */
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK));
  FAILS(read(p[0], buf, 1), EAGAIN);
  CHECK(fcntl(p[1], F_GETPIPE_SZ) == 65536);
  CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
  memset(buf, 'a', sizeof(buf));
  CHECK(write(p[1], buf, sizeof(buf)) == 65536);
  FAILS(write(p[1], buf, 1), EAGAIN);
  CHECK(read(p[0], buf, 100) == 100);
  FAILS(write(p[1], buf, 200), EAGAIN); /* up to PIPE_BUF: all or nothing */
  CHECK(read(p[0], buf, 4000) == 4000);
  CHECK(write(p[1], buf, 100) == 100);
  while (read(p[0], buf, sizeof(buf)) > 0)
    ;
  CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192 && fcntl(p[0], F_GETPIPE_SZ) == 8192);
  CHECK(write(p[1], buf, sizeof(buf)) == 8192);
  FAILS(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
  FAILS(fcntl(0 + open("/tmp", O_RDONLY), F_GETPIPE_SZ), EBADF);
  printf("pipe: O_NONBLOCK EAGAIN, 64 KiB, PIPE_BUF atomic, F_SETPIPE_SZ\n");

  /* EOF once every writer is closed, dup'd writers count */
  int w2 = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
  CHECK(w2 >= 10 && fcntl(w2, F_GETFD) == FD_CLOEXEC && (fcntl(w2, F_GETFL) & O_NONBLOCK));
  close(p[1]);
  CHECK(read(p[0], buf, sizeof(buf)) == 8192);
  FAILS(read(p[0], buf, 1), EAGAIN);
  close(w2);
  CHECK(read(p[0], buf, 1) == 0);
  close(p[0]);
  printf("pipe: EOF after the last writer\n");

  /* EPIPE with SIGPIPE ignored */
  CHECK(pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0);
  CHECK(fcntl(q[0], F_GETFD) == FD_CLOEXEC && (fcntl(q[1], F_GETFL) & O_NONBLOCK));
  FAILS(pipe2(p, 0x1000000), EINVAL);
  close(q[0]);
  signal(SIGPIPE, SIG_IGN);
  FAILS(write(q[1], "x", 1), EPIPE);
  close(q[1]);
  printf("pipe: EPIPE with SIGPIPE ignored\n");
}

static void mode_sigpipe(void)
{
  int p[2];

  CHECK(pipe(p) == 0);
  close(p[0]);
  printf("sigpipe: writing\n");
  fflush(stdout);
  write(p[1], "x", 1);
  printf("FAIL: still alive after SIGPIPE\n");
  exit(1);
}

static void mode_fifo(void)
{
  const char *path = "/tmp/ipc-fifo";
  char buf[16];
  struct stat st;
  int rw, r, w;

  unlink(path);
  CHECK(mkfifo(path, 0600) == 0);
  CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
  FAILS(open(path, O_WRONLY | O_NONBLOCK), ENXIO);
  r = open(path, O_RDONLY | O_NONBLOCK);
  CHECK(r >= 0);
  w = open(path, O_WRONLY | O_NONBLOCK);
  CHECK(w >= 0);
  CHECK(write(w, "fifo", 4) == 4);
  CHECK(read(r, buf, sizeof(buf)) == 4 && memcmp(buf, "fifo", 4) == 0);
  close(w);
  CHECK(read(r, buf, sizeof(buf)) == 0);
  close(r);
  rw = open(path, O_RDWR);
  CHECK(rw >= 0);
  CHECK(write(rw, "again", 5) == 5 && read(rw, buf, sizeof(buf)) == 5);
  close(rw);
  CHECK(unlink(path) == 0);
  printf("fifo: mkfifo, O_NONBLOCK opens, ENXIO without a reader, O_RDWR\n");
}

static void mode_poll(void)
{
  int p[2], n;
  struct pollfd pf[3];
  fd_set rd, wr;
  struct timeval tv;
  struct timespec ts;
  double t0;

  CHECK(pipe(p) == 0);
  pf[0] = (struct pollfd){p[0], POLLIN, 0};
  pf[1] = (struct pollfd){p[1], POLLOUT, 0};
  pf[2] = (struct pollfd){99, POLLIN, 0};
  CHECK(poll(pf, 3, 0) == 2 && pf[0].revents == 0 && pf[1].revents == POLLOUT &&
        pf[2].revents == POLLNVAL);
  t0 = now_ms();
  CHECK(poll(pf, 1, 150) == 0 && pf[0].revents == 0);
  n = (int)(now_ms() - t0);
  CHECK(n >= 140 && n < 5000);
  CHECK(write(p[1], "x", 1) == 1);
  CHECK(poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN);
  ts = (struct timespec){1, 0};
  CHECK(ppoll(pf, 2, &ts, NULL) == 2);
  printf("poll: readiness, POLLNVAL, timeout waited %s\n", n >= 140 ? "long enough" : "too short");

  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_SET(p[0], &rd);
  FD_SET(p[1], &wr);
  tv = (struct timeval){2, 0};
  CHECK(select(p[1] + 1, &rd, &wr, NULL, &tv) == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr));
  CHECK(tv.tv_sec <= 2 && tv.tv_sec >= 1);
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  tv = (struct timeval){0, 120000};
  t0 = now_ms();
  /* the syscall itself: musl's select() passes a copy of the timeout */
  CHECK(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &rd));
  n = (int)(now_ms() - t0);
  CHECK(n >= 110 && n < 5000);
  CHECK(tv.tv_sec == 0 && tv.tv_usec == 0); /* the time left, as Linux writes it */
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  ts = (struct timespec){0, 0};
  CHECK(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL) == 0);
  FD_ZERO(&rd);
  FD_SET(200, &rd);
  ts = (struct timespec){0, 0};
  FAILS(pselect(201, &rd, NULL, NULL, &ts, NULL), EBADF);
  /* the write end's HUP: the reader sees EOF as readable */
  close(p[1]);
  pf[0] = (struct pollfd){p[0], POLLIN, 0};
  CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLHUP));
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  tv = (struct timeval){0, 0};
  CHECK(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1);
  close(p[0]);
  printf("select: readiness, timeout and time left, EBADF, HUP is readable\n");
}

static void mode_eventfd(void)
{
  uint64_t v;
  int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
  struct pollfd pf;

  CHECK(e >= 0 && fcntl(e, F_GETFD) == FD_CLOEXEC);
  link_starts(e, "anon_inode:[eventfd]");
  CHECK(read(e, &v, 8) == 8 && v == 3);
  FAILS(read(e, &v, 8), EAGAIN);
  FAILS(read(e, &v, 4), EINVAL);
  v = 5;
  CHECK(write(e, &v, 8) == 8 && write(e, &v, 8) == 8);
  CHECK(read(e, &v, 8) == 8 && v == 10);
  v = UINT64_MAX;
  FAILS(write(e, &v, 8), EINVAL);
  v = UINT64_MAX - 1;
  CHECK(write(e, &v, 8) == 8);
  pf = (struct pollfd){e, POLLIN | POLLOUT, 0};
  CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
  v = 1;
  FAILS(write(e, &v, 8), EAGAIN); /* would pass 0xfffffffffffffffe */
  CHECK(read(e, &v, 8) == 8 && v == UINT64_MAX - 1);
  CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT);
  close(e);
  printf("eventfd: counter, EAGAIN, overflow\n");

  e = eventfd(2, EFD_SEMAPHORE);
  CHECK(e >= 0 && fcntl(e, F_GETFD) == 0);
  CHECK(read(e, &v, 8) == 8 && v == 1);
  CHECK(read(e, &v, 8) == 8 && v == 1);
  CHECK(fcntl(e, F_SETFL, O_NONBLOCK) == 0);
  FAILS(read(e, &v, 8), EAGAIN);
  FAILS(eventfd(0, 0x10), EINVAL);
  close(e);
  printf("eventfd: semaphore mode\n");
}

static void mode_timerfd(void)
{
  struct itimerspec its = {{0, 0}, {0, 200000000}}, cur;
  uint64_t v;
  double t0;
  int n, t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  struct pollfd pf;

  CHECK(t >= 0);
  link_starts(t, "anon_inode:[timerfd]");
  CHECK(timerfd_settime(t, 0, &its, NULL) == 0);
  CHECK(timerfd_gettime(t, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
  t0 = now_ms();
  CHECK(read(t, &v, 8) == 8 && v == 1);
  n = (int)(now_ms() - t0);
  CHECK(n >= 190 && n < 5000);
  printf("timerfd: blocking read waited %s, 1 expiration\n",
         n >= 190 ? "long enough" : "too little");

  /* periodic: 50 ms, count after about 300 ms */
  its = (struct itimerspec){{0, 50000000}, {0, 50000000}};
  CHECK(timerfd_settime(t, 0, &its, NULL) == 0);
  usleep(320000);
  CHECK(read(t, &v, 8) == 8 && v >= 5 && v < 100);
  CHECK(timerfd_gettime(t, &cur) == 0 && cur.it_interval.tv_nsec == 50000000);
  /* poll waits for the next expiration */
  pf = (struct pollfd){t, POLLIN, 0};
  CHECK(poll(&pf, 1, 2000) == 1 && pf.revents == POLLIN);
  printf("timerfd: interval expirations counted, poll wakes\n");

  /* absolute time on CLOCK_REALTIME, in the past: expired at once */
  int r = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  its = (struct itimerspec){{0, 0}, {rt.tv_sec - 1, 0}};
  CHECK(timerfd_settime(r, TFD_TIMER_ABSTIME, &its, NULL) == 0);
  CHECK(read(r, &v, 8) == 8 && v == 1);
  FAILS(read(r, &v, 8), EAGAIN);
  its = (struct itimerspec){{0, 0}, {0, 0}};
  CHECK(timerfd_settime(r, 0, &its, &cur) == 0);
  FAILS(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
  its.it_value.tv_nsec = 1000000000;
  FAILS(timerfd_settime(r, 0, &its, NULL), EINVAL);
  FAILS(timerfd_settime(0 + eventfd(0, 0), 0, &its, NULL), EINVAL);
  int b = timerfd_create(CLOCK_BOOTTIME, 0);
  CHECK(b >= 0);
  close(b);
  close(r);
  close(t);
  printf("timerfd: TFD_TIMER_ABSTIME, CLOCK_REALTIME, errors\n");
}

static void mode_epoll(void)
{
  int ep = epoll_create1(EPOLL_CLOEXEC), p[2], s[2], inner, reg;
  struct epoll_event ev, out[8];
  double t0;
  int n;

  CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC);
  link_starts(ep, "anon_inode:[eventpoll]");
  CHECK(pipe(p) == 0);
  ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
  FAILS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
  FAILS(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
  FAILS(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT);
  FAILS(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
  reg = open("/etc/passwd", O_RDONLY);
  FAILS(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
  FAILS(syscall(SYS_epoll_create, 0), EINVAL); /* musl does not pass the size */
  t0 = now_ms();
  CHECK(epoll_wait(ep, out, 8, 100) == 0);
  n = (int)(now_ms() - t0);
  CHECK(n >= 90 && n < 5000);
  CHECK(write(p[1], "ab", 2) == 2);
  /* level-triggered: reported while readable */
  CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].events == EPOLLIN &&
        out[0].data.u64 == 0x1122334455667788ULL);
  CHECK(epoll_wait(ep, out, 8, -1) == 1);
  printf("epoll: ctl errors, timeout, level-triggered, data as given\n");

  /* edge-triggered: once per change */
  ev = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.u32 = 7};
  CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
  CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].data.u32 == 7);
  CHECK(epoll_wait(ep, out, 8, 0) == 0);
  CHECK(write(p[1], "c", 1) == 1);
  CHECK(epoll_wait(ep, out, 8, 0) == 1);
  CHECK(epoll_wait(ep, out, 8, 0) == 0);
  /* one-shot: once until EPOLL_CTL_MOD */
  ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 8};
  CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
  CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].data.u32 == 8);
  CHECK(write(p[1], "d", 1) == 1);
  CHECK(epoll_wait(ep, out, 8, 0) == 0);
  CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
  CHECK(epoll_wait(ep, out, 8, 0) == 1);
  printf("epoll: EPOLLET, EPOLLONESHOT\n");

  /* EPOLLRDHUP and EPOLLOUT on a socket pair; nested epoll; loops */
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
  ev = (struct epoll_event){.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 9};
  CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s[0], &ev) == 0);
  CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].events == EPOLLOUT);
  CHECK(shutdown(s[1], SHUT_WR) == 0);
  CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].events == (EPOLLIN | EPOLLOUT | EPOLLRDHUP));
  inner = epoll_create1(0);
  ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 10};
  CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, ep, &ev) == 0);
  FAILS(epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev), ELOOP);
  CHECK(epoll_wait(inner, out, 8, 0) == 1 && out[0].data.u32 == 10);
  /* closing the last fd of a description removes its entry */
  close(s[0]);
  CHECK(epoll_wait(ep, out, 8, 0) == 0);
  CHECK(epoll_wait(inner, out, 8, 0) == 0);
  FAILS(epoll_wait(ep, out, 0, 0), EINVAL);
  FAILS(epoll_wait(reg, out, 1, 0), EINVAL);
  close(inner);
  close(ep);
  close(s[1]);
  close(reg);
  printf("epoll: EPOLLRDHUP, nested, ELOOP, entries go with the description\n");
}

static void mode_socketpair(void)
{
  int s[2], v;
  socklen_t len;
  char buf[64];
  struct ucred cred;

  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s) == 0);
  CHECK(fcntl(s[0], F_GETFD) == FD_CLOEXEC && (fcntl(s[1], F_GETFL) & O_NONBLOCK));
  CHECK(write(s[0], "ping", 4) == 4 && send(s[0], "!", 1, 0) == 1);
  CHECK(ioctl(s[1], FIONREAD, &v) == 0 && v == 5);
  CHECK(recv(s[1], buf, 2, MSG_PEEK) == 2 && memcmp(buf, "pi", 2) == 0);
  CHECK(read(s[1], buf, sizeof(buf)) == 5 && memcmp(buf, "ping!", 5) == 0);
  FAILS(read(s[1], buf, 1), EAGAIN);
  CHECK(write(s[1], "pong", 4) == 4 && read(s[0], buf, sizeof(buf)) == 4);
  link_starts(s[0], "socket:[");
  struct stat st;
  CHECK(fstat(s[0], &st) == 0 && S_ISSOCK(st.st_mode));
  len = sizeof(v);
  CHECK(getsockopt(s[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM && len == 4);
  CHECK(getsockopt(s[0], SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_UNIX);
  CHECK(getsockopt(s[0], SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0);
  len = sizeof(cred);
  CHECK(getsockopt(s[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred) &&
        cred.pid == getpid() && cred.uid == getuid() && cred.gid == getgid());
  v = 1;
  CHECK(setsockopt(s[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)) == 0);
  CHECK(setsockopt(s[0], SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) == 0);
  v = 10000;
  CHECK(setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0);
  len = sizeof(v);
  CHECK(getsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &v, &len) == 0 && v == 20000);
  /* shutdown: EOF one way, EPIPE the other */
  CHECK(shutdown(s[0], SHUT_WR) == 0);
  CHECK(read(s[1], buf, sizeof(buf)) == 0);
  signal(SIGPIPE, SIG_IGN);
  FAILS(send(s[0], "x", 1, MSG_NOSIGNAL), EPIPE);
  CHECK(write(s[1], "back", 4) == 4 && read(s[0], buf, sizeof(buf)) == 4);
  close(s[1]);
  CHECK(read(s[0], buf, sizeof(buf)) == 0);
  close(s[0]);
  printf("socketpair stream: both directions, peek, options, SO_PEERCRED, shutdown\n");

  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0);
  CHECK(send(s[0], "one", 3, 0) == 3 && send(s[0], "three", 5, 0) == 5);
  CHECK(recv(s[1], buf, sizeof(buf), 0) == 3);
  CHECK(recv(s[1], buf, 2, MSG_TRUNC) == 5); /* the rest is cut */
  CHECK(send(s[1], "", 0, 0) == 0 && recv(s[0], buf, sizeof(buf), MSG_DONTWAIT) == 0);
  FAILS(recv(s[0], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
  close(s[0]);
  close(s[1]);
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0);
  CHECK(write(s[1], "rec1", 4) == 4 && write(s[1], "record2", 7) == 7);
  CHECK(read(s[0], buf, sizeof(buf)) == 4 && read(s[0], buf, sizeof(buf)) == 7);
  close(s[1]);
  CHECK(read(s[0], buf, sizeof(buf)) == 0);
  close(s[0]);
  FAILS(socketpair(AF_UNIX, 9, 0, s), ESOCKTNOSUPPORT);
  printf("socketpair dgram, seqpacket: boundaries kept\n");
}

static void mode_unix(void)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
  socklen_t len;
  int l, c, s, d1, d2;
  char buf[64];
  struct stat st;

  unlink("/tmp/ipc.sock");
  strcpy(a.sun_path, "/tmp/ipc.sock");
  l = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(l >= 0);
  CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0);
  CHECK(stat("/tmp/ipc.sock", &st) == 0 && S_ISSOCK(st.st_mode));
  FAILS(open("/tmp/ipc.sock", O_RDONLY), ENXIO);
  CHECK(listen(l, 4) == 0);
  c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
  struct pollfd pf = {l, POLLIN, 0};
  CHECK(poll(&pf, 1, 1000) == 1 && pf.revents == POLLIN);
  len = sizeof(got);
  s = accept4(l, (struct sockaddr *)&got, &len, SOCK_NONBLOCK);
  CHECK(s >= 0 && len == sizeof(sa_family_t) && (fcntl(s, F_GETFL) & O_NONBLOCK));
  len = sizeof(got);
  CHECK(getsockname(s, (struct sockaddr *)&got, &len) == 0 &&
        strcmp(got.sun_path, a.sun_path) == 0);
  len = sizeof(got);
  CHECK(getpeername(c, (struct sockaddr *)&got, &len) == 0 &&
        len == offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1 &&
        strcmp(got.sun_path, a.sun_path) == 0);
  CHECK(write(c, "hi server", 9) == 9 && read(s, buf, sizeof(buf)) == 9);
  CHECK(write(s, "hi client", 9) == 9 && read(c, buf, sizeof(buf)) == 9);
  int v;
  len = sizeof(v);
  CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1);
  CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
  FAILS(accept(l, NULL, NULL), EAGAIN);
  int again = socket(AF_UNIX, SOCK_STREAM, 0);
  FAILS(bind(again, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
  close(s);
  close(c);
  close(l);
  FAILS(connect(again, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
  CHECK(unlink("/tmp/ipc.sock") == 0);
  FAILS(connect(again, (struct sockaddr *)&a, sizeof(a)), ENOENT);
  close(again);
  printf("unix stream: bind, listen, connect, accept4, names, errors\n");

  /* abstract names and datagrams with addresses */
  struct sockaddr_un ab = {.sun_family = AF_UNIX};
  memcpy(ab.sun_path, "\0ipc-abstract", 13);
  socklen_t ablen = offsetof(struct sockaddr_un, sun_path) + 13;
  d1 = socket(AF_UNIX, SOCK_DGRAM, 0);
  d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(bind(d1, (struct sockaddr *)&ab, ablen) == 0);
  CHECK(bind(d2, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0); /* autobind */
  len = sizeof(got);
  CHECK(getsockname(d2, (struct sockaddr *)&got, &len) == 0 &&
        len == offsetof(struct sockaddr_un, sun_path) + 6 && got.sun_path[0] == '\0');
  CHECK(sendto(d2, "dgram", 5, 0, (struct sockaddr *)&ab, ablen) == 5);
  struct sockaddr_un from;
  socklen_t flen = sizeof(from);
  CHECK(recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 5);
  CHECK(flen == len && memcmp(&from, &got, len) == 0);
  CHECK(sendto(d1, "reply", 5, 0, (struct sockaddr *)&from, flen) == 5);
  CHECK(recv(d2, buf, sizeof(buf), 0) == 5 && memcmp(buf, "reply", 5) == 0);
  close(d1);
  FAILS(sendto(d2, "x", 1, 0, (struct sockaddr *)&ab, ablen), ECONNREFUSED);
  close(d2);
  printf("unix dgram: abstract names, autobind, sender addresses\n");
}

static void mode_scm(void)
{
  int s[2], p[2], got = -1;
  char buf[64], ctl[CMSG_SPACE(2 * sizeof(int))];
  struct iovec iov = {buf, 1};
  struct msghdr m = {0};
  struct cmsghdr *cm;

  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "through the fd", 14) == 14);
  memset(ctl, 0, sizeof(ctl));
  buf[0] = 'F';
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = CMSG_SPACE(sizeof(int));
  cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
  CHECK(sendmsg(s[0], &m, 0) == 1);
  close(p[0]); /* the message holds the read end */
  close(p[1]);
  memset(ctl, 0, sizeof(ctl));
  memset(&m, 0, sizeof(m));
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof(ctl);
  CHECK(recvmsg(s[1], &m, MSG_CMSG_CLOEXEC) == 1 && buf[0] == 'F');
  cm = CMSG_FIRSTHDR(&m);
  CHECK(cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
        cm->cmsg_len == CMSG_LEN(sizeof(int)));
  CHECK(m.msg_controllen == CMSG_SPACE(sizeof(int)) && !(m.msg_flags & MSG_CTRUNC));
  if (cm != NULL)
    memcpy(&got, CMSG_DATA(cm), sizeof(int));
  CHECK(got >= 0 && fcntl(got, F_GETFD) == FD_CLOEXEC);
  memset(buf, 0, sizeof(buf));
  CHECK(read(got, buf, sizeof(buf)) == 14 && strcmp(buf, "through the fd") == 0);
  CHECK(read(got, buf, sizeof(buf)) == 0); /* its writer is gone */
  close(got);

  /* no room for the rights: MSG_CTRUNC, and they are dropped */
  int e = eventfd(0, 0);
  memset(&m, 0, sizeof(m));
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = CMSG_SPACE(sizeof(int));
  cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &e, sizeof(int));
  CHECK(sendmsg(s[0], &m, 0) == 1);
  memset(&m, 0, sizeof(m));
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  CHECK(recvmsg(s[1], &m, 0) == 1 && (m.msg_flags & MSG_CTRUNC));
  int bad = 999;
  memset(&m, 0, sizeof(m));
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = CMSG_SPACE(sizeof(int));
  cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &bad, sizeof(int));
  FAILS(sendmsg(s[0], &m, 0), EBADF);
  close(e);
  close(s[0]);
  close(s[1]);
  printf("scm_rights: a pipe passed and read, MSG_CTRUNC, EBADF\n");
}

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static void mode_locks(void)
{
  const char *path = "/tmp/ipc-lock";
  int a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), b = open(path, O_RDWR), c;
  struct flock fl;

  CHECK(a >= 0 && b >= 0);
  CHECK(lock(a, F_OFD_SETLK, F_WRLCK, 0, 10) == 0);
  FAILS(lock(b, F_OFD_SETLK, F_WRLCK, 5, 10), EAGAIN);
  FAILS(lock(b, F_OFD_SETLK, F_RDLCK, 9, 1), EAGAIN);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 10, 10) == 0); /* adjacent: no conflict */
  fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 0 &&
        fl.l_len == 10 && fl.l_pid == -1);
  fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 30, .l_len = 5};
  CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
  fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_pid = 1};
  FAILS(fcntl(b, F_OFD_SETLK, &fl), EINVAL);
  /* read locks share; unlocking a range splits */
  CHECK(lock(b, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  CHECK(lock(a, F_OFD_SETLK, F_UNLCK, 0, 10) == 0);
  CHECK(lock(a, F_OFD_SETLK, F_RDLCK, 0, 100) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_RDLCK, 0, 100) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  CHECK(lock(a, F_OFD_SETLK, F_UNLCK, 40, 10) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 40, 10) == 0);
  FAILS(lock(b, F_OFD_SETLK, F_WRLCK, 39, 2), EAGAIN);
  FAILS(lock(b, F_OFD_SETLK, F_WRLCK, 49, 2), EAGAIN);
  /* a process lock conflicts with another description's OFD lock */
  FAILS(lock(a, F_SETLK, F_WRLCK, 45, 1), EAGAIN);
  CHECK(lock(a, F_SETLK, F_WRLCK, 200, 1) == 0);
  fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 200, .l_len = 1};
  CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_pid == getpid());
  /* closing any fd of the file drops the process's locks (not OFD ones) */
  c = open(path, O_RDONLY);
  close(c);
  fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 200, .l_len = 1};
  CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
  FAILS(lock(b, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN);
  c = open(path, O_RDONLY);
  FAILS(lock(c, F_SETLK, F_WRLCK, 0, 1), EBADF);
  close(c);
  printf("locks: OFD conflicts, ranges, F_OFD_GETLK, process locks dropped on close\n");

  /* a waiting lock is interrupted by a handler */
  handle(SIGALRM, on_signal);
  alarm(1);
  double t0 = now_ms();
  FAILS(lock(b, F_OFD_SETLKW, F_WRLCK, 0, 1), EINTR);
  CHECK(now_ms() - t0 >= 900);
  /* the last close of a description drops its OFD locks */
  close(a);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == 0);
  printf("locks: F_OFD_SETLKW waits until EINTR, released with the description\n");

  /* flock: per description */
  a = open(path, O_RDONLY);
  c = open(path, O_RDONLY);
  CHECK(flock(a, LOCK_EX | LOCK_NB) == 0);
  FAILS(flock(c, LOCK_SH | LOCK_NB), EWOULDBLOCK);
  int d = dup(a);
  CHECK(flock(d, LOCK_SH | LOCK_NB) == 0); /* the same description converts */
  CHECK(flock(c, LOCK_SH | LOCK_NB) == 0);
  FAILS(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
  close(a);
  close(d);
  CHECK(flock(c, LOCK_EX | LOCK_NB) == 0);
  FAILS(flock(c, 0), EINVAL);
  CHECK(flock(c, LOCK_UN) == 0);
  close(c);
  close(b);
  unlink(path);
  printf("flock: shared, exclusive, conversion, released on last close\n");
}

/* epoll on stdin: what bats feeds arrives, then EOF. */
static void mode_stdin(void)
{
  int ep = epoll_create1(0), n, total = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42}, out[2];
  char buf[256];

  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == 0);
  for (;;) {
    n = epoll_wait(ep, out, 2, 10000);
    CHECK(n == 1 && out[0].data.u32 == 42);
    if (n != 1)
      break;
    n = (int)read(0, buf + total, sizeof(buf) - 1 - (size_t)total);
    if (n <= 0)
      break;
    total += n;
  }
  buf[total] = '\0';
  printf("stdin: %d bytes: %s", total, buf);
  close(ep);
}

int main(int argc, char **argv)
{
  static const struct {
    const char *name;
    void (*fn)(void);
  } modes[] = {{"pipe", mode_pipe},   {"sigpipe", mode_sigpipe},       {"fifo", mode_fifo},
               {"poll", mode_poll},   {"eventfd", mode_eventfd},       {"timerfd", mode_timerfd},
               {"epoll", mode_epoll}, {"socketpair", mode_socketpair}, {"unix", mode_unix},
               {"scm", mode_scm},     {"locks", mode_locks},           {"stdin", mode_stdin}};

  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    size_t k;
    for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
      if (strcmp(argv[i], modes[k].name) == 0) {
        modes[k].fn();
        break;
      }
    }
    if (k == sizeof(modes) / sizeof(modes[0])) {
      fprintf(stderr, "ipc: unknown mode %s\n", argv[i]);
      return 2;
    }
  }
  if (argc < 2) {
    fprintf(stderr, "usage: ipc MODE...\n");
    return 2;
  }
  if (failures != 0)
    printf("ipc: %d checks failed\n", failures);
  return failures != 0;
}
