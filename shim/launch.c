/* Turning a container's config into a ready-to-run monitor configuration:
 * image (found or built), mounts, identity, limits. Shared by run and create. */
#include "launch.h"

#include <linux/magic.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../monitor/measure.h"
#include "attest.h"
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

/* The trace mode shows the function's data to the host, so it is measured:
 * a bundle's measurement says whether it runs traced. */
static int trace_mode(const struct oci_config *cfg, bool debug, bool *trace, hacher_error_t *err)
{
  const char *v = oci_config_annotation(cfg, HACHER_TRACE_ANNOTATION);

  if (v != NULL && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
    return hacher_error(err, 0,
                        "config.json: .annotations[\"%s\"]: expected \"true\" or \"false\", "
                        "got \"%s\"",
                        HACHER_TRACE_ANNOTATION, v);
  *trace = debug || (v != NULL && strcmp(v, "true") == 0);
  return 0;
}

/* io.hacher.secret.NAME=PATH annotations: the names are measured (policy). */
static int collect_secrets(const struct oci_config *cfg, struct hacher_launch *l,
                           hacher_error_t *err)
{
  size_t plen = strlen(HACHER_SECRET_ANNOTATION);

  l->secret_names = xmalloc0((cfg->annotations_count + 1) * sizeof(char *));
  l->secret_paths = xmalloc0((cfg->annotations_count + 1) * sizeof(char *));
  for (size_t i = 0; i < cfg->annotations_count; i++) {
    const struct oci_kv *a = &cfg->annotations[i];
    if (strncmp(a->key, HACHER_SECRET_ANNOTATION, plen) != 0)
      continue;
    if (!hacher_secret_name_ok(a->key + plen))
      return hacher_error(err, 0,
                          "config.json: .annotations[\"%s\"]: secret name must be 1-64 of "
                          "[A-Za-z0-9._-]",
                          a->key);
    if (a->value == NULL || a->value[0] != '/')
      return hacher_error(err, 0,
                          "config.json: .annotations[\"%s\"]: expected the absolute path of a "
                          "sealed secret",
                          a->key);
    l->secret_names[l->nsecrets] = xstrdup(a->key + plen);
    l->secret_paths[l->nsecrets++] = a->value;
  }
  l->mc.secret_names = l->secret_names;
  l->mc.nsecrets = l->nsecrets;
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
      .stdio = {0, 1, 2},
      .exec_fd = -1,
      .attest_counter_fd = -1,
  };
  convert_caps(cfg, l->mc.caps);
  if (hacher_namespaces_check(cfg, err) < 0) {
    hacher_launch_release(l);
    return -1;
  }
  if (trace_mode(cfg, g->debug, &l->mc.trace, err) < 0 || collect_secrets(cfg, l, err) < 0 ||
      hacher_rlimits_convert(cfg, l->rlimits, err) < 0 ||
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
  if (mon_measure(&l->mc, l->measurement, err) < 0)
    goto fail;
  mon_hex(l->measurement, sizeof(l->measurement), l->measurement_hex);
  free(c->measurement);
  c->measurement = xstrdup(l->measurement_hex);
  return 0;
fail:
  hacher_launch_release(l);
  return -1;
}

void hacher_launch_release(struct hacher_launch *l)
{
  hacher_image_release(&l->image);
  hacher_mounts_wipe(&l->mounts);
  free(l->rlimits);
  l->rlimits = NULL;
  free(l->policy);
  l->policy = NULL;
  for (size_t i = 0; i < l->nsecrets; i++)
    free(l->secret_names[i]);
  free(l->secret_names);
  free(l->secret_paths);
  l->secret_names = NULL;
  l->secret_paths = NULL;
  l->nsecrets = 0;
  EVP_PKEY_free(l->mc.attest_key);
  l->mc.attest_key = NULL;
  if (l->mc.attest_counter_fd >= 0)
    close(l->mc.attest_counter_fd);
  l->mc.attest_counter_fd = -1;
}

/* One secret: read the sealed blob, check its policy, decrypt, add. */
static int add_secret(struct hacher_launch *l, size_t i, EVP_PKEY *key, hacher_error_t *err)
{
  cleanup_free char *blob = NULL, *dst = xasprintf("/run/secrets/%s", l->secret_names[i]);
  uint8_t *plain = NULL;
  size_t size = 0, plain_size = 0;
  int rc;

  if (read_file(l->secret_paths[i], &blob, &size, err) < 0)
    return hacher_error_wrap(err, "secret \"%s\"", l->secret_names[i]);
  if (hacher_secret_unseal(l->secret_names[i], l->measurement, key, (const uint8_t *)blob, size,
                           &plain, &plain_size, err) < 0)
    return -1;
  rc = hacher_mounts_add_file(&l->mounts, dst, 0400, l->mc.uid, l->mc.gid, plain, plain_size, err);
  OPENSSL_cleanse(plain, plain_size);
  free(plain);
  return rc;
}

int hacher_launch_attest(struct hacher_global *g, struct hacher_launch *l, hacher_error_t *err)
{
  hacher_error_t e = NULL;
  EVP_PKEY *key = NULL;
  int fd;

  l->mc.attest_counter_fd = -1;
  if (hacher_node_key(g->attest_dir, &key, &e) < 0 || hacher_boot_id(l->mc.boot_id, &e) < 0 ||
      (fd = hacher_report_counter_open(g->attest_dir, &e)) < 0) {
    EVP_PKEY_free(key);
    if (l->nsecrets > 0) {
      *err = e;
      return hacher_error_wrap(err, "secrets need the node key");
    }
    log_warn("%s: the trustlet gets no attestation reports", e->msg);
    hacher_error_release(&e);
    return 0;
  }
  l->mc.attest_key = key;
  l->mc.attest_counter_fd = fd;
  for (size_t i = 0; i < l->nsecrets; i++)
    if (add_secret(l, i, key, err) < 0)
      return -1;
  l->mc.mounts = l->mounts.data;
  l->mc.mounts_size = l->mounts.size;
  l->mc.mounts_wipe = l->nsecrets > 0;
  return 0;
}
