/* The mount table and what the mounts blob holds: copied files and
 * directories, the LibOS's own file systems (/proc, /sys, the cgroup view,
 * devpts, mqueue), and the masked and read-only paths. */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "memfs.h"
#include "synth.h"
#include "vfs_int.h"

/* The mount table, in mount order (for /proc/self/mountinfo and statfs). */
static struct los_mount *mounts;
static uint32_t nmounts, cap_mounts;

/* linux.maskedPaths and readonlyPaths, canonical; checked at each step of a walk. */
struct path_rule {
  char *path;
  size_t len;
  bool masked;
};
static struct path_rule *rules;
static uint32_t nrules;
static struct mnode *masked_dir;

static void record_mount(const char *path, const char *fstype, const char *source, const char *opts,
                         bool ro)
{
  if (nmounts == cap_mounts) {
    uint32_t cap = cap_mounts ? cap_mounts * 2 : 16;
    struct los_mount *m = krealloc(mounts, cap * sizeof(*m));
    if (m == NULL)
      los_abort("mounts: out of memory");
    mounts = m;
    cap_mounts = cap;
  }
  mounts[nmounts++] = (struct los_mount){kstrdup(path), fstype, source, opts, ro};
}

const struct los_mount *los_vfs_mount(uint32_t i)
{
  return i < nmounts ? &mounts[i] : NULL;
}

/* True when canonical path p is mount point m or below it. */
static bool path_under(const char *p, const char *m)
{
  size_t n = strlen(m);
  return n == 1 || (strncmp(p, m, n) == 0 && (p[n] == '\0' || p[n] == '/'));
}

const struct los_mount *los_vfs_mount_of(const char *path)
{
  for (uint32_t i = nmounts; i-- > 0;)
    if (path_under(path, mounts[i].path))
      return &mounts[i];
  return &mounts[0];
}

uint32_t los_vfs_mount_index(const char *path)
{
  return (uint32_t)(los_vfs_mount_of(path) - mounts);
}

void vfs_mounts_init(bool readonly_root)
{
  /* what a masked directory shows: an empty read-only directory */
  masked_dir = vfs_root_node(S_IFDIR | 0555);
  masked_dir->opaque = masked_dir->mount = masked_dir->mount_ro = true;
  masked_dir->refs = 1;
  record_mount("/", "overlay", "overlay", NULL, readonly_root);
  record_mount("/dev", "tmpfs", "tmpfs", NULL, readonly_root); /* not a mount of its own */
  record_mount("/tmp", "tmpfs", "tmpfs", NULL, false);
}

/* maskedPaths and readonlyPaths, by canonical path: a masked file is
 * /dev/null, a masked directory an empty read-only one (what runc mounts
 * there); both, and read-only paths, are mount points. */
void vfs_apply_rules(const char *path, size_t len, struct vnode *vn)
{
  for (uint32_t i = 0; i < nrules; i++) {
    if (rules[i].len != len || memcmp(rules[i].path, path, len) != 0)
      continue;
    if (!rules[i].masked)
      vn->writable = false;
    else if (vfs_is_dir(vn))
      *vn = VNODE(masked_dir, LOS_NO_NID, false);
    else
      *vn = VNODE(vfs_dev_null, LOS_NO_NID, false);
    vn->mnt = true;
  }
}

/* The file systems the LibOS provides, by mount type. */
static const struct {
  const char *type;
  const struct snode *root; /* NULL: an empty directory */
  uint32_t perm;
} special_fs[] = {
    {"proc", &los_procfs_root, 0555},
    {"sysfs", &los_sysfs_root, 0555},
    {"cgroup", &los_cgroupfs_root, 0755},
    {"cgroup2", &los_cgroupfs_root, 0755},
    {"devpts", NULL, 0755},
    {"mqueue", NULL, 01777},
};

/* The cgroup view as mounts: v2 is one cgroup2 mount; v1 a tmpfs with one
 * cgroup mount per controller, as runc sets it up. */
static void record_cgroup(const char *path, bool ro)
{
  static char sub[LOS_PATH_MAX];

  if (!los_cgroup_is_v1()) {
    record_mount(path, "cgroup2", "cgroup2", NULL, ro);
    return;
  }
  record_mount(path, "tmpfs", "tmpfs", NULL, ro);
  for (size_t i = 0; los_cgroup_v1[i] != NULL; i++) {
    los_snprintf(sub, sizeof(sub), "%s/%s", path, los_cgroup_v1[i]);
    record_mount(sub, "cgroup", "cgroup", los_cgroup_v1[i], ro);
  }
}

/* Mount the LibOS's file system `type` at path (parent part: slash bytes). */
static int add_special(const char *path, size_t slash, const char *type, bool ro)
{
  static struct vres r;
  struct vnode parent;
  size_t i;
  int rc;

  for (i = 0; i < LOS_ARRAY_SIZE(special_fs) && strcmp(special_fs[i].type, type) != 0; i++)
    ;
  if (i == LOS_ARRAY_SIZE(special_fs))
    return -EINVAL;
  bool cgroup = special_fs[i].root == &los_cgroupfs_root;
  /* a sysfs mount already shows the cgroup view there */
  if (cgroup && vfs_resolve(AT_FDCWD, path, VFS_FOLLOW, &r) == 0 && r.exists &&
      r.node.syn != NULL && r.node.syn->kind == SN_CGROUP) {
    record_cgroup(r.path, ro);
    return 0;
  }
  if ((rc = vfs_mkdir_upper(path, slash, &parent)) < 0)
    return rc;
  struct mnode *n = vfs_root_node(S_IFDIR | special_fs[i].perm);
  n->opaque = n->mount = true;
  n->mount_ro = ro || special_fs[i].root == NULL; /* nothing can be created in devpts, mqueue */
  n->syn = special_fs[i].root;
  /* a devpts mount shows the container's terminal, as runc's does */
  if (strcmp(type, "devpts") == 0) {
    vfs_devpts = n;
    if (los_tty_node() != NULL && (rc = mnode_link(n, "0", los_tty_node())) < 0)
      return rc;
  }
  if ((rc = mnode_link(parent.up, path + slash, n)) < 0 ||
      (rc = vfs_resolve(AT_FDCWD, path, 0, &r)) < 0)
    return rc;
  if (cgroup)
    record_cgroup(r.path, ro);
  else
    record_mount(r.path, special_fs[i].type, special_fs[i].type, NULL, ro);
  return 0;
}

static void set_attrs(struct mnode *n, const struct tl_mount_entry *e)
{
  n->mode = (n->mode & S_IFMT) | (e->mode & 07777);
  n->uid = e->uid;
  n->gid = e->gid;
  n->mtime = n->ctime = (struct los_ts){e->mtime_sec, e->mtime_nsec};
}

/* An entry of the rootfs's upper layer (its lower layers are the image),
 * applied as overlayfs merges an upper layer. Entries come parents first. */
static int add_layer_entry(const struct tl_mount_entry *e, const char *path, size_t slash,
                           const uint8_t *data)
{
  static const uint32_t kind_mode[] = {0, S_IFREG, S_IFDIR, S_IFLNK};
  struct vnode parent, dir;
  struct mnode *n;
  int rc;

  if (e->kind != TL_MOUNT_WHITEOUT && e->kind > TL_MOUNT_SYMLINK)
    return -EINVAL;
  if ((rc = vfs_mkdir_upper(path, slash, &parent)) < 0)
    return rc;
  if (e->kind == TL_MOUNT_DIR) {
    rc = vfs_mkdir_upper(path, strlen(path), &dir);
    if (rc == -ENOTDIR) { /* a directory replacing an image file */
      n = vfs_root_node(S_IFDIR);
      if ((rc = mnode_link(parent.up, path + slash, n)) < 0)
        return rc;
      n->opaque = true;
    } else if (rc < 0) {
      return rc;
    } else {
      n = dir.up;
    }
    set_attrs(n, e);
    if (e->flags & TL_MOUNT_OPAQUE)
      n->opaque = true;
    return 0;
  }
  n = vfs_root_node(e->kind == TL_MOUNT_WHITEOUT ? S_IFCHR : kind_mode[e->kind]);
  if (e->kind == TL_MOUNT_WHITEOUT) {
    n->whiteout = true;
  } else {
    if (e->data_len > 0 && mnode_reserve(n, e->data_len) < 0)
      return -ENOMEM;
    if (e->data_len > 0)
      memcpy(n->data, data, e->data_len);
    n->size = e->data_len;
    set_attrs(n, e);
  }
  return mnode_link(parent.up, path + slash, n);
}

static int add_mount_entry(const struct tl_mount_entry *e, const char *path, const uint8_t *data)
{
  static const uint32_t kind_mode[] = {0, S_IFREG, S_IFDIR, S_IFLNK, S_IFDIR};
  static struct vres r;
  size_t len = strlen(path), slash = len;
  bool ro = (e->flags & TL_MOUNT_RO) != 0;
  struct vnode parent;
  struct mnode *n;
  int rc;

  while (slash > 0 && path[slash - 1] != '/')
    slash--;
  if (slash == 0 || slash == len || len - slash >= 256 || e->kind == 0)
    return -EINVAL;
  if (e->flags & TL_MOUNT_LAYER)
    return add_layer_entry(e, path, slash, data);
  if (e->kind > TL_MOUNT_SPECIAL)
    return -EINVAL;
  if (e->kind == TL_MOUNT_SPECIAL) {
    char type[16];
    if (e->data_len == 0 || e->data_len >= sizeof(type))
      return -EINVAL;
    memcpy(type, data, e->data_len);
    type[e->data_len] = '\0';
    return add_special(path, slash, type, ro);
  }
  if ((rc = vfs_mkdir_upper(path, slash, &parent)) < 0)
    return rc;
  n = mnode_new(kind_mode[e->kind] | (e->mode & 07777));
  if (n == NULL || (e->data_len > 0 && mnode_reserve(n, e->data_len) < 0))
    return -ENOMEM;
  if (e->data_len > 0)
    memcpy(n->data, data, e->data_len);
  n->size = e->data_len;
  n->uid = e->uid;
  n->gid = e->gid;
  n->mtime = n->ctime = (struct los_ts){e->mtime_sec, e->mtime_nsec};
  n->opaque = S_ISDIR(n->mode);
  n->mount = (e->flags & TL_MOUNT_ROOT) != 0;
  n->mount_ro = ro;
  if ((rc = mnode_link(parent.up, path + slash, n)) < 0 || !n->mount)
    return rc;
  /* copies live in memory: tmpfs is what they are inside */
  if ((rc = vfs_resolve(AT_FDCWD, path, 0, &r)) < 0)
    return rc;
  record_mount(r.path, "tmpfs", e->kind == TL_MOUNT_TMPFS ? "tmpfs" : "none", NULL, ro);
  return 0;
}

/* A masked or read-only path; paths that do not exist are left alone, as runc does. */
static int add_rule(const char *path, bool masked)
{
  static struct vres r;
  struct path_rule *nr;

  if (vfs_resolve(AT_FDCWD, path, VFS_FOLLOW, &r) < 0 || !r.exists || r.magic != NULL)
    return 0;
  if ((nr = krealloc(rules, (nrules + 1) * sizeof(*rules))) == NULL)
    return -ENOMEM;
  rules = nr;
  rules[nrules++] = (struct path_rule){kstrdup(r.path), strlen(r.path), masked};
  return 0;
}

/* Without a cgroup mount where a sysfs mount shows the view, record one. */
static void record_sysfs_cgroups(void)
{
  static char p[LOS_PATH_MAX];
  uint32_t n = nmounts;

  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(mounts[i].fstype, "sysfs") != 0)
      continue;
    los_snprintf(p, sizeof(p), "%s/fs/cgroup", mounts[i].path);
    if (strcmp(los_vfs_mount_of(p)->path, p) != 0)
      record_cgroup(p, mounts[i].ro);
  }
}

/* Apply the blob's mounts (rules false) or its masked and read-only paths. */
static void walk_blob(const struct tl_boot *b, bool rules_pass)
{
  const uint8_t *p = (const uint8_t *)TL_MOUNTS_GPA;
  const struct tl_mounts *h = (const struct tl_mounts *)p;
  uint64_t off = sizeof(*h);
  static char path[LOS_PATH_MAX];

  if (b->mounts_size == 0)
    return;
  if (b->mounts_size < sizeof(*h) || h->magic != TL_MOUNTS_MAGIC || h->size != b->mounts_size)
    los_abort("mounts: malformed blob from the monitor");
  for (uint32_t i = 0; i < h->count; i++) {
    const struct tl_mount_entry *e = (const struct tl_mount_entry *)(p + off);
    uint64_t need;
    int rc = 0;
    if (off + sizeof(*e) > h->size || e->path_len == 0 || e->path_len >= LOS_PATH_MAX ||
        e->data_len > h->size || e->kind == 0 || e->kind > TL_MOUNT_WHITEOUT)
      los_abort("mounts: entry %u is malformed", i);
    need = LOS_ALIGN_UP(sizeof(*e) + e->path_len + e->data_len, 8);
    if (need > h->size - off)
      los_abort("mounts: entry %u is malformed", i);
    memcpy(path, e + 1, e->path_len);
    path[e->path_len] = '\0';
    for (size_t n = e->path_len; n > 1 && path[n - 1] == '/'; n--)
      path[n - 1] = '\0'; /* "/sys/fs/cgroup/" is "/sys/fs/cgroup" */
    bool rule = e->kind == TL_MOUNT_MASKED || e->kind == TL_MOUNT_READONLY;
    if (rule && rules_pass)
      rc = path[0] == '/' ? add_rule(path, e->kind == TL_MOUNT_MASKED) : -EINVAL;
    else if (!rule && !rules_pass)
      rc = add_mount_entry(e, path, (const uint8_t *)(e + 1) + e->path_len);
    if (rc < 0)
      los_abort("%s \"%s\": cannot be %s in the trustlet (error %d)",
                rule ? (e->kind == TL_MOUNT_MASKED ? "masked path" : "read-only path") : "mount on",
                path, rule ? "applied" : "created", -rc);
    off += need;
  }
}

void los_vfs_add_mounts(const struct tl_boot *b)
{
  bool proc = false;
  int rc;

  walk_blob(b, false);
  for (uint32_t i = 0; i < nmounts; i++)
    proc = proc || strcmp(mounts[i].fstype, "proc") == 0;
  if (!proc && (rc = add_special("/proc", 1, "proc", false)) < 0)
    los_abort("mount on \"/proc\": cannot be created in the trustlet (error %d)", -rc);
  record_sysfs_cgroups();
  if (strcmp(los_vfs_mount_of("/dev/shm")->path, "/dev/shm") != 0) /* the config has none */
    record_mount("/dev/shm", "tmpfs", "shm", NULL, false);
  walk_blob(b, true);
}
