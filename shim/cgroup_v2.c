/* cgroup v2 backend: one unified hierarchy; a controller is usable in a
 * cgroup once every ancestor enables it in cgroup.subtree_control. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "cgroup_backend.h"

/* Enable in dir's children every controller dir has (as runc does): all at
 * once, else one by one; what cannot be enabled shows up when a limit that
 * needs it is written. */
static void enable_all(const char *dir)
{
  cleanup_free char *avail = NULL, *all = NULL;
  hacher_error_t e = NULL;
  char *save = NULL;

  if (cg_read(dir, "cgroup.controllers", &avail, &e) < 0 || *avail == '\0') {
    hacher_error_release(&e);
    return;
  }
  all = xmalloc(2 * strlen(avail) + 2);
  all[0] = '\0';
  for (char *c = strtok_r(avail, " ", &save); c; c = strtok_r(NULL, " ", &save))
    sprintf(all + strlen(all), "%s+%s", *all ? " " : "", c);
  if (cg_write(dir, "cgroup.subtree_control", all, &e) == 0)
    return;
  hacher_error_release(&e);
  for (char *c = strtok_r(all, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    cg_write(dir, "cgroup.subtree_control", c, &e);
    hacher_error_release(&e);
  }
}

static int v2_prepare(const struct hacher_cgroup *cg, hacher_error_t *err)
{
  const struct hacher_cgroup_dir *d = &cg->dirs[0];
  cleanup_free char *p = xstrdup(d->path);
  size_t mount_len = strlen(d->mount);

  /* the mount itself, then every ancestor of the leaf below it */
  for (char *s = p + mount_len;; s++) {
    char c = *s;
    if (c != '/' && c != '\0')
      continue;
    if (c == '\0')
      return 0;
    *s = '\0';
    enable_all(p);
    *s = c;
  }
}

/* A limit for controller ctl needs ctl in the cgroup's cgroup.controllers. */
static int need(const struct hacher_cgroup *cg, const char *ctl, hacher_error_t *err)
{
  cleanup_free char *avail = NULL, *padded = NULL, *word = xasprintf(" %s ", ctl);

  if (cg_read(cg->dirs[0].path, "cgroup.controllers", &avail, err) < 0)
    return -1;
  padded = xasprintf(" %s ", avail);
  if (strstr(padded, word) != NULL)
    return 0;
  return hacher_error(err, 0, "cgroup \"%s\": the %s controller is not available (%s/%s: \"%s\")",
                      cg->path, ctl, cg->dirs[0].path, "cgroup.controllers", avail);
}

/* -1 is "max"; other values as they are. */
static int write_limit(const char *dir, const char *file, int64_t v, hacher_error_t *err)
{
  return v == -1 ? cg_write(dir, file, "max", err) : cg_write_i64(dir, file, v, err);
}

/* The current memory.max, for a swap update that comes without a memory limit. */
static int current_memory(const char *dir, int64_t *out, hacher_error_t *err)
{
  cleanup_free char *cur = NULL;

  if (cg_read(dir, "memory.max", &cur, err) < 0)
    return -1;
  *out = strcmp(cur, "max") == 0 ? -1 : (int64_t)strtoll(cur, NULL, 10);
  return 0;
}

static int v2_memory(const struct hacher_cgroup *cg, const struct oci_resources *r,
                     hacher_error_t *err)
{
  int64_t mem = r->has_memory_limit ? r->memory_limit : 0;
  int64_t swap = r->has_memory_swap ? r->memory_swap : 0;
  int64_t res = r->has_memory_reservation ? r->memory_reservation : 0, base = mem;
  const char *dir = cg->dirs[0].path;
  cleanup_free char *swap_max = NULL;

  if (mem == 0 && swap == 0 && res == 0)
    return 0;
  if (need(cg, "memory", err) < 0)
    return -1;
  if (swap != 0 && mem == 0 && current_memory(dir, &base, err) < 0)
    return -1;
  if (hacher_cgroup_swap_v2(swap, base, &swap_max, err) < 0)
    return -1;
  /* without swap accounting, "max" and "0" are what the host has anyway */
  if (swap_max != NULL && cg_write(dir, "memory.swap.max", swap_max, err) < 0) {
    if ((*err)->status != ENOENT || (strcmp(swap_max, "max") != 0 && strcmp(swap_max, "0") != 0))
      return -1;
    hacher_error_release(err);
  }
  if (mem != 0 && write_limit(dir, "memory.max", mem, err) < 0)
    return -1;
  return res == 0 ? 0 : write_limit(dir, "memory.low", res, err);
}

/* cpu.max holds "QUOTA PERIOD": a value not given keeps its current one. */
static int v2_cpu_max(const char *dir, const struct oci_resources *r, hacher_error_t *err)
{
  cleanup_free char *cur = NULL, *val = NULL;
  char quota[32] = "max";
  uint64_t period = 100000;

  if (cg_read(dir, "cpu.max", &cur, err) < 0)
    return -1;
  sscanf(cur, "%31s %" SCNu64, quota, &period);
  if (r->has_cpu_quota && r->cpu_quota > 0)
    snprintf(quota, sizeof(quota), "%lld", (long long)r->cpu_quota);
  else if (r->has_cpu_quota && r->cpu_quota < 0)
    strcpy(quota, "max");
  if (r->has_cpu_period && r->cpu_period != 0)
    period = r->cpu_period;
  val = xasprintf("%s %" PRIu64, quota, period);
  return cg_write(dir, "cpu.max", val, err);
}

static int v2_cpu(const struct hacher_cgroup *cg, const struct oci_resources *r,
                  hacher_error_t *err)
{
  uint64_t shares = r->has_cpu_shares ? r->cpu_shares : 0;
  bool max = (r->has_cpu_quota && r->cpu_quota != 0) || (r->has_cpu_period && r->cpu_period != 0);
  const char *dir = cg->dirs[0].path;

  if (shares == 0 && !max)
    return 0;
  if (need(cg, "cpu", err) < 0)
    return -1;
  if (shares != 0 &&
      cg_write_i64(dir, "cpu.weight", (int64_t)hacher_cgroup_shares_to_weight(shares), err) < 0)
    return -1;
  return max ? v2_cpu_max(dir, r, err) : 0;
}

static int v2_cpuset(const struct hacher_cgroup *cg, const struct oci_resources *r,
                     hacher_error_t *err)
{
  bool cpus = r->cpuset_cpus && *r->cpuset_cpus, mems = r->cpuset_mems && *r->cpuset_mems;
  const char *dir = cg->dirs[0].path;

  if (!cpus && !mems)
    return 0;
  if (need(cg, "cpuset", err) < 0)
    return -1;
  if (cpus && cg_write(dir, "cpuset.cpus", r->cpuset_cpus, err) < 0)
    return -1;
  if (mems && cg_write(dir, "cpuset.mems", r->cpuset_mems, err) < 0)
    return -1;
  return 0;
}

static int v2_pids(const struct hacher_cgroup *cg, const struct oci_resources *r,
                   hacher_error_t *err)
{
  if (!r->has_pids_limit || r->pids_limit == 0)
    return 0;
  if (need(cg, "pids", err) < 0)
    return -1;
  return write_limit(cg->dirs[0].path, "pids.max", r->pids_limit < 0 ? -1 : r->pids_limit, err);
}

static int v2_set(const struct hacher_cgroup *cg, const struct oci_resources *r,
                  hacher_error_t *err)
{
  if (v2_memory(cg, r, err) < 0 || v2_cpu(cg, r, err) < 0 || v2_cpuset(cg, r, err) < 0 ||
      v2_pids(cg, r, err) < 0)
    return -1;
  return 0;
}

/* cgroup.freeze asks; cgroup.events says "frozen 1" once every task stopped. */
static bool events_frozen(const char *dir)
{
  cleanup_free char *ev = NULL;
  hacher_error_t e = NULL;
  const char *p;

  if (cg_read(dir, "cgroup.events", &ev, &e) < 0) {
    hacher_error_release(&e);
    return false;
  }
  p = strstr(ev, "frozen ");
  return p != NULL && (p == ev || p[-1] == '\n') && p[7] == '1';
}

static int v2_freeze(const struct hacher_cgroup *cg, bool frozen, hacher_error_t *err)
{
  const char *dir = cg->dirs[0].path;

  if (!cg_exists(dir, "cgroup.freeze")) /* before Linux 5.2: the vCPU stop alone */
    return 0;
  if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  for (int i = 0; frozen && i < 1000; i++) {
    if (events_frozen(dir))
      return 0;
    cg_sleep_ms(i < 10 ? 1 : 10);
  }
  if (!frozen)
    return 0;
  cg_write(dir, "cgroup.freeze", "0", NULL);
  return hacher_error(err, 0, "cgroup: \"%s\" not frozen after 10 s (cgroup.events)", dir);
}

const struct cg_backend cg_v2 = {v2_prepare, v2_set, v2_freeze};
