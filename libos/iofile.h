/* I/O objects of the LibOS (pipes, AF_UNIX sockets, eventfd, timerfd, epoll):
 * the operations their open files provide, the one readiness function every
 * multiplexer uses, and the hooks the file table calls. */
#ifndef LOS_IOFILE_H
#define LOS_IOFILE_H

#include "sched.h"
#include "vfs.h"

/* poll(2) and epoll event bits (the same values) */
#define LPOLLIN 0x001u
#define LPOLLPRI 0x002u
#define LPOLLOUT 0x004u
#define LPOLLERR 0x008u
#define LPOLLHUP 0x010u
#define LPOLLNVAL 0x020u
#define LPOLLRDNORM 0x040u
#define LPOLLRDBAND 0x080u
#define LPOLLWRNORM 0x100u
#define LPOLLWRBAND 0x200u
#define LPOLLRDHUP 0x2000u
#define LPOLL_IN (LPOLLIN | LPOLLRDNORM)
#define LPOLL_OUT (LPOLLOUT | LPOLLWRNORM)

/* What one readiness scan learns besides the events. */
struct los_pollctx {
  uint16_t host_events[3];  /* stdio streams (host side) the monitor is asked about */
  uint16_t host_revents[3]; /* its answer, once host_valid */
  bool host_valid;
  uint64_t wake_ns; /* earliest monotonic time a file becomes ready by itself (0: none) */
  int depth;        /* nested epoll */
};

struct los_file_ops {
  /* Blocking unless O_NONBLOCK; -ERESTARTSYS when a handler interrupts. */
  int64_t (*read)(struct los_file *f, void *buf, uint64_t len);
  int64_t (*write)(struct los_file *f, const void *buf, uint64_t len);
  /* Current events (never waits). *seq changes with every change of the
   * object (edge-triggered epoll); timers lower pc->wake_ns. */
  uint32_t (*poll)(struct los_file *f, struct los_pollctx *pc, uint64_t *seq);
  /* The last reference to the open file description is gone. */
  void (*release)(struct los_file *f);
  int64_t (*ioctl)(struct los_file *f, uint64_t cmd, uint64_t arg); /* optional */
  uint32_t mode;        /* st_mode: S_IFIFO | 0600 ... */
  const char *link_fmt; /* /proc/self/fd/N, formatted with the inode: "pipe:[%lu]" */
};

/* A new open file of an I/O object with one reference (NULL when out of
 * memory). f->obj_ino is ino. */
struct los_file *los_obj_file(enum los_file_type type, const struct los_file_ops *ops, void *priv,
                              uint32_t flags, uint64_t ino);
/* A fresh inode number for an object. */
uint64_t los_obj_ino(void);
/* Install f (consuming the reference) honouring O_CLOEXEC in flags. */
int los_obj_install(struct los_file *f, uint32_t flags);

/* The events of f among `events` (POLLERR/POLLHUP always); stdio adds its
 * stream to pc and answers from pc->host_revents once they are known. */
uint32_t los_file_poll(struct los_file *f, uint32_t events, struct los_pollctx *pc, uint64_t *seq);
/* Ask the monitor, without waiting, about the stdio streams pc names. */
int los_poll_host_now(struct los_pollctx *pc);
/* Wait on los_poll_wq (and stdio) until woken, the deadline (monotonic ns,
 * 0: none) or pc->wake_ns; 0, -ETIMEDOUT or -EINTR. */
int los_poll_wait(struct los_pollctx *pc, uint64_t deadline_ns);
/* The loop poll, select and epoll_wait share: scan (which answers from
 * pc->host_revents only when pc->host_valid, and changes state only then)
 * until it reports something or the timeout (ns, <0: none) passes. The
 * count, 0 on timeout, or -EINTR when a handler is due. */
int los_poll_run(int (*scan)(void *arg, struct los_pollctx *pc), void *arg, int64_t timeout_ns);
/* Counts reads of each stdio stream (edge-triggered epoll on stdio). */
extern uint64_t los_stdio_seq[3];

/* Called by file_put for the last reference: epoll entries, locks, ops. */
void los_file_release(struct los_file *f);

/* epoll.c: drop f from every epoll instance. */
void los_epoll_forget(struct los_file *f);

/* flock.c: record locks and flock(2) */
int64_t los_fcntl_lock(struct los_file *f, int cmd, uint64_t arg);
/* The process closes one of its fds for f: its POSIX locks on the file go. */
void los_locks_close(struct los_file *f);
/* The open file description is released: its OFD and flock locks go. */
void los_locks_release(struct los_file *f);

/* pipe.c: F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF when f is not a pipe. */
int64_t los_pipe_fcntl(struct los_file *f, int cmd, uint64_t arg);
/* Open a FIFO node of the in-memory layer. */
int los_fifo_open(struct mnode *n, int flags, struct los_file **out);

/* The calling process, as locks and SO_PEERCRED name it (one for now). */
int32_t los_cur_pid(void); /* process.c */

/* signal.c: a signal the kernel sends the caller (SIGPIPE). */
void los_signal_send_self(int sig);

/* A relative timeout in ns (<0: none) as an absolute monotonic deadline (0: none). */
static inline uint64_t los_deadline(int64_t timeout_ns)
{
  uint64_t now;
  if (timeout_ns < 0)
    return 0;
  now = los_time_monotonic_ns();
  return (uint64_t)timeout_ns > UINT64_MAX - now - 1 ? 0 : now + (uint64_t)timeout_ns + 1;
}

#endif
