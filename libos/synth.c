/* The synthetic file system mechanism: lookups, attributes, listings and
 * generated content over the static node trees of procfs.c and sysfs.c. */
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

/* /proc/1/fd/N: a link to what the fd names. */
static void gen_fd_link(struct sbuf *b, uint32_t fd)
{
  static char buf[LOS_PATH_MAX];
  int n = los_fd_describe((int)fd, buf, sizeof(buf));
  if (n > 0)
    sb_put(b, buf, (size_t)n);
}

static const struct snode fd_link = {"", SN_LINK, 0700, 0, gen_fd_link, NULL};

static const struct snode *kids_of(const struct snode *n)
{
  return n->kind == SN_CGROUP ? los_cgroup_kids() : n->kids;
}

struct vnode synth_root(const struct snode *root, bool writable)
{
  struct vnode vn = VNODE(NULL, LOS_NO_NID, writable);
  vn.mnt = true;
  vn.syn = root;
  vn.sarg = root->arg;
  return vn;
}

int synth_lookup(const struct vnode *dir, const char *name, size_t len, struct vnode *out)
{
  const struct snode *n = dir->syn, *k;
  uint32_t fd = 0;

  *out = VNODE(NULL, LOS_NO_NID, dir->writable);
  if (n->kind == SN_FDDIR) {
    if (len == 0 || len > 4 || (len > 1 && name[0] == '0'))
      return -ENOENT;
    for (size_t i = 0; i < len; i++) {
      if (name[i] < '0' || name[i] > '9')
        return -ENOENT;
      fd = fd * 10 + (uint32_t)(name[i] - '0');
    }
    if (fd_get((int)fd) == NULL)
      return -ENOENT;
    out->syn = &fd_link;
    out->sarg = fd;
    return 0;
  }
  for (k = kids_of(n); k != NULL && k->name != NULL; k++) {
    if (strnlen(k->name, len + 1) == len && memcmp(k->name, name, len) == 0) {
      out->syn = k;
      out->sarg = k->arg;
      return 0;
    }
  }
  return -ENOENT;
}

uint32_t synth_mode(const struct vnode *vn)
{
  uint16_t kind = vn->syn->kind;
  return (kind == SN_FILE ? S_IFREG : kind == SN_LINK ? S_IFLNK : S_IFDIR) | vn->syn->perm;
}

/* Stable per node and argument: node addresses are fixed in the LibOS image. */
static uint64_t synth_ino(const struct snode *n, uint32_t arg)
{
  return (1ULL << 44) | (((uint64_t)n & 0xffffffffULL) << 10) | (arg & 1023);
}

void synth_stat(const struct vnode *vn, struct los_kstat *st)
{
  struct los_ts boot = {(int64_t)(los_proc.start_real_ns / 1000000000ULL),
                        (int64_t)(los_proc.start_real_ns % 1000000000ULL)};

  memset(st, 0, sizeof(*st));
  st->ino = synth_ino(vn->syn, vn->sarg);
  st->mode = synth_mode(vn);
  st->nlink = S_ISDIR(st->mode) ? 2 : 1;
  st->atime = st->mtime = st->ctime = boot;
}

void synth_generate(const struct vnode *vn, struct sbuf *b)
{
  if (vn->syn->gen != NULL && (vn->syn->kind == SN_FILE || vn->syn->kind == SN_LINK))
    vn->syn->gen(b, vn->sarg);
  sb_put(b, "", 0); /* a buffer even when empty */
}

int synth_readdir(const struct vnode *dir, uint64_t *pos, char name[256], uint64_t *ino,
                  uint8_t *dtype)
{
  const struct snode *k;
  uint64_t i;

  if (dir->syn->kind == SN_FDDIR) {
    for (; *pos < LOS_MAX_FDS; (*pos)++) {
      if (fd_get((int)*pos) != NULL) {
        los_snprintf(name, 256, "%u", (unsigned)*pos);
        *ino = synth_ino(&fd_link, (uint32_t)*pos);
        *dtype = S_IFLNK >> 12;
        (*pos)++;
        return 1;
      }
    }
    return 0;
  }
  k = kids_of(dir->syn);
  for (i = 0; k != NULL && k[i].name != NULL; i++) {
    if (i == *pos) {
      struct vnode vn = {.syn = &k[i]};
      memcpy(name, k[i].name, strlen(k[i].name) + 1);
      *ino = synth_ino(&k[i], k[i].arg);
      *dtype = (uint8_t)(synth_mode(&vn) >> 12);
      (*pos)++;
      return 1;
    }
  }
  return 0;
}

struct los_file *synth_magic(const struct vnode *vn)
{
  struct los_file *f = vn->syn == &fd_link ? fd_get((int)vn->sarg) : NULL;
  return f != NULL && f->type == LF_STDIO ? f : NULL;
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
