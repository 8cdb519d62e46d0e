/* AF_UNIX sockets inside the trustlet: stream, datagram and seqpacket;
 * names in the LibOS file view (an S_IFSOCK node) or abstract; SCM_RIGHTS
 * passes LibOS open files. Every socket has one receive queue of messages;
 * a sender waits on the receiver's queue, whose reads wake it. Other
 * address families are not provided yet (networking comes later). */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "iofile.h"
#include "memfs.h"
#include "syscall.h"

#define AF_UNSPEC_ 0
#define AF_UNIX_ 1
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_RAW_ 3
#define SOCK_SEQPACKET_ 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK_ O_NONBLOCK
#define SOCK_CLOEXEC_ O_CLOEXEC
#define MSG_OOB_ 0x1
#define MSG_PEEK_ 0x2
#define MSG_CTRUNC_ 0x8
#define MSG_TRUNC_ 0x20
#define MSG_DONTWAIT_ 0x40
#define MSG_WAITALL_ 0x100
#define MSG_NOSIGNAL_ 0x4000
#define MSG_CMSG_CLOEXEC_ 0x40000000
#define SOL_SOCKET_ 1
#define SCM_RIGHTS_ 1
#define SCM_CREDENTIALS_ 2
#define SCM_MAX_FD 253
#define SIGPIPE_ 13
#define FIONREAD_ 0x541b
#define SIOCOUTQ_ 0x5411
#define SUN_PATH 108
#define BUF_DEFAULT 212992u /* net.core.wmem_default / rmem_default */
#define BUF_MAX 212992u     /* net.core.wmem_max / rmem_max */
#define DGRAM_QLEN 512      /* datagrams a receive queue holds */
#define SOMAXCONN_ 4096

enum { SO_REUSEADDR_ = 2, SO_TYPE_ = 3, SO_ERROR_ = 4, SO_SNDBUF_ = 7, SO_RCVBUF_ = 8 };
enum { SO_KEEPALIVE_ = 9, SO_LINGER_ = 13, SO_REUSEPORT_ = 15, SO_PASSCRED_ = 16 };
enum { SO_PEERCRED_ = 17, SO_RCVTIMEO_ = 20, SO_SNDTIMEO_ = 21, SO_ACCEPTCONN_ = 30 };
enum { SO_SNDBUFFORCE_ = 32, SO_RCVBUFFORCE_ = 33, SO_PROTOCOL_ = 38, SO_DOMAIN_ = 39 };

enum sstate { S_UNCONN, S_LISTEN, S_CONNECTED };

struct uaddr {
  uint32_t len; /* bytes of sun_path in use; 0: unnamed */
  char path[SUN_PATH + 1];
};

struct ucred_ {
  int32_t pid;
  uint32_t uid, gid;
};

struct umsg {
  struct umsg *next;
  uint64_t len, off;
  struct los_file **fds; /* SCM_RIGHTS, one reference each */
  uint32_t nfds;
  struct uaddr from; /* datagrams: the sender's name */
  char data[];
};

struct usock {
  int type;
  enum sstate state;
  uint32_t refs; /* the open file (or the listener's backlog), each peer pointer */
  bool dead;     /* its file is released */
  struct usock *peer;
  struct umsg *rx, *rx_tail;
  uint64_t rx_bytes;
  uint32_t rx_count;
  struct usock *backlog, *backlog_tail, *next_pending; /* connections to accept */
  uint32_t nbacklog, max_backlog;
  struct uaddr addr;
  struct mnode *node; /* the S_IFSOCK node it is bound to */
  struct usock *next_bound;
  bool shut_rd, shut_wr;
  int err;
  uint32_t sndbuf, rcvbuf;
  int64_t rcvtimeo, sndtimeo; /* ns, <0: none */
  int reuse, keepalive, passcred, linger[2];
  struct ucred_ peercred;
  struct los_waitq q;
  uint64_t seq, ino;
};

static struct usock *bound; /* sockets with a name */
static uint32_t autobind_next;

static struct ucred_ my_cred(void)
{
  return (struct ucred_){los_cur_pid(), los_proc.uid, los_proc.gid};
}

static void ping(struct usock *s)
{
  s->seq++;
  los_wake(&s->q);
}

static void sock_put(struct usock *s);

static void msg_free(struct umsg *m)
{
  for (uint32_t i = 0; i < m->nfds; i++)
    file_put(m->fds[i]);
  kfree(m->fds);
  kfree(m);
}

static struct usock *sock_new(int type)
{
  struct usock *s = kzalloc(sizeof(*s));
  if (s == NULL)
    return NULL;
  s->type = type;
  s->refs = 1;
  s->sndbuf = s->rcvbuf = BUF_DEFAULT;
  s->rcvtimeo = s->sndtimeo = -1;
  s->peercred = (struct ucred_){0, ~0u, ~0u};
  s->ino = los_obj_ino();
  return s;
}

static void set_peer(struct usock *s, struct usock *p)
{
  if (s->peer != NULL)
    sock_put(s->peer);
  s->peer = p;
  if (p != NULL)
    p->refs++;
}

/* The socket's file is gone (or, reset, it was never accepted): it leaves
 * its name, its queue and its peer, which sees a reset when data was lost. */
static void sock_kill(struct usock *s, bool reset)
{
  bool unread = s->rx != NULL || reset;

  s->dead = true;
  for (struct usock **pp = &bound; *pp != NULL; pp = &(*pp)->next_bound) {
    if (*pp == s) {
      *pp = s->next_bound;
      break;
    }
  }
  if (s->node != NULL) {
    mnode_put(s->node);
    s->node = NULL;
  }
  while (s->rx != NULL) {
    struct umsg *m = s->rx;
    s->rx = m->next;
    msg_free(m);
  }
  s->rx_tail = NULL;
  s->rx_bytes = s->rx_count = 0;
  while (s->backlog != NULL) { /* connections never accepted: their clients see a reset */
    struct usock *e = s->backlog;
    s->backlog = e->next_pending;
    sock_kill(e, true);
    sock_put(e);
  }
  s->backlog_tail = NULL;
  s->nbacklog = 0;
  if (s->peer != NULL && s->type != SOCK_DGRAM_) {
    struct usock *p = s->peer;
    p->shut_rd = p->shut_wr = true;
    if (unread)
      p->err = ECONNRESET;
    ping(p);
  }
  set_peer(s, NULL);
  ping(s);
}

static void sock_put(struct usock *s)
{
  if (--s->refs == 0)
    kfree(s);
}

/* Names */

/* Parse a sockaddr_un; len 2 (family only) gives an empty name. */
static int get_addr(uint64_t uaddr, uint64_t len, struct uaddr *a, int *family)
{
  const uint16_t *fam = (const uint16_t *)uaddr;

  if (len < 2 || len > 2 + SUN_PATH)
    return -EINVAL;
  if (!USER_OK(uaddr, len, false))
    return -EFAULT;
  *family = *fam;
  memset(a, 0, sizeof(*a));
  a->len = (uint32_t)len - 2;
  memcpy(a->path, (const char *)uaddr + 2, a->len);
  if (a->len > 0 && a->path[0] != '\0') /* a path: up to its NUL */
    a->len = (uint32_t)strnlen(a->path, a->len);
  return 0;
}

/* Write a name to a sockaddr buffer with an in/out length, as Linux does. */
static int put_addr(const struct uaddr *a, uint64_t uaddr, uint64_t ulen)
{
  uint8_t buf[2 + SUN_PATH + 1];
  uint32_t n = 2 + a->len, in;

  if (uaddr == 0)
    return 0;
  if (!USER_OK(ulen, 4, true))
    return -EFAULT;
  in = *(const uint32_t *)ulen;
  if ((int32_t)in < 0)
    return -EINVAL;
  buf[0] = AF_UNIX_;
  buf[1] = 0;
  memcpy(buf + 2, a->path, a->len);
  if (a->len > 0 && a->path[0] != '\0')
    buf[n++] = '\0'; /* paths come back with their NUL */
  if (!USER_OK(uaddr, LOS_MIN(in, n), true))
    return -EFAULT;
  memcpy((void *)uaddr, buf, LOS_MIN(in, n));
  *(uint32_t *)ulen = n;
  return 0;
}

/* The bound socket a name refers to. */
static int lookup(const struct uaddr *a, struct usock **out)
{
  static struct vres r;
  int rc;

  *out = NULL;
  if (a->len == 0)
    return -EINVAL;
  if (a->path[0] == '\0') {
    for (struct usock *s = bound; s != NULL; s = s->next_bound)
      if (s->node == NULL && s->addr.len == a->len && memcmp(s->addr.path, a->path, a->len) == 0)
        *out = s;
    return *out != NULL ? 0 : -ECONNREFUSED;
  }
  if ((rc = vfs_resolve(AT_FDCWD, a->path, VFS_FOLLOW, &r)) < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  if (r.node.up == NULL || !S_ISSOCK(r.node.up->mode))
    return -ECONNREFUSED;
  for (struct usock *s = bound; s != NULL; s = s->next_bound)
    if (s->node == r.node.up)
      *out = s;
  return *out != NULL ? 0 : -ECONNREFUSED;
}

static int do_bind(struct usock *s, const struct uaddr *a)
{
  struct usock *other;
  int rc;

  if (s->addr.len != 0)
    return -EINVAL;
  if (a->len == 0) { /* autobind: an abstract name of five hex digits */
    struct uaddr an = {.len = 6};
    do {
      los_snprintf(an.path + 1, sizeof(an.path) - 1, "%05x", autobind_next++ & 0xfffff);
    } while (lookup(&an, &other) == 0);
    s->addr = an;
  } else if (a->path[0] == '\0') {
    if (lookup(a, &other) == 0)
      return -EADDRINUSE;
    s->addr = *a;
  } else {
    struct mnode *n;
    rc = vfs_mknod(AT_FDCWD, a->path, S_IFSOCK | 0777, &n);
    if (rc < 0)
      return rc == -EEXIST ? -EADDRINUSE : rc;
    n->refs++;
    s->node = n;
    s->addr = *a;
  }
  s->next_bound = bound;
  bound = s;
  return 0;
}

/* Files */

static const struct los_file_ops sock_ops;

static struct usock *sock_of(int fd, int64_t *err)
{
  struct los_file *f = fd_get(fd);

  *err = f == NULL ? -EBADF : f->type != LF_SOCKET ? -ENOTSOCK : 0;
  return *err == 0 ? f->priv : NULL;
}

static struct los_file *sock_file(struct usock *s, uint32_t flags)
{
  return los_obj_file(LF_SOCKET, &sock_ops, s, O_RDWR | (flags & O_NONBLOCK), s->ino);
}

/* Data: an iovec cursor over checked application memory */

struct iovec_ {
  uint64_t base, len;
};

struct iovcur {
  const struct iovec_ *iov;
  uint64_t cnt, i, off;
};

/* The total length; user_array: the iovec array itself is the application's. */
static int64_t iov_check(const struct iovec_ *iov, uint64_t cnt, bool write, bool user_array)
{
  uint64_t total = 0;

  if (cnt > 1024)
    return -EMSGSIZE;
  if (user_array && !USER_OK(iov, cnt * sizeof(*iov), false))
    return -EFAULT;
  for (uint64_t i = 0; i < cnt; i++) {
    if (iov[i].len > (uint64_t)INT64_MAX - total)
      return -EINVAL;
    if (iov[i].len != 0 && !USER_OK(iov[i].base, iov[i].len, write))
      return -EFAULT;
    total += iov[i].len;
  }
  return (int64_t)total;
}

/* Copy n bytes between the cursor's memory and buf (to the application when out). */
static void iov_copy(struct iovcur *c, void *buf, uint64_t n, bool out)
{
  char *p = buf;

  while (n > 0 && c->i < c->cnt) {
    uint64_t k = LOS_MIN(n, c->iov[c->i].len - c->off);
    char *u = (char *)c->iov[c->i].base + c->off;
    if (out)
      memcpy(u, p, k);
    else
      memcpy(p, u, k);
    p += k;
    n -= k;
    c->off += k;
    if (c->off == c->iov[c->i].len) {
      c->i++;
      c->off = 0;
    }
  }
}

/* Sending */

struct sendargs {
  struct iovcur data;
  uint64_t len;
  struct los_file **fds;
  uint32_t nfds;
  const struct uaddr *to;
  int flags;
};

/* SCM_RIGHTS (and SCM_CREDENTIALS, checked and dropped) from a control buffer. */
static int64_t get_rights(uint64_t ctl, uint64_t ctllen, struct sendargs *a)
{
  uint64_t off = 0;

  if (ctllen == 0)
    return 0;
  if (!USER_OK(ctl, ctllen, false))
    return -EFAULT;
  while (off + 16 <= ctllen) {
    const uint8_t *c = (const uint8_t *)ctl + off;
    uint64_t clen = *(const uint64_t *)c;
    int32_t level = *(const int32_t *)(c + 8), type = *(const int32_t *)(c + 12);
    if (clen < 16 || clen > ctllen - off)
      return -EINVAL;
    if (level != SOL_SOCKET_)
      return -EINVAL;
    if (type == SCM_RIGHTS_) {
      uint32_t n = (uint32_t)((clen - 16) / 4);
      if (n == 0 || a->nfds + n > SCM_MAX_FD)
        return -EINVAL;
      struct los_file **fds = krealloc(a->fds, (a->nfds + n) * sizeof(*fds));
      if (fds == NULL)
        return -ENOMEM;
      a->fds = fds;
      for (uint32_t i = 0; i < n; i++) {
        struct los_file *f = fd_get(((const int32_t *)(c + 16))[i]);
        if (f == NULL)
          return -EBADF;
        f->refs++;
        a->fds[a->nfds++] = f;
      }
    } else if (type == SCM_CREDENTIALS_) {
      const struct ucred_ *uc = (const struct ucred_ *)(c + 16);
      struct ucred_ me = my_cred();
      if (clen < 16 + sizeof(*uc))
        return -EINVAL;
      if (uc->pid != me.pid || uc->uid != me.uid || uc->gid != me.gid)
        return -EPERM;
    } else {
      return -EINVAL;
    }
    off += LOS_ALIGN_UP(clen, 8);
  }
  return 0;
}

static void put_rights(struct sendargs *a)
{
  for (uint32_t i = 0; i < a->nfds; i++)
    file_put(a->fds[i]);
  kfree(a->fds);
  a->fds = NULL;
  a->nfds = 0;
}

static struct umsg *msg_new(uint64_t len)
{
  struct umsg *m = kmalloc(sizeof(*m) + len);
  if (m != NULL)
    memset(m, 0, sizeof(*m));
  return m;
}

static void enqueue(struct usock *to, struct umsg *m, const struct usock *from)
{
  if (from != NULL)
    m->from = from->addr;
  if (to->rx_tail != NULL)
    to->rx_tail->next = m;
  else
    to->rx = m;
  to->rx_tail = m;
  to->rx_bytes += m->len;
  to->rx_count++;
  ping(to);
}

static int64_t broken_pipe(int flags)
{
  if (!(flags & MSG_NOSIGNAL_))
    los_signal_send_self(SIGPIPE_);
  return -EPIPE;
}

/* Wait for the receiver's queue to change; the result to return, or 0. */
static int wait_space(struct usock *s, struct usock *to, bool nonblock, uint64_t deadline)
{
  int rc;

  if (nonblock)
    return -EAGAIN;
  rc = los_wait(&to->q, deadline);
  if (rc == -EINTR)
    return s->sndtimeo >= 0 ? -EINTR : -ERESTARTSYS;
  return rc == -ETIMEDOUT ? -EAGAIN : 0;
}

static int64_t stream_send(struct usock *s, struct sendargs *a, bool nonblock, uint64_t deadline)
{
  bool seqpacket = s->type == SOCK_SEQPACKET_;
  uint64_t done = 0;

  if (a->to != NULL)
    return s->state == S_CONNECTED ? -EISCONN : -EOPNOTSUPP;
  if (s->state != S_CONNECTED)
    return -ENOTCONN;
  if (seqpacket && a->len > s->sndbuf)
    return -EMSGSIZE;
  if (!seqpacket && a->len == 0)
    return 0;
  do {
    struct usock *p = s->peer;
    uint64_t room, n;
    struct umsg *m;
    int rc;
    if (s->shut_wr || p == NULL || p->dead || p->shut_rd)
      return done ? (int64_t)done : broken_pipe(a->flags);
    room = p->rx_bytes < p->rcvbuf ? p->rcvbuf - p->rx_bytes : 0;
    /* a record goes in whole (an empty queue takes any record) */
    if (seqpacket ? p->rx != NULL && room < a->len : room == 0) {
      if ((rc = wait_space(s, p, nonblock, deadline)) < 0)
        return done ? (int64_t)done : rc;
      continue;
    }
    n = seqpacket ? a->len : LOS_MIN(a->len - done, room);
    if ((m = msg_new(n)) == NULL)
      return done ? (int64_t)done : -ENOBUFS;
    iov_copy(&a->data, m->data, n, false);
    m->len = n;
    if (a->nfds != 0) { /* the rights travel with the first bytes */
      m->fds = a->fds;
      m->nfds = a->nfds;
      a->fds = NULL;
      a->nfds = 0;
    }
    enqueue(p, m, s);
    done += n;
  } while (done < a->len);
  return (int64_t)done;
}

static int64_t dgram_send(struct usock *s, struct sendargs *a, bool nonblock, uint64_t deadline)
{
  for (;;) {
    struct usock *to = s->peer;
    int rc;
    if (a->to != NULL && (rc = lookup(a->to, &to)) < 0)
      return rc;
    if (to == NULL)
      return -ENOTCONN;
    if (to->dead) {
      if (to == s->peer)
        set_peer(s, NULL);
      return -ECONNREFUSED;
    }
    if (to->type != SOCK_DGRAM_)
      return -EPROTOTYPE;
    if (to->peer != NULL && to->peer != s)
      return -EPERM; /* it only takes datagrams from its own peer */
    if (s->shut_wr || to->shut_rd)
      return broken_pipe(a->flags);
    if (a->len > s->sndbuf)
      return -EMSGSIZE;
    if (to->rx_count >= DGRAM_QLEN || to->rx_bytes + a->len > to->rcvbuf) {
      if ((rc = wait_space(s, to, nonblock, deadline)) < 0)
        return rc;
      continue;
    }
    struct umsg *m = msg_new(a->len);
    if (m == NULL)
      return -ENOBUFS;
    iov_copy(&a->data, m->data, a->len, false);
    m->len = a->len;
    m->fds = a->fds;
    m->nfds = a->nfds;
    a->fds = NULL;
    a->nfds = 0;
    enqueue(to, m, s);
    return (int64_t)a->len;
  }
}

static int64_t do_send(struct los_file *f, struct sendargs *a)
{
  struct usock *s = f->priv;
  bool nonblock = (f->flags & O_NONBLOCK) || (a->flags & MSG_DONTWAIT_);
  uint64_t deadline = los_deadline(s->sndtimeo);
  int64_t rc;

  if (a->flags & MSG_OOB_)
    rc = -EOPNOTSUPP;
  else if (s->err != 0) {
    rc = -s->err;
    s->err = 0;
  } else if (s->type == SOCK_DGRAM_)
    rc = dgram_send(s, a, nonblock, deadline);
  else
    rc = stream_send(s, a, nonblock, deadline);
  put_rights(a); /* what was not queued */
  return rc;
}

/* Receiving */

struct recvargs {
  struct iovcur data;
  uint64_t len;
  int flags;
  uint64_t ctl, ctllen; /* in: the buffer; out: bytes used */
  int msg_flags;
  struct uaddr from;
};

/* Install a message's rights as a SCM_RIGHTS message; MSG_PEEK duplicates them. */
static void give_rights(struct umsg *m, struct recvargs *a)
{
  uint64_t room = a->ctllen >= 16 ? (a->ctllen - 16) / 4 : 0;
  uint32_t got = 0;
  bool peek = (a->flags & MSG_PEEK_) != 0;
  int32_t *out = (int32_t *)(a->ctl + 16);

  if (m->nfds == 0) {
    a->ctllen = 0;
    return;
  }
  for (uint32_t i = 0; i < m->nfds; i++) {
    int fd = -1;
    if (got < room) {
      m->fds[i]->refs++;
      fd = fd_install(m->fds[i], (a->flags & MSG_CMSG_CLOEXEC_) != 0, 0);
      if (fd < 0)
        m->fds[i]->refs--;
    }
    if (fd < 0)
      a->msg_flags |= MSG_CTRUNC_;
    else
      out[got++] = fd;
    if (!peek)
      file_put(m->fds[i]);
  }
  if (!peek) {
    kfree(m->fds);
    m->fds = NULL;
    m->nfds = 0;
  }
  if (got > 0) {
    *(uint64_t *)a->ctl = 16 + 4ULL * got;
    *(int32_t *)(a->ctl + 8) = SOL_SOCKET_;
    *(int32_t *)(a->ctl + 12) = SCM_RIGHTS_;
    a->ctllen = LOS_MIN(a->ctllen, 16 + LOS_ALIGN_UP(4ULL * got, 8));
  } else {
    a->ctllen = 0;
  }
}

static void dequeue(struct usock *s, struct umsg *m)
{
  s->rx = m->next;
  if (s->rx == NULL)
    s->rx_tail = NULL;
  s->rx_bytes -= m->len;
  s->rx_count--;
  msg_free(m);
}

/* Nothing to read: the result to return, or 0 after a wait. */
static int wait_data(struct usock *s, bool nonblock, uint64_t deadline)
{
  int rc;

  if (nonblock)
    return -EAGAIN;
  rc = los_wait(&s->q, deadline);
  if (rc == -EINTR)
    return s->rcvtimeo >= 0 ? -EINTR : -ERESTARTSYS;
  return rc == -ETIMEDOUT ? -EAGAIN : 0;
}

static int64_t stream_recv(struct usock *s, struct recvargs *a, bool nonblock, uint64_t deadline)
{
  bool peek = (a->flags & MSG_PEEK_) != 0, rights = false;
  uint64_t done = 0, ctl_room = a->ctllen;

  if (s->state == S_LISTEN)
    return -EINVAL;
  a->ctllen = 0;
  while (done < a->len && !rights) {
    struct umsg *m = s->rx;
    uint64_t at = m != NULL ? m->off : 0, k = done, n;
    if (peek) { /* MSG_PEEK: past what this call already copied */
      while (m != NULL && k >= m->len - m->off) {
        k -= m->len - m->off;
        m = m->next;
      }
      at = m != NULL ? m->off + k : 0;
    }
    if (m == NULL) {
      int rc;
      if (done > 0 && !(a->flags & MSG_WAITALL_))
        break;
      if (s->err != 0) {
        if (done > 0)
          break;
        rc = -s->err;
        s->err = 0;
        return rc;
      }
      if (s->shut_rd || (s->state == S_CONNECTED && (s->peer == NULL || s->peer->dead)))
        break; /* end of file */
      if ((rc = wait_data(s, nonblock, deadline)) < 0)
        return done ? (int64_t)done : rc;
      continue;
    }
    n = LOS_MIN(a->len - done, m->len - at);
    iov_copy(&a->data, m->data + at, n, true);
    done += n;
    if (m->nfds != 0) { /* as Linux: a read ends after the bytes that carried rights */
      a->ctllen = ctl_room;
      give_rights(m, a);
      rights = true;
    }
    if (!peek) {
      m->off += n;
      if (m->off == m->len)
        dequeue(s, m);
    }
  }
  if (!peek && done > 0)
    ping(s);
  return (int64_t)done;
}

static int64_t dgram_recv(struct usock *s, struct recvargs *a, bool nonblock, uint64_t deadline)
{
  struct umsg *m;
  uint64_t n, len;
  int rc;

  if (s->state == S_LISTEN)
    return -EINVAL;
  while ((m = s->rx) == NULL) {
    if (s->err != 0) {
      rc = -s->err;
      s->err = 0;
      return rc;
    }
    if (s->shut_rd || (s->type == SOCK_SEQPACKET_ && s->state == S_CONNECTED &&
                       (s->peer == NULL || s->peer->dead)))
      return 0;
    if (s->type == SOCK_SEQPACKET_ && s->state != S_CONNECTED)
      return -ENOTCONN;
    if ((rc = wait_data(s, nonblock, deadline)) < 0)
      return rc;
  }
  len = m->len;
  n = LOS_MIN(a->len, len);
  iov_copy(&a->data, m->data, n, true);
  if (n < len)
    a->msg_flags |= MSG_TRUNC_;
  a->from = m->from;
  give_rights(m, a);
  if (!(a->flags & MSG_PEEK_)) {
    dequeue(s, m);
    ping(s);
  }
  return (int64_t)((a->flags & MSG_TRUNC_) ? len : n);
}

static int64_t do_recv(struct los_file *f, struct recvargs *a)
{
  struct usock *s = f->priv;
  bool nonblock = (f->flags & O_NONBLOCK) || (a->flags & MSG_DONTWAIT_);

  if (a->flags & MSG_OOB_)
    return -EOPNOTSUPP;
  if (s->type == SOCK_STREAM_)
    return stream_recv(s, a, nonblock, los_deadline(s->rcvtimeo));
  return dgram_recv(s, a, nonblock, los_deadline(s->rcvtimeo));
}

static int64_t sock_read(struct los_file *f, void *buf, uint64_t len)
{
  struct iovec_ iov = {(uint64_t)buf, len};
  struct recvargs a = {.data = {&iov, 1, 0, 0}, .len = len};
  return do_recv(f, &a);
}

static int64_t sock_write(struct los_file *f, const void *buf, uint64_t len)
{
  struct iovec_ iov = {(uint64_t)buf, len};
  struct sendargs a = {.data = {&iov, 1, 0, 0}, .len = len};
  return do_send(f, &a);
}

static uint32_t sock_poll(struct los_file *f, struct los_pollctx *pc, uint64_t *seq)
{
  struct usock *s = f->priv, *p = s->peer;
  uint32_t r = 0;

  (void)pc;
  if (seq != NULL)
    *seq = s->seq + (p != NULL ? p->seq : 0);
  if (s->err != 0)
    r |= LPOLLERR;
  if (s->shut_rd && s->shut_wr)
    r |= LPOLLHUP;
  if (s->shut_rd)
    r |= LPOLLRDHUP | LPOLL_IN;
  if (s->rx != NULL || (s->state == S_LISTEN && s->backlog != NULL))
    r |= LPOLL_IN;
  if (s->type != SOCK_DGRAM_ && s->state == S_UNCONN)
    r |= LPOLLHUP;
  if (s->type != SOCK_DGRAM_ && s->state == S_CONNECTED && p != NULL && p->dead)
    r |= LPOLLHUP | LPOLLRDHUP | LPOLL_IN;
  if (s->state == S_LISTEN)
    return r;
  if (s->shut_wr)
    r |= LPOLL_OUT; /* a write fails at once */
  else if (p == NULL || p->dead)
    r |= s->type == SOCK_DGRAM_ ? LPOLL_OUT | LPOLLWRBAND : 0;
  else if (p->rx_bytes < p->rcvbuf && p->rx_count < (s->type == SOCK_DGRAM_ ? DGRAM_QLEN : ~0u))
    r |= LPOLL_OUT | LPOLLWRBAND;
  return r;
}

static void sock_release(struct los_file *f)
{
  struct usock *s = f->priv;
  sock_kill(s, false);
  sock_put(s);
}

static int64_t sock_ioctl(struct los_file *f, uint64_t cmd, uint64_t arg)
{
  struct usock *s = f->priv;
  int v;

  switch (cmd) {
  case FIONREAD_:
    if (s->state == S_LISTEN)
      return -EINVAL;
    v = s->type == SOCK_STREAM_ ? (int)s->rx_bytes : s->rx != NULL ? (int)s->rx->len : 0;
    if (s->type == SOCK_STREAM_ && s->rx != NULL)
      v -= (int)s->rx->off;
    break;
  case SIOCOUTQ_: v = 0; break;
  default: return -ENOTTY;
  }
  if (!USER_OK(arg, sizeof(int), true))
    return -EFAULT;
  *(int *)arg = v;
  return 0;
}

static const struct los_file_ops sock_ops = {
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .release = sock_release,
    .ioctl = sock_ioctl,
    .mode = S_IFSOCK | 0777,
    .link_fmt = "socket:[%lu]",
};

/* Syscalls */

static int check_type(uint64_t type, int *t)
{
  if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK_ | SOCK_CLOEXEC_))
    return -EINVAL;
  *t = (int)(type & SOCK_TYPE_MASK);
  if (*t == SOCK_RAW_)
    *t = SOCK_DGRAM_; /* as Linux */
  if (*t != SOCK_STREAM_ && *t != SOCK_DGRAM_ && *t != SOCK_SEQPACKET_)
    return -ESOCKTNOSUPPORT;
  return 0;
}

static int64_t install(struct usock *s, uint64_t flags)
{
  struct los_file *f = sock_file(s, (uint32_t)flags);
  if (f == NULL) {
    sock_kill(s, false);
    sock_put(s);
    return -ENOMEM;
  }
  return los_obj_install(f, (uint32_t)flags);
}

SYSDEF(socket)
{
  struct usock *s;
  int type, rc;

  if (a0 != AF_UNIX_)
    return -ENOSYS; /* other families: networking is not provided yet */
  if ((rc = check_type(a1, &type)) < 0)
    return rc;
  if (a2 != 0 && a2 != AF_UNIX_)
    return -EPROTONOSUPPORT;
  if ((s = sock_new(type)) == NULL)
    return -ENOMEM;
  return install(s, a1);
}

SYSDEF(socketpair)
{
  struct usock *s[2];
  int type, rc, fds[2];

  if (a0 != AF_UNIX_)
    return a0 == 2 || a0 == 10 ? -EOPNOTSUPP : -EAFNOSUPPORT; /* as Linux for AF_INET(6) */
  if ((rc = check_type(a1, &type)) < 0)
    return rc;
  if (a2 != 0 && a2 != AF_UNIX_)
    return -EPROTONOSUPPORT;
  if (!USER_OK(a3, sizeof(fds), true))
    return -EFAULT;
  if ((s[0] = sock_new(type)) == NULL)
    return -ENOMEM;
  if ((s[1] = sock_new(type)) == NULL) {
    sock_put(s[0]);
    return -ENOMEM;
  }
  for (int i = 0; i < 2; i++) {
    set_peer(s[i], s[1 - i]);
    s[i]->state = S_CONNECTED;
    s[i]->peercred = my_cred();
  }
  if ((fds[0] = (int)install(s[0], a1)) < 0) {
    sock_kill(s[1], false);
    sock_put(s[1]);
    return fds[0];
  }
  if ((fds[1] = (int)install(s[1], a1)) < 0) {
    fd_close(fds[0]);
    return fds[1];
  }
  memcpy((void *)a3, fds, sizeof(fds));
  return 0;
}

SYSDEF(bind)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);
  struct uaddr a;
  int family, rc;

  if (s == NULL)
    return err;
  if ((rc = get_addr(a1, a2, &a, &family)) < 0)
    return rc;
  if (family != AF_UNIX_)
    return -EINVAL;
  return do_bind(s, &a);
}

SYSDEF(listen)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);
  int backlog = (int)a1;

  if (s == NULL)
    return err;
  if (s->type == SOCK_DGRAM_)
    return -EOPNOTSUPP;
  if (s->addr.len == 0 || s->state == S_CONNECTED)
    return -EINVAL;
  s->max_backlog = backlog < 0 ? 0 : (uint32_t)LOS_MIN(backlog, SOMAXCONN_);
  s->state = S_LISTEN;
  s->peercred = my_cred();
  ping(s);
  return 0;
}

static int64_t stream_connect(struct los_file *f, struct usock *s, const struct uaddr *a)
{
  uint64_t deadline = los_deadline(s->sndtimeo);
  struct usock *l, *e;
  int rc;

  if (s->state == S_CONNECTED)
    return -EISCONN;
  if (s->state == S_LISTEN)
    return -EINVAL;
  for (;;) {
    if ((rc = lookup(a, &l)) < 0)
      return rc;
    if (l->type != s->type)
      return -EPROTOTYPE;
    if (l->state != S_LISTEN || l->dead)
      return -ECONNREFUSED;
    if (l->nbacklog <= l->max_backlog)
      break;
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    rc = los_wait(&l->q, deadline);
    if (rc == -EINTR)
      return -ERESTARTSYS;
    if (rc == -ETIMEDOUT)
      return -ETIMEDOUT;
  }
  /* the server's end, waiting in the backlog for accept */
  if ((e = sock_new(s->type)) == NULL)
    return -ENOMEM;
  e->state = S_CONNECTED;
  e->addr = l->addr;
  e->peercred = my_cred();
  e->sndbuf = l->sndbuf;
  e->rcvbuf = l->rcvbuf;
  set_peer(e, s);
  set_peer(s, e);
  s->state = S_CONNECTED;
  s->peercred = l->peercred;
  if (l->backlog_tail != NULL)
    l->backlog_tail->next_pending = e;
  else
    l->backlog = e;
  l->backlog_tail = e;
  l->nbacklog++;
  ping(l);
  ping(s);
  return 0;
}

SYSDEF(connect)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);
  struct uaddr a;
  struct usock *to;
  int family, rc;

  if (s == NULL)
    return err;
  if ((rc = get_addr(a1, a2, &a, &family)) < 0)
    return rc;
  if (s->type == SOCK_DGRAM_ && family == AF_UNSPEC_) {
    set_peer(s, NULL); /* dissolve the association */
    s->state = S_UNCONN;
    return 0;
  }
  if (family != AF_UNIX_)
    return -EINVAL;
  if (a.len == 0)
    return -EINVAL;
  if (s->type != SOCK_DGRAM_)
    return stream_connect(fd_get((int)a0), s, &a);
  if ((rc = lookup(&a, &to)) < 0)
    return rc;
  if (to->type != SOCK_DGRAM_)
    return -EPROTOTYPE;
  set_peer(s, to);
  s->state = S_CONNECTED;
  s->peercred = my_cred();
  ping(s);
  return 0;
}

static int64_t do_accept(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t flags)
{
  int64_t err;
  struct usock *s = sock_of((int)fd, &err), *e;
  struct los_file *f = fd_get((int)fd), *nf;
  uint64_t deadline;

  if (s == NULL)
    return err;
  if (flags & ~(uint64_t)(SOCK_NONBLOCK_ | SOCK_CLOEXEC_))
    return -EINVAL;
  if (s->type == SOCK_DGRAM_)
    return -EOPNOTSUPP;
  if (s->state != S_LISTEN)
    return -EINVAL;
  deadline = los_deadline(s->rcvtimeo);
  while (s->backlog == NULL) {
    int rc;
    if (f->flags & O_NONBLOCK)
      return -EAGAIN;
    rc = los_wait(&s->q, deadline);
    if (rc == -EINTR)
      return -ERESTARTSYS;
    if (rc == -ETIMEDOUT)
      return -EAGAIN;
    if (s->state != S_LISTEN)
      return -EINVAL;
  }
  e = s->backlog;
  if ((nf = sock_file(e, (uint32_t)flags)) == NULL)
    return -ENOMEM;
  s->backlog = e->next_pending;
  if (s->backlog == NULL)
    s->backlog_tail = NULL;
  e->next_pending = NULL;
  s->nbacklog--;
  ping(s);
  /* the backlog's reference is now the file's */
  if (uaddr != 0) {
    static const struct uaddr none;
    int rc = put_addr(e->peer != NULL ? &e->peer->addr : &none, uaddr, ulen);
    if (rc < 0) {
      file_put(nf);
      return rc;
    }
  }
  return los_obj_install(nf, (uint32_t)flags);
}

SYSDEF(accept)
{
  return do_accept(a0, a1, a2, 0);
}

SYSDEF(accept4)
{
  return do_accept(a0, a1, a2, a3);
}

SYSDEF(shutdown)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);

  if (s == NULL)
    return err;
  if (a1 > 2)
    return -EINVAL;
  if (s->type != SOCK_DGRAM_ && s->state != S_CONNECTED)
    return -ENOTCONN;
  bool rd = a1 != 1, wr = a1 != 0;
  s->shut_rd |= rd;
  s->shut_wr |= wr;
  if (s->peer != NULL && s->type != SOCK_DGRAM_) {
    s->peer->shut_rd |= wr;
    s->peer->shut_wr |= rd;
    ping(s->peer);
  }
  ping(s);
  return 0;
}

SYSDEF(getsockname)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);

  if (s == NULL)
    return err;
  return put_addr(&s->addr, a1, a2);
}

SYSDEF(getpeername)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);

  if (s == NULL)
    return err;
  if (s->state != S_CONNECTED || s->peer == NULL)
    return -ENOTCONN;
  return put_addr(&s->peer->addr, a1, a2);
}

struct msghdr_ {
  uint64_t name;
  uint32_t namelen, pad;
  uint64_t iov, iovlen, control, controllen;
  int32_t flags, pad2;
};

static int64_t send_common(uint64_t fd, uint64_t iov, uint64_t iovlen, bool user_iov, int flags,
                           uint64_t name, uint64_t namelen, uint64_t ctl, uint64_t ctllen)
{
  struct los_file *f = fd_get((int)fd);
  struct sendargs a = {.flags = flags};
  struct uaddr to;
  int64_t rc;
  int family;

  if (f == NULL)
    return -EBADF;
  if (f->type != LF_SOCKET)
    return -ENOTSOCK;
  if ((rc = iov_check((const struct iovec_ *)iov, iovlen, false, user_iov)) < 0)
    return rc;
  a.data = (struct iovcur){(const struct iovec_ *)iov, iovlen, 0, 0};
  a.len = (uint64_t)rc;
  if (name != 0 && namelen != 0) {
    if ((rc = get_addr(name, namelen, &to, &family)) < 0)
      return rc;
    if (family != AF_UNIX_)
      return -EINVAL;
    a.to = &to;
  }
  if ((rc = get_rights(ctl, ctllen, &a)) < 0) {
    put_rights(&a);
    return rc;
  }
  return do_send(f, &a);
}

SYSDEF(sendto)
{
  struct iovec_ iov = {a1, a2};
  return send_common(a0, (uint64_t)&iov, 1, false, (int)a3, a4, a5, 0, 0);
}

SYSDEF(sendmsg)
{
  const struct msghdr_ *m = (const struct msghdr_ *)a1;

  if (!USER_OK(a1, sizeof(*m), false))
    return -EFAULT;
  return send_common(a0, m->iov, m->iovlen, true, (int)a2, m->name, m->namelen, m->control,
                     m->controllen);
}

/* msg: recvmsg's header (control buffer, lengths and flags out), or NULL. */
static int64_t recv_common(uint64_t fd, uint64_t iov, uint64_t iovlen, bool user_iov, int flags,
                           uint64_t name, uint64_t namelen, struct msghdr_ *msg)
{
  struct los_file *f = fd_get((int)fd);
  struct recvargs a = {.flags = flags};
  int64_t rc, n;

  if (f == NULL)
    return -EBADF;
  if (f->type != LF_SOCKET)
    return -ENOTSOCK;
  if ((rc = iov_check((const struct iovec_ *)iov, iovlen, true, user_iov)) < 0)
    return rc;
  a.data = (struct iovcur){(const struct iovec_ *)iov, iovlen, 0, 0};
  a.len = (uint64_t)rc;
  if (msg != NULL && msg->control != 0 && msg->controllen != 0) {
    if (!USER_OK(msg->control, msg->controllen, true))
      return -EFAULT;
    a.ctl = msg->control;
    a.ctllen = msg->controllen;
  }
  if ((n = do_recv(f, &a)) < 0)
    return n;
  if (name != 0 && ((struct usock *)f->priv)->type != SOCK_STREAM_) {
    if (msg != NULL) {
      uint32_t len = msg->namelen;
      rc = put_addr(&a.from, name, (uint64_t)&len);
      msg->namelen = len;
    } else {
      rc = put_addr(&a.from, name, namelen);
    }
    if (rc < 0)
      return rc;
  } else if (msg != NULL) {
    msg->namelen = 0;
  } else if (name != 0 && namelen != 0 && USER_OK(namelen, 4, true)) {
    *(uint32_t *)namelen = 0;
  }
  if (msg != NULL) {
    msg->controllen = a.ctllen;
    msg->flags = a.msg_flags;
  }
  return n;
}

SYSDEF(recvfrom)
{
  struct iovec_ iov = {a1, a2};
  return recv_common(a0, (uint64_t)&iov, 1, false, (int)a3, a4, a5, NULL);
}

SYSDEF(recvmsg)
{
  struct msghdr_ *m = (struct msghdr_ *)a1;

  if (!USER_OK(a1, sizeof(*m), true))
    return -EFAULT;
  return recv_common(a0, m->iov, m->iovlen, true, (int)a2, m->name, 0, m);
}

/* Socket options (SOL_SOCKET only) */

static int64_t put_opt(uint64_t uval, uint64_t ulen, const void *v, uint32_t size)
{
  int32_t len;

  if (!USER_OK(ulen, 4, true))
    return -EFAULT;
  len = *(const int32_t *)ulen;
  if (len < 0)
    return -EINVAL;
  len = (int32_t)LOS_MIN((uint32_t)len, size);
  if (!USER_OK(uval, (uint64_t)len, true))
    return -EFAULT;
  memcpy((void *)uval, v, (size_t)len);
  *(int32_t *)ulen = len;
  return 0;
}

static void ns_tv(int64_t ns, int64_t tv[2])
{
  tv[0] = ns < 0 ? 0 : ns / 1000000000;
  tv[1] = ns < 0 ? 0 : ns % 1000000000 / 1000;
}

SYSDEF(getsockopt)
{
  int64_t err, tv[2];
  struct usock *s = sock_of((int)a0, &err);
  int v;

  if (s == NULL)
    return err;
  if (a1 != SOL_SOCKET_)
    return -ENOPROTOOPT;
  switch (a2) {
  case SO_TYPE_: v = s->type; break;
  case SO_ERROR_:
    v = s->err;
    s->err = 0;
    break;
  case SO_DOMAIN_: v = AF_UNIX_; break;
  case SO_PROTOCOL_: v = 0; break;
  case SO_ACCEPTCONN_: v = s->state == S_LISTEN; break;
  case SO_SNDBUF_: v = (int)s->sndbuf; break;
  case SO_RCVBUF_: v = (int)s->rcvbuf; break;
  case SO_REUSEADDR_:
  case SO_REUSEPORT_: v = s->reuse; break;
  case SO_KEEPALIVE_: v = s->keepalive; break;
  case SO_PASSCRED_: v = s->passcred; break;
  case SO_PEERCRED_: return put_opt(a3, a4, &s->peercred, sizeof(s->peercred));
  case SO_LINGER_: return put_opt(a3, a4, s->linger, sizeof(s->linger));
  case SO_RCVTIMEO_:
  case SO_SNDTIMEO_:
    ns_tv(a2 == SO_RCVTIMEO_ ? s->rcvtimeo : s->sndtimeo, tv);
    return put_opt(a3, a4, tv, sizeof(tv));
  default: return -ENOPROTOOPT;
  }
  return put_opt(a3, a4, &v, sizeof(v));
}

SYSDEF(setsockopt)
{
  int64_t err;
  struct usock *s = sock_of((int)a0, &err);
  int v = 0;

  if (s == NULL)
    return err;
  if (a1 != SOL_SOCKET_)
    return -ENOPROTOOPT;
  if (a2 == SO_RCVTIMEO_ || a2 == SO_SNDTIMEO_) {
    const int64_t *tv = (const int64_t *)a3;
    int64_t ns;
    if (a4 < 16)
      return -EINVAL;
    if (!USER_OK(a3, 16, false))
      return -EFAULT;
    if (tv[1] < 0 || tv[1] >= 1000000)
      return -EDOM;
    ns = tv[0] < 0            ? -1 /* negative: no timeout, as Linux */
         : tv[0] > 1000000000 ? -1
                              : tv[0] * 1000000000 + tv[1] * 1000;
    if (ns == 0)
      ns = -1;
    *(a2 == SO_RCVTIMEO_ ? &s->rcvtimeo : &s->sndtimeo) = ns;
    return 0;
  }
  if (a2 == SO_LINGER_) {
    if (a4 < sizeof(s->linger))
      return -EINVAL;
    if (!USER_OK(a3, sizeof(s->linger), false))
      return -EFAULT;
    memcpy(s->linger, (const void *)a3, sizeof(s->linger));
    return 0;
  }
  if (a4 < sizeof(int))
    return -EINVAL;
  if (!USER_OK(a3, sizeof(int), false))
    return -EFAULT;
  v = *(const int *)a3;
  switch (a2) {
  case SO_SNDBUF_:
  case SO_RCVBUF_:
  case SO_SNDBUFFORCE_:
  case SO_RCVBUFFORCE_: {
    /* Linux doubles the value (bookkeeping overhead) within its limits */
    uint32_t b = (uint32_t)LOS_MIN((uint32_t)LOS_MAX(v, 0), BUF_MAX) * 2;
    bool snd = a2 == SO_SNDBUF_ || a2 == SO_SNDBUFFORCE_;
    b = LOS_MAX(b, snd ? 4608u : 2304u);
    *(snd ? &s->sndbuf : &s->rcvbuf) = b;
    ping(s);
    return 0;
  }
  case SO_REUSEADDR_:
  case SO_REUSEPORT_: s->reuse = v != 0; return 0;
  case SO_KEEPALIVE_: s->keepalive = v != 0; return 0;
  case SO_PASSCRED_: s->passcred = v != 0; return 0;
  default: return -ENOPROTOOPT;
  }
}
