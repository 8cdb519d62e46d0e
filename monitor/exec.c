/* `hacher exec` in the monitor: exec proxies connect to the listening socket
 * (ROOT/ID/exec.sock), send a request with their stdio fds, then signals;
 * the monitor gives each request an id and three stdio slots and queues it
 * for the guest (tl_shared.exec_pending, TL_HC_EXEC_TAKE), and sends the
 * proxy the exit status the guest reports (TL_HC_EXEC_DONE). Everything a
 * proxy sends is host input and is checked (exec_msg_decode); a bad message
 * ends that connection, never the trustlet. Sockets raise SIGIO (O_ASYNC),
 * which stops the vCPU like a forwarded signal (monitor.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/exec_msg.h"
#include "../common/log.h"
#include "../common/util.h"
#include "mon.h"

#define NO_CONN (-1)

static int listen_fd = -1;

/* Signals for the kernel to raise on this socket's events. */
static int async_io(int fd)
{
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || fcntl(fd, F_SETOWN, getpid()) < 0 ||
      fcntl(fd, F_SETFL, fl | O_ASYNC | O_NONBLOCK) < 0)
    return -1;
  return 0;
}

int mon_exec_init(struct mon_vm *vm, hacher_error_t *err)
{
  for (uint32_t i = 0; i < TL_SLOTS_MAX; i++)
    vm->slots[i] = (struct mon_slot){.fd = -1};
  for (int i = 0; i < 3; i++)
    vm->slots[i] = (struct mon_slot){vm->cfg->stdio[i], vm->cfg->terminal};
  for (uint32_t i = 0; i < TL_EXEC_MAX; i++)
    vm->execs[i] = (struct mon_exec){.conn = NO_CONN};
  vm->next_id = 1;
  listen_fd = vm->cfg->exec_fd;
  if (listen_fd >= 0 && async_io(listen_fd) < 0)
    return hacher_error(err, errno, "exec socket: enable SIGIO");
  return 0;
}

struct mon_slot *mon_slot(struct mon_vm *vm, uint32_t idx, const char *what, int64_t *rc)
{
  if (idx >= TL_SLOTS_MAX) {
    mon_fault(vm, "stdio slot %u in %s request (at most %u)", idx, what, TL_SLOTS_MAX - 1);
    *rc = 0;
    return NULL;
  }
  if (vm->slots[idx].fd < 0) {
    *rc = -EBADF;
    return NULL;
  }
  return &vm->slots[idx];
}

static void send_msg(int conn, const uint8_t *buf, size_t len)
{
  if (conn >= 0 && len > 0 && send(conn, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    log_debug("exec: reply to the proxy: %s", strerror(errno));
}

static void send_error(int conn, const char *text)
{
  uint8_t buf[sizeof(struct exec_msg_header) + EXEC_MSG_TEXT_MAX];
  send_msg(conn, buf, exec_msg_encode_error(buf, sizeof(buf), text));
}

/* The mailbox the guest reads: how many events, the size of the first. */
static void publish(struct mon_vm *vm)
{
  uint32_t size = 0;

  if (vm->nqueue > 0) {
    const struct mon_exec *e = &vm->execs[vm->queue[0] >> 1];
    size = sizeof(struct tl_exec_event) + ((vm->queue[0] & 1) ? 0 : e->ev.strings_size);
  }
  vm->shared->exec_pending = vm->nqueue;
  vm->shared->exec_size = size;
}

static void enqueue(struct mon_vm *vm, uint32_t idx, bool signal)
{
  if (vm->nqueue < MON_EXEC_QUEUE) /* at most a start and a signal per exec */
    vm->queue[vm->nqueue++] = (uint16_t)(idx << 1 | (signal ? 1 : 0));
  publish(vm);
}

static void dequeue_all(struct mon_vm *vm, uint32_t idx)
{
  uint32_t n = 0;

  for (uint32_t i = 0; i < vm->nqueue; i++)
    if ((vm->queue[i] >> 1) != idx)
      vm->queue[n++] = vm->queue[i];
  vm->nqueue = n;
  publish(vm);
}

static void close_slots(struct mon_vm *vm, uint32_t idx)
{
  struct mon_slot *s = &vm->slots[3 + 3 * idx];

  for (int i = 0; i < 3; i++) {
    if (s[i].fd >= 0 && (i == 0 || s[i].fd != s[0].fd))
      close(s[i].fd);
    s[i] = (struct mon_slot){.fd = -1};
  }
}

/* Forget exec idx: no event left, slots closed, the connection closed. */
static void release(struct mon_vm *vm, uint32_t idx)
{
  struct mon_exec *e = &vm->execs[idx];

  dequeue_all(vm, idx);
  close_slots(vm, idx);
  if (e->conn >= 0)
    close(e->conn);
  free(e->strings);
  *e = (struct mon_exec){.conn = NO_CONN};
}

/* A checked request becomes exec idx's event and slots; the fds are its. */
static void accept_request(struct mon_vm *vm, uint32_t idx, const struct exec_msg *m,
                           const int *fds)
{
  struct mon_exec *e = &vm->execs[idx];
  struct mon_slot *s = &vm->slots[3 + 3 * idx];
  bool tty = m->flags & EXEC_REQ_TERMINAL;

  for (int i = 0; i < 3; i++)
    s[i] = (struct mon_slot){tty ? fds[0] : fds[i], tty};
  e->id = vm->next_id++;
  if (vm->next_id == 0)
    vm->next_id = 1;
  e->ev = (struct tl_exec_event){
      .kind = TL_EXEC_START,
      .id = e->id,
      .flags = m->flags,
      .slot = {3 + 3 * idx, 4 + 3 * idx, 5 + 3 * idx},
      .uid = m->uid,
      .gid = m->gid,
      .argc = m->argc,
      .envc = m->envc,
      .ngroups = m->ngroups,
      .strings_size = m->strings_size,
  };
  for (uint32_t i = 0; i < m->ngroups; i++)
    e->ev.groups[i] = exec_msg_group(m, i);
  e->strings = xmalloc(m->strings_size);
  memcpy(e->strings, m->strings, m->strings_size);
  e->state = MON_EXEC_QUEUED;
  log_debug("trustlet \"%s\": exec %u: \"%s\" (%u arguments)", vm->cfg->id, e->id, m->argv[0],
            m->argc);
  enqueue(vm, idx, false);
}

/* The proxy hung up (or broke the protocol): a process that has not started
 * is dropped; a running one gets SIGKILL, as when runc's exec'd process is
 * killed, and is released when the guest reports its end. */
static void hang_up(struct mon_vm *vm, uint32_t idx)
{
  struct mon_exec *e = &vm->execs[idx];

  if (e->state != MON_EXEC_RUNNING) {
    release(vm, idx);
    return;
  }
  close(e->conn);
  e->conn = NO_CONN;
  e->sigs |= 1ULL << (SIGKILL - 1);
  if (!e->sig_queued) {
    e->sig_queued = true;
    enqueue(vm, idx, true);
  }
}

/* One message from exec idx's proxy; false when the connection is done. */
static bool read_one(struct mon_vm *vm, uint32_t idx, bool *queued)
{
  struct mon_exec *e = &vm->execs[idx];
  static uint8_t buf[EXEC_MSG_MAX];
  char ctl[CMSG_SPACE(3 * sizeof(int))], why[256];
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
  struct exec_msg m;
  int fds[3] = {-1, -1, -1}, nfds = 0, rc;
  ssize_t n = recvmsg(e->conn, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return false;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (nfds < 3)
        fds[nfds] = fd;
      else
        close(fd);
      nfds++;
    }
  }
  if (n <= 0) { /* hung up */
    hang_up(vm, idx);
    return false;
  }
  memset(&m, 0, sizeof(m));
  rc = -1;
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
    snprintf(why, sizeof(why), "message too large");
  else if (exec_msg_from_proxy(buf, (size_t)n, nfds, &m, why, sizeof(why)) < 0)
    ;
  else if (e->state == MON_EXEC_CONNECTED && m.type != EXEC_MSG_REQUEST)
    snprintf(why, sizeof(why), "a signal before the request");
  else if (e->state != MON_EXEC_CONNECTED && m.type == EXEC_MSG_REQUEST)
    snprintf(why, sizeof(why), "a second request on one connection");
  else
    rc = 0;
  if (rc < 0) {
    for (int i = 0; i < nfds && i < 3; i++)
      close(fds[i]);
    exec_msg_clear(&m);
    log_warn("trustlet \"%s\": exec request refused: %s", vm->cfg->id, why);
    send_error(e->conn, why);
    if (e->state == MON_EXEC_CONNECTED)
      release(vm, idx);
    else
      hang_up(vm, idx);
    return false;
  }
  if (m.type == EXEC_MSG_REQUEST) {
    accept_request(vm, idx, &m, fds);
    *queued = true;
  } else {
    e->sigs |= 1ULL << (m.signo - 1);
    if (!e->sig_queued) {
      e->sig_queued = true;
      enqueue(vm, idx, true);
      *queued = true;
    }
  }
  exec_msg_clear(&m);
  return true;
}

static void accept_all(struct mon_vm *vm)
{
  int conn;

  while ((conn = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
    uint32_t idx = TL_EXEC_MAX;
    for (uint32_t i = 0; i < TL_EXEC_MAX; i++) {
      uint32_t j = (vm->exec_cursor + i) % TL_EXEC_MAX;
      if (vm->execs[j].state == MON_EXEC_FREE) {
        idx = j;
        break;
      }
    }
    if (idx == TL_EXEC_MAX || async_io(conn) < 0) {
      send_error(conn, idx == TL_EXEC_MAX ? "too many exec'd processes in this trustlet"
                                          : "cannot watch the connection");
      close(conn);
      continue;
    }
    vm->exec_cursor = (idx + 1) % TL_EXEC_MAX;
    vm->execs[idx].state = MON_EXEC_CONNECTED;
    vm->execs[idx].conn = conn;
  }
}

bool mon_exec_poll(struct mon_vm *vm)
{
  bool queued = false;

  if (listen_fd < 0)
    return false;
  accept_all(vm);
  for (uint32_t i = 0; i < TL_EXEC_MAX; i++)
    while (vm->execs[i].state != MON_EXEC_FREE && vm->execs[i].conn >= 0 &&
           read_one(vm, i, &queued))
      ;
  return queued;
}

int64_t mon_exec_take(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_exec x = hc->u.exec;
  struct tl_exec_event ev;
  struct mon_exec *e;
  uint32_t idx, size;
  uint8_t *dst;

  if (vm->nqueue == 0)
    return -EAGAIN;
  idx = vm->queue[0] >> 1;
  e = &vm->execs[idx];
  size = vm->shared->exec_size;
  if (x.len < size)
    return -ENOSPC;
  dst = MON_GUEST(vm, x.buf, size, MON_READ | MON_WRITE, "exec take");
  if (dst == NULL)
    return 0;
  memmove(vm->queue, vm->queue + 1, (vm->nqueue - 1) * sizeof(vm->queue[0]));
  vm->nqueue--;
  if (size > sizeof(ev)) { /* the start event */
    memcpy(dst, &e->ev, sizeof(ev));
    memcpy(dst + sizeof(ev), e->strings, e->ev.strings_size);
    free(e->strings);
    e->strings = NULL;
    e->state = MON_EXEC_RUNNING;
    uint8_t buf[64];
    send_msg(e->conn, buf, exec_msg_encode_started(buf, sizeof(buf), e->id));
  } else {
    int sig = __builtin_ctzll(e->sigs) + 1;
    ev = (struct tl_exec_event){.kind = TL_EXEC_SIGNAL, .id = e->id, .signo = (uint32_t)sig};
    memcpy(dst, &ev, sizeof(ev));
    e->sigs &= ~(1ULL << (sig - 1));
    e->sig_queued = e->sigs != 0;
    if (e->sig_queued)
      vm->queue[vm->nqueue++] = (uint16_t)(idx << 1 | 1);
  }
  publish(vm);
  return size;
}

int64_t mon_exec_done(struct mon_vm *vm, const struct tl_hc *hc)
{
  struct tl_hc_exec x = hc->u.exec;
  uint8_t buf[64];

  for (uint32_t i = 0; i < TL_EXEC_MAX; i++) {
    struct mon_exec *e = &vm->execs[i];
    if (e->state != MON_EXEC_RUNNING || e->id != x.id)
      continue;
    send_msg(e->conn, buf,
             exec_msg_encode_exit(buf, sizeof(buf), x.signal != 0 ? 0 : x.status & 0xff,
                                  x.signal & 0x7f));
    log_debug("trustlet \"%s\": exec %u ended (status %u, signal %u)", vm->cfg->id, e->id, x.status,
              x.signal);
    release(vm, i);
    return 0;
  }
  return -ESRCH;
}

void mon_exec_shutdown(struct mon_vm *vm)
{
  uint8_t buf[64];

  for (uint32_t i = 0; i < TL_EXEC_MAX; i++) {
    struct mon_exec *e = &vm->execs[i];
    if (e->state == MON_EXEC_FREE)
      continue;
    /* the exec'd process went with the trustlet, as processes go with a
     * container's init: killed */
    if (e->state == MON_EXEC_RUNNING)
      send_msg(e->conn, buf, exec_msg_encode_exit(buf, sizeof(buf), 0, SIGKILL));
    else
      send_error(e->conn, "the container stopped before the process started");
    release(vm, i);
  }
  if (listen_fd >= 0)
    close(listen_fd);
  listen_fd = -1;
}
