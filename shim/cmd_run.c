/* hacher run: create and start a container in a trustlet, wait for it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../monitor/monitor.h"
#include "../snapshotter/image.h"
#include "../snapshotter/mounts.h"
#include "commands.h"
#include "container.h"

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

static int convert_rlimits(const struct oci_config *cfg, struct mon_rlimit *out,
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

static int run_trustlet(struct hacher_global *g, struct hacher_container *c, int *status,
                        hacher_error_t *err)
{
  const struct oci_config *cfg = c->config;
  struct hacher_image_cache cache = {g->images};
  struct hacher_image img;
  struct hacher_mounts mounts;
  int built, rc;
  cleanup_free struct mon_rlimit *rl = xmalloc0(sizeof(*rl) * (cfg->rlimits_count + 1));
  char host[256] = "";
  struct mon_config mc = {
      .id = c->id,
      .ram_size = cfg->has_memory_limit && cfg->memory_limit > 0 ? (uint64_t)cfg->memory_limit : 0,
      .argv = cfg->args,
      .argc = cfg->args_count,
      .envp = cfg->env,
      .envc = cfg->env_count,
      .cwd = cfg->cwd,
      .uid = cfg->uid,
      .gid = cfg->gid,
      .umask = cfg->has_umask ? cfg->umask : 022,
      .groups = cfg->additional_gids,
      .ngroups = cfg->additional_gids_count,
      .rlimits = rl,
      .nrlimits = cfg->rlimits_count,
      .readonly_root = cfg->root_readonly,
      .trace = g->debug,
      .stdio = {0, 1, 2},
  };

  /* Without a configured hostname the function sees the node's, as with runc. */
  gethostname(host, sizeof(host) - 1);
  mc.hostname = cfg->hostname ? cfg->hostname : host;
  if (convert_rlimits(cfg, rl, err) < 0)
    return -1;
  if (hacher_mounts_collect(cfg, c->bundle, &mounts, err) < 0)
    return -1;
  mc.mounts = mounts.data;
  mc.mounts_size = mounts.size;
  if (hacher_image_get(&cache, c->rootfs, &img, &built, err) < 0) {
    hacher_mounts_free(&mounts);
    return -1;
  }
  log_debug("image %s for rootfs \"%s\"%s", img.root_hex, c->rootfs, built ? " (built)" : "");
  mc.image_path = img.path;
  mc.image_data_size = img.data_size;
  mc.image_hash_offset = img.hash_offset;
  memcpy(mc.image_root, img.root, sizeof(mc.image_root));
  c->image = xstrdup(img.root_hex);
  c->pid = getpid();
  rc = hacher_container_save(c, "running", err);
  if (rc == 0)
    rc = mon_run(&mc, status, err);
  hacher_image_release(&img);
  hacher_mounts_free(&mounts);
  return rc;
}

int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'}, {"pid-file", required_argument, NULL, 'p'},
      {"keep", no_argument, NULL, 'k'},         {"detach", no_argument, NULL, 'd'},
      {"no-pivot", no_argument, NULL, 'P'},     {"no-new-keyring", no_argument, NULL, 'K'},
      {"no-subreaper", no_argument, NULL, 'S'}, {NULL, 0, NULL, 0},
  };
  const char *bundle = ".", *pid_file = NULL;
  struct hacher_container *c = NULL;
  bool keep = false;
  int opt, status = 0, rc;

  while ((opt = getopt_long(argc, argv, "+b:dk", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': bundle = optarg; break;
    case 'p': pid_file = optarg; break;
    case 'k': keep = true; break;
    case 'd': return hacher_error(err, 0, "run --detach is not supported yet");
    case 'P':
    case 'K':
    case 'S': break;
    default: return hacher_error(err, 0, "run: invalid option (see hacher --help)");
    }
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "run: expected exactly one container id");
  if (hacher_container_new(g->root, argv[optind], bundle, &c, err) < 0)
    return -1;
  if (pid_file != NULL) {
    cleanup_free char *pid = xasprintf("%d", (int)getpid());
    if (write_file_atomic(pid_file, pid, strlen(pid), 0644, err) < 0) {
      hacher_container_destroy(c, true);
      return -1;
    }
  }
  rc = run_trustlet(g, c, &status, err);
  if (rc == 0 && keep) {
    c->pid = 0;
    rc = hacher_container_save(c, "stopped", err);
  }
  hacher_container_destroy(c, !keep || rc < 0);
  return rc < 0 ? -1 : status;
}
