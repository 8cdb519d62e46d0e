/* Container cgroups: one interface over cgroup v1 (also the hybrid layout)
 * and cgroup v2, always driven through cgroupfs (no systemd D-Bus). */
#ifndef HACHER_CGROUP_H
#define HACHER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../common/error.h"
#include "../oci-spec/config.h"

#define HACHER_CGROUP_ROOT "/sys/fs/cgroup"

/* The container's directory in one hierarchy. */
struct hacher_cgroup_dir {
  char *name;  /* v1: the mount's directory ("memory", "cpu,cpuacct", "systemd"); "" for cgroup2 */
  char *mount; /* hierarchy root; NULL when loaded from the state */
  char *path;  /* the container's directory */
  char *made;  /* topmost directory create() made (removed on rollback); NULL if none */
};

struct hacher_cgroup {
  int version; /* 1: v1 controllers (a hybrid host's cgroup2 is joined only); 2: unified */
  char *path;  /* cgroupfs path: "/hacher/ID", "/a.slice/a-b.slice/x-ID.scope", or relative */
  struct hacher_cgroup_dir *dirs;
  size_t ndirs;
  void (*on_mkdir)(const char *dir, void *arg);
  void *on_mkdir_arg;
};

/* Where the hierarchies are. Everything NULL means this host. */
struct hacher_cgroup_host {
  const char *root; /* mount root, default HACHER_CGROUP_ROOT */
  const char *self; /* /proc/self/cgroup text (for relative paths); NULL: read it */
  /* Unit tests: called after each mkdir, to play the kernel's part. */
  void (*on_mkdir)(const char *dir, void *arg);
  void *on_mkdir_arg;
};

/* The cgroupfs path for linux.cgroupsPath (NULL or "" for the default
 * "/hacher/ID"). With systemd, "slice:prefix:name" becomes the path systemd
 * would use; without it such a path is an error. ".." is refused. */
int hacher_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char **out,
                       hacher_error_t *err);

/* Resolve path on every hierarchy of the host (nothing is created). */
int hacher_cgroup_open(const struct hacher_cgroup_host *host, const char *path,
                       struct hacher_cgroup **out, hacher_error_t *err);

/* Create the directories and apply r. On failure, whatever it made is removed. */
int hacher_cgroup_create(struct hacher_cgroup *cg, const struct oci_resources *r,
                         hacher_error_t *err);

/* Apply r to an existing cgroup (`update`); unset fields stay as they are. */
int hacher_cgroup_update(const struct hacher_cgroup *cg, const struct oci_resources *r,
                         hacher_error_t *err);

/* Move pid into the cgroup in every hierarchy. */
int hacher_cgroup_join(const struct hacher_cgroup *cg, pid_t pid, hacher_error_t *err);

/* Freeze (and wait until frozen) or thaw; a no-op without a freezer. */
int hacher_cgroup_freeze(const struct hacher_cgroup *cg, bool frozen, hacher_error_t *err);

/* The pids in the cgroup (and below), or NULL with *n = 0 when it is gone.
 * Caller frees. */
pid_t *hacher_cgroup_pids(const struct hacher_cgroup *cg, size_t *n);

/* Remove the container's directories (and any below them); a missing one is
 * not an error. */
int hacher_cgroup_remove(const struct hacher_cgroup *cg, hacher_error_t *err);

/* Undo create(): remove the container's directories and the parents it made.
 * Best effort. */
void hacher_cgroup_rollback(struct hacher_cgroup *cg);

/* state.json: the "cgroup" member's value. */
void hacher_cgroup_gen(const struct hacher_cgroup *cg, yajl_gen g);
int hacher_cgroup_from_tree(yajl_val v, struct hacher_cgroup **out);

void hacher_cgroup_free(struct hacher_cgroup *cg);

/* cpu.shares (v1) to cpu.weight (v2), as runc and crun convert it. */
unsigned long long hacher_cgroup_shares_to_weight(unsigned long long shares);

/* OCI memory.swap (memory + swap) to the value of memory.swap.max (swap
 * alone), as runc converts it: "max", a number, or NULL to leave the file
 * alone. Caller frees. */
int hacher_cgroup_swap_v2(int64_t swap, int64_t memory, char **value, hacher_error_t *err);

#endif
