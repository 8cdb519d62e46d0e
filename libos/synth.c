/* The synthetic file system mechanism: lookups, attributes, listings and
 * generated content over the static node trees of procfs.c and sysfs.c. */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "synth.h"

void sb_put(struct sbuf *b, const char *s, size_t len)
{
  if (b->oom)
    return;
  if (b->len + len + 1 > b->cap) {
    uint64_t cap = b->cap ? b->cap : 256;
    char *n;
    while (cap < b->len + len + 1)
      cap *= 2;
    if ((n = krealloc(b->buf, cap)) == NULL) {
      b->oom = true;
      return;
    }
    b->buf = n;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, s, len);
  b->len += len;
  b->buf[b->len] = '\0';
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
  char small[256], *big;
  va_list ap, again;
  int n;

  va_start(ap, fmt);
  va_copy(again, ap);
  n = los_vsnprintf(small, sizeof(small), fmt, ap);
  if (n < (int)sizeof(small)) {
    sb_put(b, small, (size_t)n);
  } else if ((big = kmalloc((size_t)n + 1)) != NULL) {
    los_vsnprintf(big, (size_t)n + 1, fmt, again);
    sb_put(b, big, (size_t)n);
    kfree(big);
  } else {
    b->oom = true;
  }
  va_end(again);
  va_end(ap);
}

void sb_col(struct sbuf *b, const char *s, int width)
{
  int n = (int)strlen(s);
  sb_put(b, s, (size_t)n);
  for (; n < width; n++)
    sb_put(b, " ", 1);
}

/* /proc/PID/fd/N: a link to what the fd names. */
static void gen_fd_link(struct sbuf *b, uint32_t fd, uint32_t pid)
{
  static char buf[LOS_PATH_MAX];
  int n = los_fd_describe((int)fd, buf, sizeof(buf));
  if (n > 0)
    sb_put(b, buf, (size_t)n);
}

/* /proc/PID/fdinfo/N: the description's offset and flags, as Linux prints them. */
static void gen_fdinfo(struct sbuf *b, uint32_t fd, uint32_t pid)
{
  struct los_file *f = fd_get((int)fd);
  struct los_kstat st = {0};
  uint32_t flags;

  if (f == NULL)
    return;
  flags = f->flags | (fd_get_cloexec((int)fd) ? 02000000u : 0); /* O_CLOEXEC */
  if (f->type != LF_STDIO)
    flags |= 0100000u; /* O_LARGEFILE: the kernel forces it on 64-bit */
  if (f->type != LF_STDIO || f->vn.up != NULL)
    vfs_stat(&f->vn, &st);
  char oct[12];
  int n = (int)sizeof(oct);
  oct[--n] = '\0';
  do { /* los_snprintf has no %o */
    oct[--n] = (char)('0' + (flags & 7));
    flags >>= 3;
  } while (flags != 0 && n > 0);
  sb_printf(b, "pos:\t%lu\nflags:\t0%s\nmnt_id:\t%u\nino:\t%lu\n", f->type == LF_STDIO ? 0 : f->pos,
            oct + n, f->path ? SYNTH_MOUNT_ID(los_vfs_mount_index(f->path)) : 0, st.ino);
}

static const struct snode fd_link = {"", SN_LINK, 0700, 0, gen_fd_link, NULL};
static const struct snode fdinfo_file = {"", SN_FILE, 0400, 0, gen_fdinfo, NULL};

static const struct snode *kids_of(const struct snode *n)
{
  return n->kind == SN_CGROUP ? los_cgroup_kids() : n->kids;
}

/* Numbered directories: the lowest entry >= from (0 when none; fd entries
 * are stored + 1 so that fd 0 is not "none"), and the node each entry is. */
static uint32_t num_next(const struct vnode *dir, uint32_t from)
{
  switch (dir->syn->kind) {
  case SN_FDDIR:
  case SN_FDINFO:
    for (uint32_t fd = from ? from - 1 : 0; fd < LOS_MAX_FDS; fd++)
      if (fd_get((int)fd) != NULL)
        return fd + 1;
    return 0;
  case SN_PIDS: return synth_pid_next(from ? from : 1);
  case SN_TASKS: return synth_tid_next(dir->spid, from ? from : 1);
  default: return 0;
  }
}

static const struct snode *num_node(const struct snode *dir)
{
  switch (dir->kind) {
  case SN_FDDIR: return &fd_link;
  case SN_FDINFO: return &fdinfo_file;
  case SN_PIDS: return &los_procfs_pid;
  case SN_TASKS: return &los_procfs_tid;
  default: return NULL;
  }
}

static bool is_fd_dir(const struct snode *dir)
{
  return dir->kind == SN_FDDIR || dir->kind == SN_FDINFO;
}

struct vnode synth_root(const struct snode *root, bool writable)
{
  struct vnode vn = VNODE(NULL, LOS_NO_NID, writable);
  vn.mnt = true;
  vn.syn = root;
  vn.sarg = root->arg;
  return vn;
}

/* A numbered entry: the node it is, with its number as argument (fds) or as
 * the process it belongs to (pids, tids). */
static void num_vnode(const struct vnode *dir, uint32_t num, struct vnode *out)
{
  const struct snode *n = num_node(dir->syn);

  out->syn = n;
  out->sarg = is_fd_dir(dir->syn) ? num - 1 : n->arg;
  out->spid = is_fd_dir(dir->syn) ? dir->spid : num;
}

int synth_lookup(const struct vnode *dir, const char *name, size_t len, struct vnode *out)
{
  const struct snode *n = dir->syn, *k;
  uint32_t num = 0;

  *out = VNODE(NULL, LOS_NO_NID, dir->writable);
  out->spid = dir->spid;
  for (k = kids_of(n); k != NULL && k->name != NULL; k++) {
    if (strnlen(k->name, len + 1) == len && memcmp(k->name, name, len) == 0) {
      out->syn = k;
      out->sarg = k->arg;
      return 0;
    }
  }
  if (num_node(n) == NULL || len == 0 || len > 7 || (len > 1 && name[0] == '0'))
    return -ENOENT;
  for (size_t i = 0; i < len; i++) {
    if (name[i] < '0' || name[i] > '9')
      return -ENOENT;
    num = num * 10 + (uint32_t)(name[i] - '0');
  }
  num += is_fd_dir(n) ? 1 : 0;
  if (num == 0 || num_next(dir, num) != num)
    return -ENOENT;
  num_vnode(dir, num, out);
  return 0;
}

uint32_t synth_mode(const struct vnode *vn)
{
  uint16_t kind = vn->syn->kind;
  struct los_file *f;

  if (vn->syn == &fd_link && (f = fd_get((int)vn->sarg)) != NULL) {
    /* as Linux: r-x for reading, -wx for writing */
    uint32_t acc = f->flags & O_ACCMODE;
    return S_IFLNK | (acc != O_WRONLY ? 0500 : 0) | (acc != O_RDONLY ? 0300 : 0);
  }
  return (kind == SN_FILE ? S_IFREG : kind == SN_LINK ? S_IFLNK : S_IFDIR) | vn->syn->perm;
}

/* Stable per node, argument and process: node addresses are fixed in the
 * LibOS image. */
static uint64_t synth_ino(const struct snode *n, uint32_t arg, uint32_t pid)
{
  return (1ULL << 62) | ((uint64_t)(pid & 0x3fffff) << 40) | (((uint64_t)n & 0x3fffffffULL) << 10) |
         (arg & 1023);
}

void synth_stat(const struct vnode *vn, struct los_kstat *st)
{
  struct los_ts boot = {(int64_t)(los_proc.start_real_ns / 1000000000ULL),
                        (int64_t)(los_proc.start_real_ns % 1000000000ULL)};

  memset(st, 0, sizeof(*st));
  st->ino = synth_ino(vn->syn, vn->sarg, vn->spid);
  st->mode = synth_mode(vn);
  st->nlink = S_ISDIR(st->mode) ? 2 : 1;
  if (vn->spid != 0) { /* a process's files are its own */
    st->uid = los_proc.uid;
    st->gid = los_proc.gid;
  }
  st->atime = st->mtime = st->ctime = boot;
}

void synth_generate(const struct vnode *vn, struct sbuf *b)
{
  if (vn->syn->gen != NULL && (vn->syn->kind == SN_FILE || vn->syn->kind == SN_LINK))
    vn->syn->gen(b, vn->sarg, vn->spid);
  sb_put(b, "", 0); /* a buffer even when empty */
}

/* Positions: the static entries by index, then numbered entries at
 * NUM_POS + their number (stable while entries come and go). */
#define NUM_POS (1ULL << 32)

int synth_readdir(const struct vnode *dir, uint64_t *pos, char name[256], uint64_t *ino,
                  uint8_t *dtype)
{
  const struct snode *k = kids_of(dir->syn);
  struct vnode vn = {0};
  uint32_t num;

  for (uint64_t i = 0; k != NULL && k[i].name != NULL && *pos < NUM_POS; i++) {
    if (i == *pos) {
      vn.syn = &k[i];
      memcpy(name, k[i].name, strlen(k[i].name) + 1);
      *ino = synth_ino(&k[i], k[i].arg, dir->spid);
      *dtype = (uint8_t)(synth_mode(&vn) >> 12);
      (*pos)++;
      return 1;
    }
  }
  if (num_node(dir->syn) == NULL)
    return 0;
  num = num_next(dir, *pos < NUM_POS ? 0 : (uint32_t)(*pos - NUM_POS));
  if (num == 0)
    return 0;
  num_vnode(dir, num, &vn);
  los_snprintf(name, 256, "%u", is_fd_dir(dir->syn) ? num - 1 : num);
  *ino = synth_ino(vn.syn, vn.sarg, vn.spid);
  *dtype = (uint8_t)(synth_mode(&vn) >> 12);
  *pos = NUM_POS + num + 1;
  return 1;
}

struct los_file *synth_magic(const struct vnode *vn)
{
  struct los_file *f = vn->syn == &fd_link ? fd_get((int)vn->sarg) : NULL;
  return f != NULL && f->type == LF_STDIO ? f : NULL;
}

uint32_t synth_ncpus(void)
{
  return 1;
}

uint64_t synth_mem_free(void)
{
  return los_mm_pool_size() - los_mm_mapped();
}

uint64_t synth_mem_used(void)
{
  return los_shared->boot.ram_size - synth_mem_free();
}

struct synth_times synth_times(void)
{
  struct synth_times t;
  t.up = los_time_monotonic_ns() - los_proc.start_mono_ns;
  t.idle = LOS_MIN(los_idle_ns, t.up);
  t.busy = t.up - t.idle;
  return t;
}
