/* The LibOS file view: the measured image (lower, read-only) merged with an
 * in-memory upper layer; /tmp is always a private in-memory tree, and the
 * whole tree is writable in memory when root.readonly is false. */
#ifndef LOS_VFS_H
#define LOS_VFS_H

#include "erofs.h"
#include "los.h"

#define LOS_PATH_MAX 4096
#define LOS_NO_NID (~0ULL)
#define LOS_MAX_FDS 1024
#define LOS_MAX_FILE_SIZE (1ULL << 40) /* in-memory files */

struct los_ts {
  int64_t sec;
  int64_t nsec;
};

struct mnode;
struct snode; /* a node of a synthetic file system (synth.h) */

struct mdirent {
  char *name;
  struct mnode *node;
};

/* A node of the in-memory upper layer. */
struct mnode {
  uint32_t mode, uid, gid, nlink;
  uint64_t ino, size, rdev;
  struct los_ts atime, mtime, ctime;
  uint32_t refs;           /* open files + parent links */
  bool whiteout;           /* hides the lower entry of the same name */
  bool opaque;             /* directory hides the whole lower directory */
  bool mount;              /* root of a mount (tmpfs, /tmp, host-provided files) */
  bool mount_ro;           /* ... mounted read-only */
  const struct snode *syn; /* mount point of a synthetic file system (its root) */
  char *data;              /* file bytes or symlink target */
  uint64_t cap;
  struct mdirent *ents;
  uint32_t nents, cap_ents;
};

/* An object of the merged view. */
#define VNODE(u, l, w) ((struct vnode){.up = (u), .low = (l), .writable = (w)})
struct vnode {
  struct mnode *up;        /* upper node, or NULL */
  uint64_t low;            /* lower nid, or LOS_NO_NID */
  bool writable;           /* inside a writable tree */
  bool mnt;                /* a mount point, masked or read-only path: cannot be removed */
  const struct snode *syn; /* synthetic node (then up and low are unused), or NULL */
  uint32_t sarg;           /* its argument: the fd of a /proc/PID/fd entry */
  uint32_t spid;           /* the process of a node below /proc/PID (0: none) */
};

struct los_kstat {
  uint64_t ino, nlink, size, rdev, blocks;
  uint32_t mode, uid, gid;
  struct los_ts atime, mtime, ctime;
};

enum los_file_type {
  LF_STDIO,
  LF_REG,
  LF_DIR,
  LF_SYMLINK,
  LF_DEV,
  LF_PIPE, /* I/O objects (iofile.h): ops and priv are set */
  LF_SOCKET,
  LF_EVENTFD,
  LF_TIMERFD,
  LF_EPOLL
};
struct los_file_ops;

/* An open file description. */
struct los_file {
  uint32_t refs;
  uint32_t flags; /* O_ACCMODE | O_APPEND | O_NONBLOCK ... */
  enum los_file_type type;
  int host_fd;
  struct vnode vn;
  struct erofs_inode ino; /* lower inode, when vn.up is NULL */
  uint64_t pos;
  char *path; /* canonical path; NULL for stdio unless it is a terminal
                 (e.g. /dev/pts/0); see los_fd_describe */
  char *data; /* synthetic file: its content, generated at open */
  uint64_t size;
  const struct los_file_ops *ops; /* I/O objects only (iofile.h) */
  void *priv;                     /* ... the object */
  uint64_t obj_ino;
};

/* A mount as /proc/self/mountinfo shows it. */
struct los_mount {
  char *path;         /* canonical mount point */
  const char *fstype; /* "proc", "tmpfs", "cgroup2" ... */
  const char *source;
  const char *opts; /* super block options after rw/ro (a v1 cgroup controller), or NULL */
  bool ro;
};

extern struct erofs_fs los_image;

/* Mount the image with block verification (image.c); aborts start-up when
 * the image does not match its trusted root hash. */
void los_image_mount(const struct tl_boot *b);

/* Mount the verified image and build the upper layer (/tmp, /dev). */
void los_vfs_init(const struct tl_boot *b, bool readonly_root);
/* Add the host-provided mounts the monitor placed at TL_MOUNTS_GPA, the
 * LibOS's own file systems they name (procfs at /proc when none does), then
 * the masked and read-only paths. */
void los_vfs_add_mounts(const struct tl_boot *b);
/* The i-th mount in mount order, or NULL past the end. */
const struct los_mount *los_vfs_mount(uint32_t i);
/* The mount holding canonical path `path` (the last one mounted there). */
const struct los_mount *los_vfs_mount_of(const char *path);
/* Its index in mount order. */
uint32_t los_vfs_mount_index(const char *path);

/* Resolution flags */
#define VFS_FOLLOW 1u /* follow a final symlink */
#define VFS_UPPER 2u  /* copy parent directories up (for writes) */

struct vres {
  bool exists;
  struct vnode node;
  struct vnode parent;
  char name[256];          /* last component */
  char path[LOS_PATH_MAX]; /* canonical absolute path */
  struct los_file *magic;  /* a followed /proc/1/fd link to stdio: that file */
};

/* Resolve `path` relative to dirfd (AT_FDCWD = cwd). 0 or -errno. A missing
 * last component is not an error: res->exists is false. */
int vfs_resolve(int dirfd, const char *path, unsigned flags, struct vres *res);
int vfs_stat(const struct vnode *vn, struct los_kstat *st);
/* An open for the function: the file's permission bits are checked against
 * its identity (the LibOS's own opens, e.g. of the program, are not). Never
 * a Linux open flag: the syscalls clear it from what the function passes. */
#define VFS_O_PERM (1 << 30)
int vfs_open(int dirfd, const char *path, int flags, uint32_t mode, struct los_file **out);
int64_t vfs_read(struct los_file *f, void *buf, uint64_t len, uint64_t off);
int64_t vfs_write(struct los_file *f, const void *buf, uint64_t len, uint64_t off);
int vfs_readlink(const struct vnode *vn, char *buf, uint64_t size);
int vfs_getdents(struct los_file *f, void *buf, uint64_t size);
int vfs_mkdir(int dirfd, const char *path, uint32_t mode);
/* A FIFO, socket or empty regular file node (mode has the type); *out (may
 * be NULL) is the node, owned by its directory. */
int vfs_mknod(int dirfd, const char *path, uint32_t mode, struct mnode **out);
int vfs_unlink(int dirfd, const char *path, bool dir);
/* flags: RENAME_NOREPLACE or RENAME_EXCHANGE */
int vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
               unsigned flags);
int vfs_symlink(const char *target, int dirfd, const char *path);
int vfs_truncate(struct los_file *f, uint64_t len);
/* vfs_ops.c: attribute changes copy the node up and follow Linux's rules
 * for the function's uid, groups and effective capabilities. */
int vfs_chmod(const struct vres *r, uint32_t mode);
/* uid or gid ~0u: unchanged. */
int vfs_chown(const struct vres *r, uint32_t uid, uint32_t gid);
/* Set times (NULL fields keep the old value); now: both are the current
 * time (then write permission is enough). */
int vfs_utimes(const struct vres *r, const struct los_ts *atime, const struct los_ts *mtime,
               bool now);
/* Give an open file of the image an upper node (attribute changes through an fd). */
int vfs_file_copy_up(struct los_file *f);
/* A hard link in the upper layer (an image file is copied up first). */
int vfs_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, bool follow);
/* mknod: regular files only; devices EPERM, FIFOs and sockets EOPNOTSUPP. */
/* fallocate modes 0, FALLOC_FL_KEEP_SIZE and KEEP_SIZE|PUNCH_HOLE. */
int vfs_fallocate(struct los_file *f, int mode, uint64_t off, uint64_t len);
bool vfs_capable(int cap);
bool vfs_in_group(uint32_t gid);
/* 0 when the function may access k for mask (4 read, 2 write, 1 execute)
 * holding caps, else -EACCES. */
int vfs_permission(const struct los_kstat *k, uint32_t mask, uint64_t caps);
int vfs_chdir(const char *path);
const char *vfs_cwd(void);

/* File descriptor table (of the calling process) */
struct los_fdtab;
struct los_fdtab *los_fdtab_new(void);
struct los_fdtab *los_fdtab_dup(const struct los_fdtab *src);
void los_fdtab_get(struct los_fdtab *t);
void los_fdtab_put(struct los_fdtab *t);
void los_fdtab_exec(struct los_fdtab *t); /* close the close-on-exec fds */
int fd_install(struct los_file *f, bool cloexec, int min);
struct los_file *fd_get(int fd);
int fd_close(int fd);
int fd_close_range(unsigned first, unsigned last, bool cx_only);
int fd_dup(int oldfd, int newfd, bool cloexec);
int fd_get_cloexec(int fd);
void fd_set_cloexec(int fd, bool on);
void file_put(struct los_file *f);
struct los_file *file_stdio(int host_fd, uint32_t flags);
/* /dev/pts/0 when stdio is a terminal (process.terminal), else NULL. */
struct mnode *los_tty_node(void);
struct mnode *los_pty_node(uint32_t n);
extern struct mnode *vfs_devpts;
/* stdio of a `hacher exec --tty`: a terminal at node, shown as path. */
struct los_file *file_stdio_pty(int host_fd, struct mnode *node, const char *path);
/* What /proc/1/fd/N shows for fd: the file's path, or "pipe:[N]" for stdio
 * without one. Returns the length (truncated to size - 1), or -EBADF. */
int los_fd_describe(int fd, char *buf, size_t size);

#endif
