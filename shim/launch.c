/* Turning a container's config into a ready-to-run monitor configuration:
 * image (found or built), mounts, identity, limits. Shared by run and create. */
#include "launch.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "host_process.h"
#include "seccomp_compile.h"

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int hacher_rlimits_convert(const struct oci_config *cfg, struct mon_rlimit *out,
                           hacher_error_t *err)
{
  for (size_t i = 0; i < cfg->rlimits_count; i++) {
    size_t j;
    for (j = 0; j < ARRAY_SIZE(rlimit_names); j++)
      if (strcmp(cfg->rlimits[i].type, rlimit_names[j].name) == 0)
        break;
    if (j == ARRAY_SIZE(rlimit_names))
      return hacher_error(err, 0, "config.json: .process.rlimits[%zu].type: unknown rlimit \"%s\"",
                          i, cfg->rlimits[i].type);
    out[i].resource = (uint32_t)rlimit_names[j].resource;
    out[i].soft = cfg->rlimits[i].soft;
    out[i].hard = cfg->rlimits[i].hard;
  }
  return 0;
}

_Static_assert((int)OCI_CAP_SETS == (int)TL_CAP_SETS &&
                   (int)OCI_CAP_EFFECTIVE == (int)TL_CAP_EFFECTIVE &&
                   (int)OCI_CAP_PERMITTED == (int)TL_CAP_PERMITTED &&
                   (int)OCI_CAP_AMBIENT == (int)TL_CAP_AMBIENT,
               "capability sets are in the same order");

/* Names libcap does not know (a newer kernel's) are skipped with a warning,
 * as runc does. */
static void convert_caps(const struct oci_config *cfg, uint64_t *out)
{
  for (int set = 0; set < OCI_CAP_SETS; set++) {
    out[set] = 0;
    for (size_t i = 0; i < cfg->caps_count[set]; i++) {
      cap_value_t v;
      if (cap_from_name(cfg->caps[set][i], &v) < 0 || v < 0 || v >= 64) {
        log_warn("config.json: .process.capabilities.%s: unknown capability \"%s\" ignored",
                 oci_cap_set_names[set], cfg->caps[set][i]);
        continue;
      }
      out[set] |= 1ULL << v;
    }
  }
}

static uint64_t positive_or(bool has, int64_t v, uint64_t none)
{
  return has && v > 0 ? (uint64_t)v : none;
}

/* The cgroup view follows the host: cgroup2 at /sys/fs/cgroup is the unified
 * hierarchy; anything else (legacy or hybrid) shows v1. The annotation wins. */
static int cgroup_view(const struct oci_config *cfg, uint32_t *view, hacher_error_t *err)
{
  const char *v = oci_config_annotation(cfg, HACHER_CGROUP_VIEW_ANNOTATION);
  struct statfs sf;

  if (v == NULL) {
    *view = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC ? TL_CGROUP_V2
                                                                                   : TL_CGROUP_V1;
    return 0;
  }
  if (strcmp(v, "v1") != 0 && strcmp(v, "v2") != 0)
    return hacher_error(err, 0,
                        "config.json: .annotations[\"%s\"]: expected \"v1\" or \"v2\", got \"%s\"",
                        HACHER_CGROUP_VIEW_ANNOTATION, v);
  *view = v[1] == '1' ? TL_CGROUP_V1 : TL_CGROUP_V2;
  return 0;
}

int hacher_limits_from_config(const struct oci_config *cfg, struct tl_limits *l,
                              hacher_error_t *err)
{
  const struct oci_resources *r = &cfg->resources;

  memset(l, 0, sizeof(*l));
  if (cgroup_view(cfg, &l->cgroup_view, err) < 0)
    return -1;
  l->memory_limit = positive_or(r->has_memory_limit, r->memory_limit, TL_UNLIMITED);
  /* reservation: 0 or absent leaves memory.low at 0; -1 is "max" */
  l->memory_low = !r->has_memory_reservation || r->memory_reservation == 0 ? 0
                  : r->memory_reservation < 0                              ? TL_UNLIMITED
                                              : (uint64_t)r->memory_reservation;
  l->memory_swap = positive_or(r->has_memory_swap, r->memory_swap, TL_UNLIMITED);
  /* the kernel's range for cpu.shares */
  l->cpu_shares = r->has_cpu_shares && r->cpu_shares > 0
                      ? (r->cpu_shares < 2        ? 2
                         : r->cpu_shares > 262144 ? 262144
                                                  : r->cpu_shares)
                      : 0;
  l->cpu_quota = positive_or(r->has_cpu_quota, r->cpu_quota, TL_UNLIMITED);
  l->cpu_period = r->has_cpu_period && r->cpu_period > 0 ? r->cpu_period : 100000;
  l->pids_limit = positive_or(r->has_pids_limit, r->pids_limit, TL_UNLIMITED);
  return 0;
}

int hacher_launch_prepare(struct hacher_global *g, struct hacher_container *c,
                          struct hacher_launch *l, hacher_error_t *err)
{
  const struct oci_config *cfg = c->config;
  struct hacher_image_cache cache = {g->images};
  int built;

  memset(l, 0, sizeof(*l));
  l->rlimits = xmalloc0(sizeof(*l->rlimits) * (cfg->rlimits_count + 1));
  gethostname(l->hostname, sizeof(l->hostname) - 1);
  l->mc = (struct mon_config){
      .id = c->id,
      .ram_size = cfg->resources.has_memory_limit && cfg->resources.memory_limit > 0
                      ? (uint64_t)cfg->resources.memory_limit
                      : 0,
      .argv = cfg->args,
      .argc = cfg->args_count,
      .envp = cfg->env,
      .envc = cfg->env_count,
      .cwd = cfg->cwd,
      /* Without a configured hostname the function sees the node's, as with runc. */
      .hostname = cfg->hostname ? cfg->hostname : l->hostname,
      .uid = cfg->uid,
      .gid = cfg->gid,
      .umask = cfg->has_umask ? cfg->umask : 022,
      .groups = cfg->additional_gids,
      .ngroups = cfg->additional_gids_count,
      .rlimits = l->rlimits,
      .nrlimits = cfg->rlimits_count,
      .readonly_root = cfg->root_readonly,
      .trace = g->debug,
      .stdio = {0, 1, 2},
  };
  convert_caps(cfg, l->mc.caps);
  if (hacher_namespaces_check(cfg, err) < 0) {
    hacher_launch_release(l);
    return -1;
  }
  if (hacher_rlimits_convert(cfg, l->rlimits, err) < 0 ||
      (cfg->seccomp != NULL &&
       hacher_seccomp_compile(cfg->seccomp, &l->policy, &l->mc.policy_size, err) < 0) ||
      hacher_limits_from_config(cfg, &l->mc.limits, err) < 0 ||
      hacher_image_get(&cache, c->rootfs, &l->image, &built, err) < 0)
    goto fail;
  log_debug("image %s for rootfs \"%s\"%s", l->image.root_hex, c->rootfs, built ? " (built)" : "");
  /* an overlay rootfs's upper layer comes first, then the bundle's mounts */
  if (hacher_mounts_collect(cfg, c->bundle, l->image.upper, &l->mounts, err) < 0)
    goto fail;
  l->mc.policy = l->policy;
  l->mc.mounts = l->mounts.data;
  l->mc.mounts_size = l->mounts.size;
  l->mc.image_path = l->image.path;
  l->mc.image_fd = l->image.fd;
  l->mc.image_data_size = l->image.data_size;
  l->mc.image_hash_offset = l->image.hash_offset;
  memcpy(l->mc.image_root, l->image.root, sizeof(l->mc.image_root));
  free(c->image);
  c->image = xstrdup(l->image.root_hex);
  return 0;
fail:
  hacher_launch_release(l);
  return -1;
}

void hacher_launch_release(struct hacher_launch *l)
{
  hacher_image_release(&l->image);
  hacher_mounts_free(&l->mounts);
  free(l->rlimits);
  l->rlimits = NULL;
  free(l->policy);
  l->policy = NULL;
}
