/* cgroup v1 backend: one hierarchy per controller (or per mounted group of
 * controllers); limits go to the controller's own hierarchy. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "cgroup_backend.h"

/* A new cpuset cgroup has no cpus and no mems, and nothing can join it until
 * it has both: copy the parent's into every level that is still empty. */
static int copy_if_empty(const char *dir, const char *file, hacher_error_t *err)
{
  cleanup_free char *cur = NULL, *parent = xstrdup(dir), *val = NULL;

  if (cg_read(dir, file, &cur, err) < 0)
    return -1;
  if (*cur != '\0')
    return 0;
  *strrchr(parent, '/') = '\0';
  if (cg_read(parent, file, &val, err) < 0)
    return -1;
  return cg_write(dir, file, val, err);
}

static int v1_prepare(const struct hacher_cgroup *cg, hacher_error_t *err)
{
  const struct hacher_cgroup_dir *d = cg_v1_find(cg, "cpuset");
  cleanup_free char *p = NULL;

  if (d == NULL)
    return 0;
  p = xstrdup(d->path);
  for (char *s = p + strlen(d->mount) + 1;; s++) {
    char c = *s;
    if (c != '/' && c != '\0')
      continue;
    *s = '\0';
    if (copy_if_empty(p, "cpuset.cpus", err) < 0 || copy_if_empty(p, "cpuset.mems", err) < 0)
      return -1;
    if (c == '\0')
      return 0;
    *s = c;
  }
}

/* The kernel refuses a limit below the usage with EBUSY: say what the usage is. */
static int set_limit(const char *dir, int64_t val, hacher_error_t *err)
{
  cleanup_free char *usage = NULL;
  hacher_error_t ignored = NULL;

  if (val == 0 || cg_write_i64(dir, "memory.limit_in_bytes", val, err) == 0)
    return 0;
  if ((*err)->status != EBUSY || cg_read(dir, "memory.usage_in_bytes", &usage, &ignored) < 0) {
    hacher_error_release(&ignored);
    return -1;
  }
  return hacher_error(err, EBUSY,
                      "cgroup: write \"%lld\" to \"%s/memory.limit_in_bytes\" (the container "
                      "uses %s bytes)",
                      (long long)val, dir, usage);
}

static int set_swap(const char *dir, int64_t val, hacher_error_t *err)
{
  return val == 0 ? 0 : cg_write_i64(dir, "memory.memsw.limit_in_bytes", val, err);
}

/* memory.memsw (memory + swap) must stay >= memory.limit at every step, so
 * the order of the two writes depends on the direction of the change. */
static int v1_memory(const struct hacher_cgroup *cg, const struct oci_resources *r,
                     hacher_error_t *err)
{
  int64_t mem = r->has_memory_limit ? r->memory_limit : 0;
  int64_t swap = r->has_memory_swap ? r->memory_swap : 0;
  int64_t res = r->has_memory_reservation ? r->memory_reservation : 0;
  const struct hacher_cgroup_dir *d;

  if (mem == 0 && swap == 0 && res == 0)
    return 0;
  if ((d = cg_v1_find(cg, "memory")) == NULL)
    return cg_no_controller(cg, "memory", err);
  if (mem == -1 && swap == 0 && cg_exists(d->path, "memory.memsw.limit_in_bytes"))
    swap = -1; /* unlimited memory means unlimited swap too */
  if (mem != 0 && swap != 0) {
    cleanup_free char *cur = NULL;
    if (cg_read(d->path, "memory.limit_in_bytes", &cur, err) < 0)
      return -1;
    if (swap == -1 || strtoull(cur, NULL, 10) < (uint64_t)swap) {
      if (set_swap(d->path, swap, err) < 0 || set_limit(d->path, mem, err) < 0)
        return -1;
      swap = mem = 0;
    }
  }
  if (set_limit(d->path, mem, err) < 0 || set_swap(d->path, swap, err) < 0)
    return -1;
  return res == 0 ? 0 : cg_write_i64(d->path, "memory.soft_limit_in_bytes", res, err);
}

/* The kernel clamps cpu.shares silently; runc reports the clamp. */
static int set_shares(const char *dir, uint64_t shares, hacher_error_t *err)
{
  cleanup_free char *back = NULL;
  uint64_t got;

  if (cg_write_i64(dir, "cpu.shares", (int64_t)shares, err) < 0 ||
      cg_read(dir, "cpu.shares", &back, err) < 0)
    return -1;
  got = strtoull(back, NULL, 10);
  if (got != shares)
    return hacher_error(err, 0, "cgroup: cpu.shares %" PRIu64 ": the %s allowed is %" PRIu64,
                        shares, shares > got ? "maximum" : "minimum", got);
  return 0;
}

/* A smaller period can be refused (EINVAL) while the old quota is in place:
 * then the period is written again after the quota. */
static int v1_cpu(const struct hacher_cgroup *cg, const struct oci_resources *r,
                  hacher_error_t *err)
{
  uint64_t shares = r->has_cpu_shares ? r->cpu_shares : 0;
  uint64_t period = r->has_cpu_period ? r->cpu_period : 0;
  int64_t quota = r->has_cpu_quota ? r->cpu_quota : 0;
  const struct hacher_cgroup_dir *d;
  bool period_later = false;

  if (shares == 0 && period == 0 && quota == 0)
    return 0;
  if ((d = cg_v1_find(cg, "cpu")) == NULL)
    return cg_no_controller(cg, "cpu", err);
  if (shares != 0 && set_shares(d->path, shares, err) < 0)
    return -1;
  if (period != 0 && cg_write_i64(d->path, "cpu.cfs_period_us", (int64_t)period, err) < 0) {
    if ((*err)->status != EINVAL || quota == 0)
      return -1;
    hacher_error_release(err);
    period_later = true;
  }
  if (quota != 0 && cg_write_i64(d->path, "cpu.cfs_quota_us", quota, err) < 0)
    return -1;
  if (period_later && cg_write_i64(d->path, "cpu.cfs_period_us", (int64_t)period, err) < 0)
    return -1;
  return 0;
}

static int v1_cpuset(const struct hacher_cgroup *cg, const struct oci_resources *r,
                     hacher_error_t *err)
{
  bool cpus = r->cpuset_cpus && *r->cpuset_cpus, mems = r->cpuset_mems && *r->cpuset_mems;
  const struct hacher_cgroup_dir *d;

  if (!cpus && !mems)
    return 0;
  if ((d = cg_v1_find(cg, "cpuset")) == NULL)
    return cg_no_controller(cg, "cpuset", err);
  if (cpus && cg_write(d->path, "cpuset.cpus", r->cpuset_cpus, err) < 0)
    return -1;
  if (mems && cg_write(d->path, "cpuset.mems", r->cpuset_mems, err) < 0)
    return -1;
  return 0;
}

/* 0 leaves the limit alone (as runc); a negative limit is "max". */
static int v1_pids(const struct hacher_cgroup *cg, const struct oci_resources *r,
                   hacher_error_t *err)
{
  const struct hacher_cgroup_dir *d;

  if (!r->has_pids_limit || r->pids_limit == 0)
    return 0;
  if ((d = cg_v1_find(cg, "pids")) == NULL)
    return cg_no_controller(cg, "pids", err);
  if (r->pids_limit < 0)
    return cg_write(d->path, "pids.max", "max", err);
  return cg_write_i64(d->path, "pids.max", r->pids_limit, err);
}

static int v1_set(const struct hacher_cgroup *cg, const struct oci_resources *r,
                  hacher_error_t *err)
{
  if (v1_memory(cg, r, err) < 0 || v1_cpu(cg, r, err) < 0 || v1_cpuset(cg, r, err) < 0 ||
      v1_pids(cg, r, err) < 0)
    return -1;
  return 0;
}

/* FROZEN is reached once every task has stopped; a task that was busy can
 * leave the cgroup FREEZING, so the request is repeated while waiting. */
static int v1_freeze(const struct hacher_cgroup *cg, bool frozen, hacher_error_t *err)
{
  const struct hacher_cgroup_dir *d = cg_v1_find(cg, "freezer");
  cleanup_free char *state = NULL;

  if (d == NULL)
    return 0;
  if (!frozen)
    return cg_write(d->path, "freezer.state", "THAWED", err);
  for (int i = 0; i < 1000; i++) {
    free(state);
    state = NULL;
    if ((i % 100 == 0 && cg_write(d->path, "freezer.state", "FROZEN", err) < 0) ||
        cg_read(d->path, "freezer.state", &state, err) < 0)
      return -1;
    if (strcmp(state, "FROZEN") == 0)
      return 0;
    cg_sleep_ms(i < 10 ? 1 : 10);
  }
  cg_write(d->path, "freezer.state", "THAWED", NULL);
  return hacher_error(err, 0, "cgroup: \"%s/freezer.state\" still %s after 10 s", d->path, state);
}

const struct cg_backend cg_v1 = {v1_prepare, v1_set, v1_freeze};
