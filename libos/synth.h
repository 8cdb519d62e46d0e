/* Synthetic read-only file systems (/proc, /sys, the cgroup view): static
 * trees of nodes whose file contents and link targets are generated from
 * LibOS state when opened, like Linux's seq files. */
#ifndef LOS_SYNTH_H
#define LOS_SYNTH_H

#include "vfs.h"

/* A growable text buffer on the LibOS heap; `oom` is set when it could not grow. */
struct sbuf {
  char *buf;
  uint64_t len, cap;
  bool oom;
};

void sb_put(struct sbuf *b, const char *s, size_t len);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s left-justified in a column of width characters. */
void sb_col(struct sbuf *b, const char *s, int width);

enum snode_kind {
  SN_FILE,   /* content from gen */
  SN_LINK,   /* target from gen */
  SN_DIR,    /* entries in kids */
  SN_FDDIR,  /* entries are the process's open fds: links named by number */
  SN_FDINFO, /* entries are the process's open fds: files named by number */
  SN_CGROUP, /* entries are the cgroup view's (v1 or v2, from the boot block) */
  SN_PIDS,   /* entries in kids, then a los_procfs_pid directory per process */
  SN_TASKS,  /* a los_procfs_tid directory per thread of the process */
};

/* A node's generator gets the node's arg and the process it belongs to (the
 * pid of the /proc/PID or /proc/PID/task/TID above it; 0 outside those). */
struct snode {
  const char *name;
  uint16_t kind; /* enum snode_kind */
  uint16_t perm; /* permission bits */
  uint32_t arg;  /* passed to gen */
  void (*gen)(struct sbuf *b, uint32_t arg, uint32_t pid);
  const struct snode *kids; /* SN_DIR and SN_PIDS entries, ended by a NULL name */
};

/* Table entries. */
#define SYN_FILE(name, perm, arg, gen)                                                             \
  {                                                                                                \
    name, SN_FILE, perm, arg, gen, NULL                                                            \
  }
#define SYN_LINK(name, arg, gen)                                                                   \
  {                                                                                                \
    name, SN_LINK, 0777, arg, gen, NULL                                                            \
  }
#define SYN_DIR(name, perm, kids)                                                                  \
  {                                                                                                \
    name, SN_DIR, perm, 0, NULL, kids                                                              \
  }
#define SYN_END                                                                                    \
  {                                                                                                \
    0                                                                                              \
  }

/* Memory as the LibOS accounts it: the pool not mapped is free; the rest of
 * guest RAM (boot structures, LibOS image, mapped ranges) is used. */
uint64_t synth_mem_free(void);
uint64_t synth_mem_used(void);
/* Time since the function started, and the part of it spent running. */
struct synth_times {
  uint64_t up, busy, idle;
};
struct synth_times synth_times(void);

/* A mount's id in mountinfo and fdinfo: its index in the mount table + 20. */
#define SYNTH_MOUNT_ID(i) (20 + (i))

/* The CPUs the trustlet has (numbered from 0): one vCPU today. */
uint32_t synth_ncpus(void);

/* The processes /proc shows, by pid; today only the function (pid 1, one
 * thread). The process table will answer these (procfs.c). */
uint32_t synth_self_pid(void);
uint32_t synth_self_tid(void);
/* The lowest pid >= from that exists, or 0. */
uint32_t synth_pid_next(uint32_t from);
/* The lowest thread id >= from of process pid, or 0. */
uint32_t synth_tid_next(uint32_t pid, uint32_t from);

/* Roots, for the mount types that have one (procfs.c, sysfs.c). */
extern const struct snode los_procfs_root, los_sysfs_root, los_cgroupfs_root;
/* /proc/PID and /proc/PID/task/TID (procfs.c). */
extern const struct snode los_procfs_pid, los_procfs_tid;
/* The cgroup view's root entries for the boot block's view (sysfs.c). */
const struct snode *los_cgroup_kids(void);
/* v1 controllers, NULL-terminated; hierarchy id i + 1 (sysfs.c). */
extern const char *const los_cgroup_v1[];
bool los_cgroup_is_v1(void);

/* The vnode of synthetic directory root `root`, writable as given. */
struct vnode synth_root(const struct snode *root, bool writable);
int synth_lookup(const struct vnode *dir, const char *name, size_t len, struct vnode *out);
uint32_t synth_mode(const struct vnode *vn);
void synth_stat(const struct vnode *vn, struct los_kstat *st);
/* Content of a file or target of a link into b (b->oom on failure). */
void synth_generate(const struct vnode *vn, struct sbuf *b);
/* Entry *pos of a directory: 1 and the entry, 0 at the end. */
int synth_readdir(const struct vnode *dir, uint64_t *pos, char name[256], uint64_t *ino,
                  uint8_t *dtype);
/* The stdio file a /proc/PID/fd link names (followed by reopening), or NULL. */
struct los_file *synth_magic(const struct vnode *vn);

#endif
