/* File locks inside the trustlet: fcntl record locks (owned by the process,
 * or by the open file description for F_OFD_*) and flock(2) locks (owned by
 * the description), in two tables keyed by the file's node. Conflicts give
 * EAGAIN or wait on lock_wq, which every unlock wakes. */
#include <linux/fcntl.h>
#include <linux/fs.h>

#include "iofile.h"
#include "syscall.h"

#define F_OFD_GETLK_ 36
#define F_OFD_SETLK_ 37
#define F_OFD_SETLKW_ 38
#define LOCK_SH_ 1
#define LOCK_EX_ 2
#define LOCK_NB_ 4
#define LOCK_UN_ 8
#define TO_EOF UINT64_MAX

struct flock_ {
  int16_t type, whence;
  int32_t pad;
  int64_t start, len;
  int32_t pid, pad2;
};

struct lock {
  uint64_t key;        /* the file (file_key) */
  uint64_t owner;      /* a pid, or the address of an open file description */
  bool ofd;            /* owned by a description */
  int16_t type;        /* F_RDLCK or F_WRLCK */
  uint64_t start, end; /* inclusive; end TO_EOF: to the end of the file, and past it */
  struct lock *next;
};

static struct lock *posix_locks, *flocks;
static struct los_waitq lock_wq;

/* One key per file node: upper node, lower inode, synthetic node, object. */
static uint64_t file_key(const struct los_file *f)
{
  if (f->ops != NULL)
    return (uint64_t)f->priv;
  if (f->vn.up != NULL)
    return (uint64_t)f->vn.up;
  if (f->vn.syn != NULL)
    return (uint64_t)f->vn.syn + f->vn.sarg;
  if (f->type == LF_STDIO)
    return 1 + (uint64_t)f->host_fd;
  return f->vn.low | (1ULL << 63);
}

static bool same_owner(const struct lock *l, uint64_t owner, bool ofd)
{
  return l->owner == owner && l->ofd == ofd;
}

static const struct lock *conflict(const struct lock *list, const struct lock *want)
{
  for (const struct lock *l = list; l != NULL; l = l->next) {
    if (l->key != want->key || same_owner(l, want->owner, want->ofd))
      continue;
    if (l->start > want->end || want->start > l->end)
      continue;
    if (l->type == F_WRLCK || want->type == F_WRLCK)
      return l;
  }
  return NULL;
}

/* Remove [start, end] from owner's locks on key (splitting them); false
 * when out of memory. */
static bool unlock_range(struct lock **list, const struct lock *w)
{
  for (struct lock **pp = list; *pp != NULL;) {
    struct lock *l = *pp;
    if (l->key != w->key || !same_owner(l, w->owner, w->ofd) || l->start > w->end ||
        w->start > l->end) {
      pp = &l->next;
      continue;
    }
    if (l->start < w->start && l->end > w->end) { /* a hole in the middle */
      struct lock *tail = kmalloc(sizeof(*tail));
      if (tail == NULL)
        return false;
      *tail = *l;
      tail->start = w->end + 1;
      l->end = w->start - 1;
      l->next = tail;
      pp = &tail->next;
    } else if (l->start < w->start) {
      l->end = w->start - 1;
      pp = &l->next;
    } else if (l->end > w->end) {
      l->start = w->end + 1;
      pp = &l->next;
    } else {
      *pp = l->next;
      kfree(l);
    }
  }
  los_wake(&lock_wq);
  return true;
}

/* Add w after its range was cleared, merged with adjacent locks of the same type. */
static int insert(struct lock **list, const struct lock *w)
{
  struct lock *n = kmalloc(sizeof(*n));

  if (n == NULL)
    return -ENOLCK;
  *n = *w;
  for (struct lock **pp = list; *pp != NULL;) {
    struct lock *l = *pp;
    if (l->key == n->key && same_owner(l, n->owner, n->ofd) && l->type == n->type &&
        ((l->end != TO_EOF && l->end + 1 == n->start) ||
         (n->end != TO_EOF && n->end + 1 == l->start))) {
      n->start = LOS_MIN(n->start, l->start);
      n->end = LOS_MAX(n->end, l->end);
      *pp = l->next;
      kfree(l);
      continue;
    }
    pp = &l->next;
  }
  n->next = *list;
  *list = n;
  return 0;
}

/* The range of a struct flock, as Linux computes it. */
static int lock_range(struct los_file *f, const struct flock_ *fl, struct lock *w)
{
  int64_t base, start;

  switch (fl->whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = (int64_t)f->pos; break;
  case SEEK_END: {
    struct los_kstat k = {0};
    if (f->ops == NULL && f->type != LF_STDIO)
      vfs_stat(&f->vn, &k);
    base = (int64_t)k.size;
    break;
  }
  default: return -EINVAL;
  }
  if (__builtin_add_overflow(base, fl->start, &start))
    return -EOVERFLOW;
  if (start < 0)
    return -EINVAL;
  if (fl->len > 0) {
    int64_t end;
    if (__builtin_add_overflow(start, fl->len - 1, &end))
      return -EOVERFLOW;
    w->start = (uint64_t)start;
    w->end = (uint64_t)end;
  } else if (fl->len == 0) {
    w->start = (uint64_t)start;
    w->end = TO_EOF;
  } else {
    if (start + fl->len < 0)
      return -EINVAL;
    w->start = (uint64_t)(start + fl->len);
    w->end = (uint64_t)start - 1;
  }
  return 0;
}

int64_t los_fcntl_lock(struct los_file *f, int cmd, uint64_t arg)
{
  bool ofd = cmd == F_OFD_GETLK_ || cmd == F_OFD_SETLK_ || cmd == F_OFD_SETLKW_;
  bool get = cmd == F_GETLK || cmd == F_OFD_GETLK_;
  bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW_;
  struct flock_ *ufl = (struct flock_ *)arg, fl;
  struct lock w = {0};
  const struct lock *c;
  uint32_t acc = f->flags & O_ACCMODE;
  int rc;

  if (!USER_OK(arg, sizeof(fl), get))
    return -EFAULT;
  memcpy(&fl, ufl, sizeof(fl));
  if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
    return -EINVAL;
  if (ofd && fl.pid != 0)
    return -EINVAL;
  if (f->flags & O_PATH)
    return -EBADF;
  if ((rc = lock_range(f, &fl, &w)) < 0)
    return rc;
  w.key = file_key(f);
  w.ofd = ofd;
  w.owner = ofd ? (uint64_t)f : (uint64_t)los_cur_pid();
  w.type = fl.type;
  if (get) {
    if (fl.type == F_UNLCK)
      return -EINVAL;
    if ((c = conflict(posix_locks, &w)) == NULL) {
      ufl->type = F_UNLCK;
      return 0;
    }
    ufl->type = c->type;
    ufl->whence = SEEK_SET;
    ufl->start = (int64_t)c->start;
    ufl->len = c->end == TO_EOF ? 0 : (int64_t)(c->end - c->start + 1);
    ufl->pid = c->ofd ? -1 : (int32_t)c->owner;
    return 0;
  }
  if ((fl.type == F_RDLCK && acc == O_WRONLY) || (fl.type == F_WRLCK && acc == O_RDONLY))
    return -EBADF;
  if (fl.type != F_UNLCK) {
    while (conflict(posix_locks, &w) != NULL) {
      if (!wait)
        return -EAGAIN;
      if (los_wait(&lock_wq, 0) == -EINTR)
        return -ERESTARTSYS;
    }
  }
  if (!unlock_range(&posix_locks, &w))
    return -ENOLCK;
  return fl.type == F_UNLCK ? 0 : insert(&posix_locks, &w);
}

/* Drop owner's locks on key (every file when key is 0). */
static void drop(struct lock **list, uint64_t key, uint64_t owner, bool ofd)
{
  bool any = false;

  for (struct lock **pp = list; *pp != NULL;) {
    struct lock *l = *pp;
    if ((key == 0 || l->key == key) && same_owner(l, owner, ofd)) {
      *pp = l->next;
      kfree(l);
      any = true;
    } else {
      pp = &l->next;
    }
  }
  if (any)
    los_wake(&lock_wq);
}

void los_locks_close(struct los_file *f)
{
  if (posix_locks != NULL)
    drop(&posix_locks, file_key(f), (uint64_t)los_cur_pid(), false);
}

void los_locks_release(struct los_file *f)
{
  if (posix_locks != NULL)
    drop(&posix_locks, 0, (uint64_t)f, true);
  if (flocks != NULL)
    drop(&flocks, 0, (uint64_t)f, true);
}

SYSDEF(flock)
{
  struct los_file *f = fd_get((int)a0);
  int op = (int)a1 & ~LOCK_NB_;
  struct lock w = {.ofd = true, .start = 0, .end = TO_EOF};

  if (f == NULL || (f->flags & O_PATH))
    return -EBADF;
  if (op != LOCK_SH_ && op != LOCK_EX_ && op != LOCK_UN_)
    return -EINVAL;
  w.key = file_key(f);
  w.owner = (uint64_t)f;
  w.type = op == LOCK_EX_ ? F_WRLCK : F_RDLCK;
  if (op == LOCK_UN_) {
    unlock_range(&flocks, &w);
    return 0;
  }
  for (struct lock *l = flocks; l != NULL; l = l->next)
    if (l->key == w.key && l->owner == w.owner && l->type == w.type)
      return 0; /* already held */
  while (conflict(flocks, &w) != NULL) {
    if (a1 & LOCK_NB_)
      return -EWOULDBLOCK;
    unlock_range(&flocks, &w); /* a conversion is not atomic, as on Linux */
    if (los_wait(&lock_wq, 0) == -EINTR)
      return -ERESTARTSYS;
  }
  if (!unlock_range(&flocks, &w))
    return -ENOLCK;
  return insert(&flocks, &w);
}
