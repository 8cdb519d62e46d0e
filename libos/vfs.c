/* Path resolution over the merged view, and the operations on it. */
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>

#include "attest.h"
#include "iofile.h"
#include "memfs.h"
#include "synth.h"
#include "task.h"
#include "vfs_int.h"

#define MAX_DEPTH 128
#define MAX_SYMLINKS 40

static struct mnode *upper_root;
static bool root_writable;
#define cwd (los_curproc->cwd) /* each process has its own */

/* /dev: a private directory of character devices served by the LibOS. */
static const struct {
  const char *name;
  uint32_t rdev; /* major << 8 | minor, as on Linux */
} devices[] = {
    {"null", 0x103}, {"zero", 0x105}, {"full", 0x107}, {"random", 0x108}, {"urandom", 0x109}};

struct mnode *vfs_dev_null;

/* ... and the links runc puts in /dev. */
static const struct {
  const char *name, *target;
} dev_links[] = {{"fd", "/proc/self/fd"},
                 {"stdin", "/proc/self/fd/0"},
                 {"stdout", "/proc/self/fd/1"},
                 {"stderr", "/proc/self/fd/2"}};

struct mnode *vfs_root_node(uint32_t mode)
{
  struct mnode *n = mnode_new(mode);
  if (n == NULL)
    los_panic("out of memory");
  n->uid = n->gid = 0;
  return n;
}

/* process.terminal: the slave of the host's pty, seen as runc shows it:
 * /dev/pts/0, with /dev/console the same inode; /dev/tty opens it too. */
#define PTS0_RDEV 0x8800 /* 136:0 */
#define TTY_RDEV 0x500   /* 5:0 */
#define TTY_GID 5
static struct mnode *tty_node;
struct mnode *vfs_devpts; /* where new terminals appear (/dev/pts) */

struct mnode *los_tty_node(void)
{
  return tty_node;
}

/* The terminal of a `hacher exec --tty`: /dev/pts/N (136:N), shown in
 * /dev/pts when there is one, so ttyname() finds it. */
struct mnode *los_pty_node(uint32_t n)
{
  char name[16];
  struct mnode *node = vfs_root_node(S_IFCHR | 0620);

  node->rdev = 0x8800 + n;
  node->uid = los_proc.uid;
  node->gid = TTY_GID;
  los_snprintf(name, sizeof(name), "%u", n);
  if (vfs_devpts != NULL && mnode_link(vfs_devpts, name, node) == 0)
    node->nlink = 1;
  return node;
}

static struct mnode *dev_node(struct mnode *dir, const char *name, uint32_t mode, uint32_t rdev)
{
  struct mnode *n = vfs_root_node(mode);

  if (mnode_link(dir, name, n) < 0)
    los_panic("cannot create /dev/%s", name);
  n->rdev = rdev;
  return n;
}

static void tty_init(struct mnode *dev)
{
  struct mnode *pts = dev_node(dev, "pts", S_IFDIR | 0755, 0);

  vfs_devpts = pts;
  tty_node = dev_node(pts, "0", S_IFCHR | 0620, PTS0_RDEV);
  tty_node->uid = los_proc.uid;
  tty_node->gid = TTY_GID;
  tty_node->nlink = 2;
  if (mnode_link(dev, "console", tty_node) < 0)
    los_panic("cannot create /dev/console");
  dev_node(dev, "tty", S_IFCHR | 0666, TTY_RDEV);
}

static void dev_init(bool terminal)
{
  struct mnode *dev = vfs_root_node(S_IFDIR | 0755);

  dev->opaque = true;
  for (size_t i = 0; i < LOS_ARRAY_SIZE(devices); i++) {
    struct mnode *n = dev_node(dev, devices[i].name, S_IFCHR | 0666, devices[i].rdev);
    if (n->rdev == 0x103) {
      vfs_dev_null = n;
      n->refs++; /* masked files show it, even after an unlink */
    }
  }
  for (size_t i = 0; i < LOS_ARRAY_SIZE(dev_links); i++) {
    struct mnode *n = vfs_root_node(S_IFLNK | 0777);
    size_t len = strlen(dev_links[i].target);
    if (mnode_reserve(n, len + 1) < 0 || mnode_link(dev, dev_links[i].name, n) < 0)
      los_panic("cannot create /dev/%s", dev_links[i].name);
    memcpy(n->data, dev_links[i].target, len);
    n->size = len;
  }
  /* POSIX shared memory (shm_open): a private tmpfs, as runc's default mount */
  struct mnode *shm = dev_node(dev, "shm", S_IFDIR | 01777, 0);
  shm->opaque = shm->mount = true;
  if (terminal)
    tty_init(dev);
  los_attest_dev_init(dev);
  if (mnode_link(upper_root, "dev", dev) < 0)
    los_panic("cannot create /dev");
}

void los_vfs_init(const struct tl_boot *b, bool readonly_root)
{
  struct erofs_inode root;
  struct mnode *tmp;

  los_image_mount(b);
  root_writable = !readonly_root;
  upper_root = vfs_root_node(S_IFDIR | 0755);
  upper_root->refs = 1;
  if (erofs_iget(&los_image, los_image.root_nid, &root) == 0) { /* the image's root shows */
    upper_root->mode = root.mode;
    upper_root->uid = root.uid;
    upper_root->gid = root.gid;
    upper_root->mtime = upper_root->ctime = (struct los_ts){(int64_t)root.mtime, root.mtime_nsec};
  }
  tmp = mnode_new(S_IFDIR | 01777);
  tmp->uid = tmp->gid = 0;
  tmp->opaque = tmp->mount = true;
  if (upper_root == NULL || tmp == NULL || mnode_link(upper_root, "tmp", tmp) < 0)
    los_panic("cannot create /tmp");
  dev_init((b->flags & TL_BOOT_TERMINAL) != 0);
  vfs_mounts_init(readonly_root);
}

static struct vnode root_vnode(void)
{
  return VNODE(upper_root, los_image.root_nid, root_writable);
}

bool vfs_is_dir(const struct vnode *vn)
{
  struct erofs_inode ino;
  if (vn->syn != NULL)
    return S_ISDIR(synth_mode(vn));
  if (vn->up != NULL)
    return S_ISDIR(vn->up->mode);
  return erofs_iget(&los_image, vn->low, &ino) == 0 && S_ISDIR(ino.mode);
}

uint32_t vfs_mode(const struct vnode *vn)
{
  struct erofs_inode ino;
  if (vn->syn != NULL)
    return synth_mode(vn);
  if (vn->up != NULL)
    return vn->up->mode;
  return erofs_iget(&los_image, vn->low, &ino) == 0 ? ino.mode : 0;
}

/* Lower directory entry `name` of lower dir nid, if it exists. */
/* Entry `name` of lower directory dir: 0 and *nid, -ENOENT, or -EIO when the
 * image is damaged (never reported as a missing file). */
static int lower_find(uint64_t dir, const char *name, size_t len, uint64_t *nid)
{
  struct erofs_inode ino;
  int rc;

  *nid = LOS_NO_NID;
  if (dir == LOS_NO_NID)
    return -ENOENT;
  if ((rc = erofs_iget(&los_image, dir, &ino)) < 0)
    return -EIO;
  if (!S_ISDIR(ino.mode))
    return -ENOENT;
  rc = erofs_lookup(&los_image, &ino, name, len, nid);
  if (rc < 0)
    *nid = LOS_NO_NID;
  return rc == 0 || rc == -ENOENT ? rc : -EIO;
}

static uint64_t lower_lookup(uint64_t dir, const char *name, size_t len)
{
  uint64_t nid;
  return lower_find(dir, name, len, &nid) == 0 ? nid : LOS_NO_NID;
}

static int lookup(const struct vnode *d, const char *name, size_t len, struct vnode *out)
{
  struct mdirent *e;

  if (d->syn != NULL)
    return synth_lookup(d, name, len, out);
  e = d->up ? mnode_find(d->up, name, len) : NULL;
  *out = VNODE(NULL, LOS_NO_NID, d->writable);
  if (e != NULL) {
    if (e->node->whiteout)
      return -ENOENT;
    out->up = e->node;
    if (e->node->mount) {
      out->writable = !e->node->mount_ro;
      out->mnt = true;
    }
    if (e->node->syn != NULL) {
      *out = synth_root(e->node->syn, out->writable);
      return 0;
    }
    if (S_ISDIR(e->node->mode) && !e->node->opaque) {
      out->low = lower_lookup(d->low, name, len);
      if (out->low != LOS_NO_NID && !vfs_is_dir(&VNODE(NULL, out->low, false)))
        out->low = LOS_NO_NID;
    }
    return 0;
  }
  if (d->up != NULL && d->up->opaque)
    return -ENOENT;
  return lower_find(d->low, name, len, &out->low);
}

/* Give a directory an upper node (copy-up of a lower directory). */
static int copy_up_dir(struct vnode *parent, const char *name, struct vnode *d)
{
  struct erofs_inode ino;
  struct mnode *n;

  if (d->up != NULL)
    return 0;
  if (parent->up == NULL || erofs_iget(&los_image, d->low, &ino) < 0)
    return -EIO;
  n = mnode_new(ino.mode);
  if (n == NULL)
    return -ENOMEM;
  n->uid = ino.uid;
  n->gid = ino.gid;
  n->mtime.sec = (int64_t)ino.mtime;
  n->mtime.nsec = ino.mtime_nsec;
  if (mnode_link(parent->up, name, n) < 0)
    return -ENOMEM;
  d->up = n;
  return 0;
}

/* The upper directory at path, creating what is missing (mount points are
 * made by the runtime, even on a read-only root). */
int vfs_mkdir_upper(const char *path, size_t len, struct vnode *out)
{
  struct vnode cur = root_vnode(), child;
  size_t i = 0;

  while (i < len) {
    size_t start, n;
    if (cur.syn != NULL)
      return -EROFS; /* nothing is mounted inside /proc or /sys */
    while (i < len && path[i] == '/')
      i++;
    start = i;
    while (i < len && path[i] != '/')
      i++;
    n = i - start;
    if (n == 0)
      break;
    if (n >= 256 || (n <= 2 && path[start] == '.' && (n == 1 || path[start + 1] == '.')))
      return -EINVAL;
    char name[256];
    memcpy(name, path + start, n);
    name[n] = '\0';
    if (lookup(&cur, name, n, &child) < 0) {
      struct mnode *d = mnode_new(S_IFDIR | 0755);
      if (d == NULL || mnode_link(cur.up, name, d) < 0)
        return -ENOMEM;
      d->uid = d->gid = 0;
      d->opaque = true;
      child = VNODE(d, LOS_NO_NID, cur.writable);
    } else if (!vfs_is_dir(&child)) {
      return -ENOTDIR;
    } else if (child.up == NULL && copy_up_dir(&cur, name, &child) < 0) {
      return -ENOMEM;
    }
    cur = child;
  }
  if (cur.syn != NULL)
    return -EROFS;
  *out = cur;
  return 0;
}

int vfs_readlink(const struct vnode *vn, char *buf, uint64_t size)
{
  struct erofs_inode ino;
  int64_t n;

  if (vn->syn != NULL) {
    struct sbuf b = {0};
    if (!S_ISLNK(synth_mode(vn)))
      return -EINVAL;
    synth_generate(vn, &b);
    n = b.oom ? -ENOMEM : (int64_t)LOS_MIN(size, b.len);
    if (n > 0)
      memcpy(buf, b.buf, (size_t)n);
    kfree(b.buf);
    return (int)n;
  }
  if (vn->up != NULL) {
    if (!S_ISLNK(vn->up->mode))
      return -EINVAL;
    n = (int64_t)LOS_MIN(size, vn->up->size);
    memcpy(buf, vn->up->data, (size_t)n);
    return (int)n;
  }
  if (erofs_iget(&los_image, vn->low, &ino) < 0)
    return -EIO;
  if (!S_ISLNK(ino.mode))
    return -EINVAL;
  n = erofs_read(&los_image, &ino, 0, buf, size);
  return n < 0 ? -EIO : (int)n;
}

struct walk {
  struct vnode stack[MAX_DEPTH];
  char names[MAX_DEPTH][256];
  uint32_t plen[MAX_DEPTH]; /* length of path at each depth ("" is the root) */
  char path[LOS_PATH_MAX];
  int depth; /* stack[0] is the root */
};

static void walk_path(const struct walk *w, char *out)
{
  uint32_t n = w->plen[w->depth];
  if (n == 0)
    memcpy(out, "/", 2);
  memcpy(out, w->path, n);
  out[n > 0 ? n : 1] = '\0';
}

/* Step into child `name`; its canonical path extends the walk's. */
static int walk_push(struct walk *w, const char *name, size_t len, const struct vnode *child)
{
  uint32_t at = w->plen[w->depth];

  if (w->depth + 1 >= MAX_DEPTH || at + 1 + len + 1 > LOS_PATH_MAX)
    return -ENAMETOOLONG;
  w->depth++;
  memcpy(w->names[w->depth], name, len);
  w->names[w->depth][len] = '\0';
  w->path[at] = '/';
  memcpy(w->path + at + 1, name, len);
  w->plen[w->depth] = at + 1 + (uint32_t)len;
  w->stack[w->depth] = *child;
  return 0;
}

/* Splice a symlink target in front of the remaining path in buf. */
static int splice_link(struct walk *w, const struct vnode *link, char *buf, const char *rest)
{
  char target[LOS_PATH_MAX];
  int n = vfs_readlink(link, target, sizeof(target) - 1);
  size_t rlen = strlen(rest);

  if (n < 0)
    return n;
  if (n == 0)
    return -ENOENT;
  if ((size_t)n + 1 + rlen + 1 > LOS_PATH_MAX)
    return -ENAMETOOLONG;
  target[n] = '\0';
  if (target[0] == '/')
    w->depth = 0;
  memmove(buf + n + 1, rest, rlen + 1);
  memcpy(buf, target, (size_t)n);
  buf[n] = '/';
  return 0;
}

static int base_walk(int dirfd, const char *path, struct walk *w, char *buf)
{
  const char *base = NULL;

  if (path[0] != '/') {
    if (dirfd == AT_FDCWD) {
      base = cwd;
    } else {
      struct los_file *f = fd_get(dirfd);
      if (f == NULL)
        return -EBADF;
      if (f->type != LF_DIR)
        return -ENOTDIR;
      base = f->path;
    }
  }
  if ((base ? strlen(base) : 0) + strlen(path) + 2 > LOS_PATH_MAX)
    return -ENAMETOOLONG;
  los_snprintf(buf, LOS_PATH_MAX, "%s/%s", base ? base : "", path);
  w->depth = 0;
  w->plen[0] = 0;
  w->stack[0] = root_vnode();
  return 0;
}

int vfs_resolve(int dirfd, const char *path, unsigned flags, struct vres *res)
{
  static struct walk w;
  static char buf[LOS_PATH_MAX];
  int links = 0, rc;
  char *p;

  if (path[0] == '\0')
    return -ENOENT;
  if ((rc = base_walk(dirfd, path, &w, buf)) < 0)
    return rc;
  res->exists = true;
  res->magic = NULL;
  for (p = buf;;) {
    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *rest = end ? end : "";
    bool last = true;
    for (const char *q = rest; *q; q++)
      if (*q != '/')
        last = false;
    struct vnode *cur = &w.stack[w.depth], child;
    if (len >= 256)
      return -ENAMETOOLONG;
    if (!vfs_is_dir(cur))
      return -ENOTDIR;
    if (len == 1 && p[0] == '.') {
      p += len;
      continue;
    }
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (w.depth > 0)
        w.depth--;
      p += len;
      continue;
    }
    rc = lookup(cur, p, len, &child);
    if (rc == -ENOENT && last) {
      memcpy(res->name, p, len);
      res->name[len] = '\0';
      res->exists = false;
      res->parent = *cur;
      walk_path(&w, res->path);
      size_t plen = strlen(res->path);
      if (plen + len + 2 <= LOS_PATH_MAX)
        los_snprintf(res->path + plen, LOS_PATH_MAX - plen, "%s%s", plen > 1 ? "/" : "", res->name);
      return 0;
    }
    if (rc < 0)
      return rc;
    /* a trailing slash follows a final link too, as on Linux */
    if (S_ISLNK(vfs_mode(&child)) && (!last || (flags & VFS_FOLLOW) || *rest != '\0')) {
      if (child.syn != NULL && (res->magic = synth_magic(&child)) != NULL) {
        /* /proc/1/fd/N of stdio names the open file itself */
        if (!last)
          return -ENOTDIR;
        if ((rc = walk_push(&w, p, len, &child)) < 0)
          return rc;
        break;
      }
      if (++links > MAX_SYMLINKS)
        return -ELOOP;
      char restbuf[LOS_PATH_MAX];
      memcpy(restbuf, rest, strlen(rest) + 1);
      if ((rc = splice_link(&w, &child, buf, restbuf)) < 0)
        return rc;
      p = buf;
      continue;
    }
    if ((rc = walk_push(&w, p, len, &child)) < 0)
      return rc;
    vfs_apply_rules(w.path, w.plen[w.depth], &w.stack[w.depth]);
    struct vnode *top = &w.stack[w.depth];
    if ((flags & VFS_UPPER) && !last && top->writable && top->syn == NULL && vfs_is_dir(top) &&
        (rc = copy_up_dir(&w.stack[w.depth - 1], w.names[w.depth], top)) < 0)
      return rc;
    p += len;
  }
  res->node = w.stack[w.depth];
  res->parent = w.depth > 0 ? w.stack[w.depth - 1] : w.stack[0];
  memcpy(res->name, w.depth > 0 ? w.names[w.depth] : "/",
         w.depth > 0 ? strlen(w.names[w.depth]) + 1 : 2);
  walk_path(&w, res->path);
  return 0;
}

int vfs_stat(const struct vnode *vn, struct los_kstat *st)
{
  struct erofs_inode ino;

  memset(st, 0, sizeof(*st));
  if (vn->syn != NULL) {
    synth_stat(vn, st);
    return 0;
  }
  if (vn->up != NULL) {
    struct mnode *n = vn->up;
    st->ino = n->ino;
    st->mode = n->mode;
    st->uid = n->uid;
    st->gid = n->gid;
    st->nlink = n->nlink;
    st->size = S_ISDIR(n->mode) ? 20ULL * (n->nents + 2) : n->size; /* as tmpfs reports */
    st->rdev = n->rdev;
    st->atime = n->atime;
    st->mtime = n->mtime;
    st->ctime = n->ctime;
  } else {
    if (erofs_iget(&los_image, vn->low, &ino) < 0)
      return -EIO;
    st->ino = ino.nid;
    st->mode = ino.mode;
    st->uid = ino.uid;
    st->gid = ino.gid;
    st->nlink = ino.nlink;
    st->size = ino.size;
    st->rdev = ino.rdev;
    st->mtime.sec = st->atime.sec = st->ctime.sec = (int64_t)ino.mtime;
    st->mtime.nsec = st->atime.nsec = st->ctime.nsec = ino.mtime_nsec;
  }
  /* 512-byte units of whole blocks, as erofs and tmpfs report them */
  st->blocks = S_ISDIR(st->mode) && vn->up ? 0 : LOS_ALIGN_UP(st->size, 4096) / 512;
  return 0;
}

/* Copy a lower regular file into the upper layer (first write). */
int vfs_copy_up_file(struct vres *r)
{
  struct erofs_inode ino;
  struct mnode *n;
  int64_t got;

  if (r->parent.up == NULL || erofs_iget(&los_image, r->node.low, &ino) < 0)
    return -EIO;
  n = mnode_new(ino.mode);
  if (n == NULL || mnode_reserve(n, ino.size) < 0)
    return -ENOSPC;
  got = erofs_read(&los_image, &ino, 0, n->data, ino.size);
  if (got < 0 || (uint64_t)got != ino.size)
    return -EIO;
  n->size = ino.size;
  n->uid = ino.uid;
  n->gid = ino.gid;
  n->mtime.sec = (int64_t)ino.mtime;
  if (mnode_link(r->parent.up, r->name, n) < 0)
    return -ENOMEM;
  r->node.up = n;
  r->node.low = LOS_NO_NID;
  return 0;
}

int vfs_create_node(struct vres *r, uint32_t mode, struct mnode **out)
{
  struct mnode *n;
  int rc;

  if (!r->parent.writable)
    return -EROFS;
  if (r->parent.syn != NULL)
    return -EACCES;
  if (r->parent.up == NULL)
    return -EIO;
  if ((rc = vfs_may_create(&r->parent)) < 0)
    return rc;
  n = mnode_new(mode);
  if (n == NULL)
    return -ENOSPC;
  if (mnode_link(r->parent.up, r->name, n) < 0)
    return -ENOSPC;
  *out = n;
  return 0;
}

static struct los_file *file_new(const struct vres *r, int flags)
{
  struct los_file *f = kzalloc(sizeof(*f));
  uint32_t mode;

  if (f == NULL)
    return NULL;
  f->refs = 1;
  f->flags = (uint32_t)flags;
  f->vn = r->node;
  f->host_fd = -1;
  f->path = kstrdup(r->path);
  if (r->node.syn != NULL) {
    mode = synth_mode(&r->node);
    if (S_ISREG(mode)) { /* content as of this open, like Linux's seq files */
      struct sbuf b = {0};
      synth_generate(&r->node, &b);
      f->data = b.buf;
      f->size = b.len;
      if (b.oom) {
        file_put(f);
        return NULL;
      }
    }
  } else if (r->node.up != NULL) {
    r->node.up->refs++;
    mode = r->node.up->mode;
  } else {
    erofs_iget(&los_image, r->node.low, &f->ino);
    mode = f->ino.mode;
  }
  f->type = S_ISDIR(mode) ? LF_DIR : S_ISLNK(mode) ? LF_SYMLINK : S_ISCHR(mode) ? LF_DEV : LF_REG;
  if (f->type == LF_DEV && (r->node.up->rdev == PTS0_RDEV || r->node.up->rdev == TTY_RDEV)) {
    /* the terminal: the container's stdio, whichever name opened it */
    f->type = LF_STDIO;
    f->host_fd = 0;
  }
  return f;
}

/* What the access mode asks of the file's permission bits (a new file
 * has been checked through its directory). */
static int open_permission(const struct vnode *vn, int acc, int flags)
{
  struct los_kstat k;
  uint32_t mask = acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : 6;

  if (flags & O_TRUNC)
    mask |= 2;
  if (vfs_stat(vn, &k) < 0)
    return -EIO;
  return vfs_permission(&k, mask, los_proc.caps[TL_CAP_EFFECTIVE]);
}

int vfs_open(int dirfd, const char *path, int flags, uint32_t mode, struct los_file **out)
{
  static struct vres r;
  int acc = flags & O_ACCMODE;
  bool wr = acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
  unsigned rf =
      ((flags & O_NOFOLLOW) ? 0 : VFS_FOLLOW) | ((wr || (flags & O_CREAT)) ? VFS_UPPER : 0);
  int rc = vfs_resolve(dirfd, path, rf, &r);
  bool created = false;
  struct mnode *n;

  if (rc < 0)
    return rc;
  if (r.magic != NULL) { /* reopening stdio through /proc/1/fd */
    *out = file_stdio(r.magic->host_fd, (uint32_t)flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
    return 0;
  }
  if (!r.exists) {
    if (!(flags & O_CREAT))
      return -ENOENT;
    if ((rc = vfs_create_node(&r, S_IFREG | (mode & 07777 & ~los_proc.umask), &n)) < 0)
      return rc;
    r.node = VNODE(n, LOS_NO_NID, r.parent.writable);
    created = true;
  } else if ((flags & O_CREAT) && (flags & O_EXCL)) {
    return -EEXIST;
  }
  uint32_t m = vfs_mode(&r.node);
  if (S_ISLNK(m) && (flags & O_NOFOLLOW) && !(flags & O_PATH))
    return -ELOOP;
  if ((flags & O_DIRECTORY) && !S_ISDIR(m))
    return -ENOTDIR;
  if (S_ISDIR(m) && wr)
    return -EISDIR;
  if ((flags & VFS_O_PERM) && !created && !(flags & O_PATH) && !S_ISLNK(m) &&
      (rc = open_permission(&r.node, acc, flags)) < 0)
    return rc;
  flags &= ~VFS_O_PERM;
  if (S_ISSOCK(m) && !(flags & O_PATH))
    return -ENXIO;
  if (S_ISFIFO(m) && !(flags & O_PATH) && r.node.up != NULL)
    return los_fifo_open(r.node.up, flags, out); /* a pipe, even on a read-only tree */
  if (wr && !(flags & O_PATH) && r.node.syn != NULL)
    return r.node.writable ? -EACCES : -EROFS;
  if (wr && !(flags & O_PATH) && !S_ISCHR(m)) {
    if (!r.node.writable)
      return -EROFS;
    if (r.node.up == NULL && (rc = vfs_copy_up_file(&r)) < 0)
      return rc;
    if ((flags & O_TRUNC) && r.node.up->size > 0) {
      memset(r.node.up->data, 0, r.node.up->size);
      r.node.up->size = 0;
      mnode_touch(r.node.up);
    }
  }
  *out = file_new(&r, flags);
  if (*out == NULL)
    return -ENOMEM;
  if ((*out)->type == LF_DEV && los_attest_rdev(r.node.up->rdev) && !(flags & O_PATH) &&
      (rc = los_attest_open(*out)) < 0) {
    file_put(*out);
    *out = NULL;
    return rc;
  }
  return 0;
}

static int64_t dev_read(struct los_file *f, void *buf, uint64_t len)
{
  switch (f->vn.up->rdev) {
  case 0x103: return 0;
  case 0x108:
  case 0x109: los_random(buf, len); return (int64_t)len;
  default: memset(buf, 0, len); return (int64_t)len;
  }
}

int64_t vfs_read(struct los_file *f, void *buf, uint64_t len, uint64_t off)
{
  if (f->type == LF_DIR)
    return -EISDIR;
  if (f->type == LF_DEV && !los_attest_rdev(f->vn.up->rdev))
    return dev_read(f, buf, len);
  if (f->type == LF_DEV) { /* content made at open */
    if (off >= f->size)
      return 0;
    len = LOS_MIN(len, f->size - off);
    memcpy(buf, f->data + off, len);
    return (int64_t)len;
  }
  if (f->vn.syn != NULL) {
    if (off >= f->size)
      return 0;
    len = LOS_MIN(len, f->size - off);
    memcpy(buf, f->data + off, len);
    return (int64_t)len;
  }
  if (f->vn.up != NULL) {
    struct mnode *n = f->vn.up;
    if (off >= n->size)
      return 0;
    len = LOS_MIN(len, n->size - off);
    memcpy(buf, n->data + off, len);
    return (int64_t)len;
  }
  int64_t got = erofs_read(&los_image, &f->ino, off, buf, len);
  return got < 0 ? -EIO : got;
}

int64_t vfs_write(struct los_file *f, const void *buf, uint64_t len, uint64_t off)
{
  struct mnode *n = f->vn.up;

  if (f->type == LF_DEV && los_attest_rdev(n->rdev))
    return los_attest_write(f, buf, len);
  if (f->type == LF_DEV)
    return n->rdev == 0x107 ? -ENOSPC : (int64_t)len;
  if (n == NULL || f->type != LF_REG)
    return -EBADF;
  if (off + len < off || off + len > (uint64_t)INT64_MAX)
    return -EINVAL; /* past the largest file offset, as Linux says */
  if (off + len > LOS_MAX_FILE_SIZE)
    return -EFBIG;
  if (mnode_reserve(n, off + len) < 0)
    return -ENOSPC;
  memcpy(n->data + off, buf, len);
  if (off + len > n->size)
    n->size = off + len;
  mnode_touch(n);
  return (int64_t)len;
}

int vfs_truncate(struct los_file *f, uint64_t len)
{
  struct mnode *n = f->vn.up;

  if (n == NULL || f->type != LF_REG || len > (uint64_t)INT64_MAX)
    return -EINVAL;
  if (len > LOS_MAX_FILE_SIZE)
    return -EFBIG;
  if (len > n->size && mnode_reserve(n, len) < 0)
    return -ENOSPC;
  if (len < n->size)
    memset(n->data + len, 0, n->size - len);
  n->size = len;
  mnode_touch(n);
  return 0;
}

/* getdents64: ".", "..", upper entries, then lower entries not shadowed.
 * f->pos encodes the phase: < 2 dots, < LOWER_BIT upper index + 2, else lower. */
#define LOWER_BIT (1ULL << 62)

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  uint16_t d_reclen;
  uint8_t d_type;
  char d_name[];
};

static int put_dirent(void *buf, uint64_t size, uint64_t *used, uint64_t ino, uint64_t next,
                      uint8_t type, const char *name, size_t len)
{
  uint64_t reclen = LOS_ALIGN_UP(sizeof(struct linux_dirent64) + len + 1, 8);
  struct linux_dirent64 *d = (struct linux_dirent64 *)((char *)buf + *used);

  if (*used + reclen > size)
    return -1;
  d->d_ino = ino;
  d->d_off = (int64_t)next;
  d->d_reclen = (uint16_t)reclen;
  d->d_type = type;
  memcpy(d->d_name, name, len);
  d->d_name[len] = '\0';
  *used += reclen;
  return 0;
}

static uint8_t mode_dtype(uint32_t mode)
{
  return (uint8_t)((mode >> 12) & 017);
}

static const uint8_t erofs_dtype[8] = {0, 8, 4, 2, 6, 1, 12, 10};

/* Entries of a synthetic directory: f->pos - 2 is the synth position. */
static int synth_getdents(struct los_file *f, void *buf, uint64_t size, uint64_t used)
{
  static char name[256];
  uint64_t pos = f->pos - 2, ino;
  uint8_t type;

  while (synth_readdir(&f->vn, &pos, name, &ino, &type) > 0) {
    if (put_dirent(buf, size, &used, ino, pos + 2, type, name, strlen(name)) < 0)
      return used ? (int)used : -EINVAL;
    f->pos = pos + 2;
  }
  return (int)used;
}

static bool shadowed(const struct vnode *d, const char *name, size_t len)
{
  return d->up != NULL && mnode_find(d->up, name, len) != NULL;
}

int vfs_getdents(struct los_file *f, void *buf, uint64_t size)
{
  static struct erofs_dirent ent;
  struct erofs_inode dir;
  struct vnode *d = &f->vn;
  uint64_t used = 0;

  if (f->type != LF_DIR)
    return -ENOTDIR;
  while (f->pos < 2) {
    if (put_dirent(buf, size, &used, f->pos == 0 ? 1 : 2, f->pos + 1, 4, "..", f->pos + 1) < 0)
      goto full;
    f->pos++;
  }
  if (d->syn != NULL)
    return synth_getdents(f, buf, size, used);
  while (f->pos < LOWER_BIT && d->up != NULL && f->pos - 2 < d->up->nents) {
    struct mdirent *e = &d->up->ents[f->pos - 2];
    if (!e->node->whiteout && put_dirent(buf, size, &used, e->node->ino, f->pos + 1,
                                         mode_dtype(e->node->mode), e->name, strlen(e->name)) < 0)
      goto full;
    f->pos++;
  }
  if (f->pos < LOWER_BIT)
    f->pos = LOWER_BIT;
  if (d->low == LOS_NO_NID || (d->up && d->up->opaque) || erofs_iget(&los_image, d->low, &dir) < 0)
    return (int)used;
  for (;;) {
    uint64_t lpos = f->pos & ~LOWER_BIT;
    int rc = erofs_readdir(&los_image, &dir, &lpos, &ent);
    if (rc < 0)
      return used ? (int)used : -EIO;
    if (rc == 0)
      break;
    bool dots = (ent.name_len == 1 && ent.name[0] == '.') ||
                (ent.name_len == 2 && ent.name[0] == '.' && ent.name[1] == '.');
    if (!dots && !shadowed(d, ent.name, ent.name_len) &&
        put_dirent(buf, size, &used, ent.nid, lpos | LOWER_BIT, erofs_dtype[ent.file_type & 7],
                   ent.name, ent.name_len) < 0)
      goto full;
    f->pos = lpos | LOWER_BIT;
  }
  return (int)used;
full:
  return used ? (int)used : -EINVAL;
}

int vfs_mknod(int dirfd, const char *path, uint32_t mode, struct mnode **out)
{
  static struct vres r;
  struct mnode *n;
  int rc = vfs_resolve(dirfd, path, VFS_UPPER, &r);

  if (rc < 0)
    return rc;
  if (r.exists)
    return -EEXIST;
  if ((rc = vfs_create_node(&r, (mode & S_IFMT) | (mode & 07777 & ~los_proc.umask), &n)) < 0)
    return rc;
  if (out != NULL)
    *out = n;
  return 0;
}

int vfs_mkdir(int dirfd, const char *path, uint32_t mode)
{
  static struct vres r;
  struct mnode *n;
  int rc = vfs_resolve(dirfd, path, VFS_UPPER, &r);

  if (rc < 0)
    return rc;
  if (r.exists)
    return -EEXIST;
  rc = vfs_create_node(&r, S_IFDIR | (mode & 07777 & ~los_proc.umask), &n);
  if (rc == 0)
    n->opaque = true; /* a new directory hides any older lower one */
  return rc;
}

bool vfs_dir_empty(const struct vnode *vn)
{
  struct los_file f = {.type = LF_DIR, .vn = *vn, .pos = 2};
  char buf[512];

  if (vn->up == NULL)
    erofs_iget(&los_image, vn->low, &f.ino);
  return vfs_getdents(&f, buf, sizeof(buf)) == 0;
}

/* Remove name: drop the upper entry; hide a lower one with a whiteout. */
int vfs_remove_entry(struct vres *r)
{
  struct mdirent *e = mnode_find(r->parent.up, r->name, strlen(r->name));
  bool lower = r->parent.low != LOS_NO_NID && !r->parent.up->opaque &&
               lower_lookup(r->parent.low, r->name, strlen(r->name)) != LOS_NO_NID;
  struct mnode *wh;

  if (e != NULL && !S_ISDIR(e->node->mode) && !e->node->whiteout && e->node->nlink > 0) {
    e->node->nlink--; /* hard links: one name fewer; open files keep the node */
    e->node->ctime = los_ts_now();
  }
  if (e != NULL)
    mnode_unlink(r->parent.up, e);
  if (!lower)
    return 0;
  wh = mnode_new(S_IFCHR);
  if (wh == NULL)
    return -ENOSPC;
  wh->whiteout = true;
  return mnode_link(r->parent.up, r->name, wh);
}

/* Whether the last component of path is name ("." or ".."), as rmdir checks. */
static bool last_is(const char *path, const char *name)
{
  size_t n = strlen(path), len = strlen(name);
  while (n > 1 && path[n - 1] == '/')
    n--;
  return n >= len && memcmp(path + n - len, name, len) == 0 &&
         (n == len || path[n - len - 1] == '/');
}

int vfs_unlink(int dirfd, const char *path, bool dir)
{
  static struct vres r;
  int rc = vfs_resolve(dirfd, path, VFS_UPPER, &r);
  uint32_t m;

  if (rc < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  m = vfs_mode(&r.node);
  if (dir && !S_ISDIR(m))
    return -ENOTDIR;
  if (!dir && S_ISDIR(m))
    return -EISDIR;
  if (dir && last_is(path, "."))
    return -EINVAL;
  if (dir && last_is(path, ".."))
    return -ENOTEMPTY;
  if (r.node.mnt || strcmp(r.path, "/") == 0)
    return -EBUSY;
  if (!r.parent.writable)
    return -EROFS;
  if (r.parent.syn != NULL)
    return -EACCES;
  if (r.parent.up == NULL)
    return -EIO;
  if ((rc = vfs_may_delete(&r.parent, &r.node)) < 0)
    return rc;
  if (dir && !vfs_dir_empty(&r.node))
    return -ENOTEMPTY;
  return vfs_remove_entry(&r);
}

int vfs_symlink(const char *target, int dirfd, const char *path)
{
  static struct vres r;
  struct mnode *n;
  size_t len = strlen(target);
  int rc = vfs_resolve(dirfd, path, VFS_UPPER, &r);

  if (rc < 0)
    return rc;
  if (r.exists)
    return -EEXIST;
  if ((rc = vfs_create_node(&r, S_IFLNK | 0777, &n)) < 0)
    return rc;
  if (mnode_reserve(n, len + 1) < 0)
    return -ENOSPC;
  memcpy(n->data, target, len);
  n->size = len;
  return 0;
}

/* A renamed object must live in the upper layer alone: files are copied up,
 * directories that merge with the image cannot move (EXDEV, as overlayfs
 * without redirect_dir says; mv then copies). */
static int rename_source(struct vres *r)
{
  if (!S_ISDIR(vfs_mode(&r->node)))
    return r->node.up == NULL ? vfs_copy_up_file(r) : 0;
  if (r->node.up == NULL || (r->node.low != LOS_NO_NID && !r->node.up->opaque))
    return -EXDEV;
  r->node.up->opaque = true; /* nothing of the image below its new name shows through */
  return 0;
}

static bool path_below(const char *p, const char *dir)
{
  size_t n = strlen(dir);
  return strncmp(p, dir, n) == 0 && p[n] == '/';
}

/* RENAME_EXCHANGE: both names swap their objects. */
static int rename_exchange(struct vres *a, struct vres *b)
{
  struct mdirent *ea, *eb;
  struct mnode *t;
  bool da = S_ISDIR(vfs_mode(&a->node)), db = S_ISDIR(vfs_mode(&b->node));
  int rc;

  if (path_below(a->path, b->path) || path_below(b->path, a->path))
    return -EINVAL;
  if ((rc = rename_source(a)) < 0 || (rc = rename_source(b)) < 0)
    return rc;
  ea = mnode_find(a->parent.up, a->name, strlen(a->name));
  eb = mnode_find(b->parent.up, b->name, strlen(b->name));
  if (ea == NULL || eb == NULL)
    return -EIO;
  t = ea->node;
  ea->node = eb->node;
  eb->node = t;
  if (da != db) { /* a directory changed parents: their link counts follow */
    a->parent.up->nlink += da ? -1u : 1u;
    b->parent.up->nlink += db ? -1u : 1u;
  }
  mnode_touch(a->parent.up);
  mnode_touch(b->parent.up);
  return 0;
}

/* rename within the upper layer; lower sources are copied up first. */
int vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
  static struct vres from, to;
  struct mnode *n;
  int rc = vfs_resolve(olddirfd, oldpath, VFS_UPPER, &from);

  if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
    return -EINVAL; /* RENAME_WHITEOUT is overlayfs's own business */
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
    return -EINVAL;
  if (rc < 0)
    return rc;
  if (!from.exists)
    return -ENOENT;
  if ((rc = vfs_resolve(newdirfd, newpath, VFS_UPPER, &to)) < 0)
    return rc;
  if (to.exists && (flags & RENAME_NOREPLACE))
    return -EEXIST;
  if (!to.exists && (flags & RENAME_EXCHANGE))
    return -ENOENT;
  if (from.node.mnt || (to.exists && to.node.mnt) || strcmp(from.path, "/") == 0)
    return -EBUSY;
  if (los_vfs_mount_of(from.path) != los_vfs_mount_of(to.path))
    return -EXDEV; /* before EROFS, as Linux: mv then copies */
  if (!from.parent.writable || !to.parent.writable)
    return -EROFS;
  if (from.parent.syn != NULL || to.parent.syn != NULL)
    return -EACCES;
  if ((rc = vfs_may_delete(&from.parent, &from.node)) < 0 ||
      (rc = to.exists ? vfs_may_delete(&to.parent, &to.node) : vfs_may_create(&to.parent)) < 0)
    return rc;
  if (to.exists && to.node.up == from.node.up && to.node.low == from.node.low)
    return 0; /* the same file: nothing to do, as on Linux */
  if (flags & RENAME_EXCHANGE)
    return rename_exchange(&from, &to);
  if (to.exists && S_ISDIR(vfs_mode(&to.node)) != S_ISDIR(vfs_mode(&from.node)))
    return S_ISDIR(vfs_mode(&to.node)) ? -EISDIR : -ENOTDIR;
  if (to.exists && S_ISDIR(vfs_mode(&to.node)) && !vfs_dir_empty(&to.node))
    return -ENOTEMPTY;
  if (S_ISDIR(vfs_mode(&from.node)) && path_below(to.path, from.path))
    return -EINVAL; /* into its own subtree */
  if ((rc = rename_source(&from)) < 0)
    return rc;
  n = from.node.up;
  if (to.exists && to.node.up != NULL && !S_ISDIR(to.node.up->mode) && to.node.up->nlink > 0)
    to.node.up->nlink--; /* the replaced file loses that name */
  n->refs++;
  n->nlink += S_ISDIR(n->mode) ? 0 : 1; /* vfs_remove_entry takes the old name's */
  rc = mnode_link(to.parent.up, to.name, n);
  if (rc == 0)
    rc = vfs_remove_entry(&from);
  else
    n->nlink -= S_ISDIR(n->mode) ? 0 : 1;
  n->ctime = los_ts_now();
  mnode_put(n);
  return rc;
}

/* The upper node of a resolved, writable object (copying it up first);
 * attribute changes land there. */
struct mnode *vfs_upper_for_attrs(const struct vres *r, int *rc)
{
  static struct vres c;

  *rc = 0;
  if (!r->node.writable || r->node.syn != NULL) {
    *rc = r->node.writable ? -EPERM : -EROFS;
    return NULL;
  }
  c = *r;
  if (c.node.up == NULL)
    *rc =
        S_ISDIR(vfs_mode(&c.node)) ? copy_up_dir(&c.parent, c.name, &c.node) : vfs_copy_up_file(&c);
  return *rc < 0 ? NULL : c.node.up;
}

int vfs_chdir(const char *path)
{
  static struct vres r;
  int rc = vfs_resolve(AT_FDCWD, path, VFS_FOLLOW, &r);

  if (rc < 0)
    return rc;
  if (!r.exists)
    return -ENOENT;
  if (!vfs_is_dir(&r.node))
    return -ENOTDIR;
  memcpy(cwd, r.path, strlen(r.path) + 1);
  return 0;
}

const char *vfs_cwd(void)
{
  return cwd;
}
