/* The monitor is the container's only host process, so the host-side parts
 * of process and namespace settings apply to it. The function itself sees
 * the LibOS's view (pid 1, its own hostname and mounts; docs/oci-conformance.md). */
#include "host_process.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../common/util.h"
#include "launch.h"

static const char *const ns_types[] = {"pid", "network", "mount",  "ipc",
                                       "uts", "user",    "cgroup", "time"};

int hacher_namespaces_check(const struct oci_config *cfg, hacher_error_t *err)
{
  for (size_t i = 0; i < cfg->namespaces_count; i++) {
    size_t t;
    for (t = 0; t < ARRAY_SIZE(ns_types); t++)
      if (strcmp(cfg->namespaces[i].type, ns_types[t]) == 0)
        break;
    if (t == ARRAY_SIZE(ns_types))
      return hacher_error(err, 0,
                          "config.json: .linux.namespaces[%zu].type: unknown namespace \"%s\"", i,
                          cfg->namespaces[i].type);
    for (size_t j = 0; j < i; j++)
      if (strcmp(cfg->namespaces[j].type, cfg->namespaces[i].type) == 0)
        return hacher_error(err, 0,
                            "config.json: .linux.namespaces[%zu]: duplicate namespace \"%s\"", i,
                            cfg->namespaces[i].type);
  }
  return 0;
}

/* The network namespace is the one the host really uses for the container:
 * CNI plugins and pod sandboxes find it at /proc/PID/ns/net of the monitor. */
static int setup_network(const struct oci_config *cfg, hacher_error_t *err)
{
  for (size_t i = 0; i < cfg->namespaces_count; i++) {
    const struct oci_namespace *ns = &cfg->namespaces[i];
    int fd;
    if (strcmp(ns->type, "network") != 0)
      continue;
    if (ns->path == NULL)
      return unshare(CLONE_NEWNET) < 0 ? hacher_error(err, errno, "create a network namespace") : 0;
    fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return hacher_error(err, errno, "config.json: .linux.namespaces[%zu].path \"%s\"", i,
                          ns->path);
    if (setns(fd, CLONE_NEWNET) < 0) {
      int e = errno;
      close(fd);
      return hacher_error(err, e, "join the network namespace \"%s\"", ns->path);
    }
    close(fd);
  }
  return 0;
}

static bool have_sys_resource(void)
{
  cap_t caps = cap_get_proc();
  cap_flag_value_t v = CAP_CLEAR;

  if (caps != NULL) {
    cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
    cap_free(caps);
  }
  return v == CAP_SET;
}

/* runc sets each rlimit on the container process and fails create when the
 * kernel refuses. Address-space and data limits shape only the guest (the
 * monitor's own mappings must not be bound by them), so for those the
 * kernel's rule is checked without applying them. */
static int setup_rlimits(const struct oci_config *cfg, hacher_error_t *err)
{
  cleanup_free struct mon_rlimit *rl = xmalloc0(sizeof(*rl) * (cfg->rlimits_count + 1));

  if (hacher_rlimits_convert(cfg, rl, err) < 0)
    return -1;
  for (size_t i = 0; i < cfg->rlimits_count; i++) {
    struct rlimit want = {rl[i].soft, rl[i].hard}, old;
    int e = 0;
    if (want.rlim_cur > want.rlim_max)
      e = EINVAL;
    else if (rl[i].resource == RLIMIT_AS || rl[i].resource == RLIMIT_DATA)
      e = getrlimit((int)rl[i].resource, &old) == 0 && want.rlim_max > old.rlim_max &&
                  !have_sys_resource()
              ? EPERM
              : 0;
    else if (setrlimit((int)rl[i].resource, &want) < 0)
      e = errno;
    if (e != 0)
      return hacher_error(err, e, "error setting rlimit type %s (soft %llu, hard %llu)",
                          cfg->rlimits[i].type, (unsigned long long)rl[i].soft,
                          (unsigned long long)rl[i].hard);
  }
  return 0;
}

static int setup_oom_score_adj(const struct oci_config *cfg, hacher_error_t *err)
{
  char text[16];
  int fd, len, rc = 0;

  if (!cfg->has_oom_score_adj)
    return 0;
  len = snprintf(text, sizeof(text), "%d", (int)cfg->oom_score_adj);
  fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, (size_t)len) != len)
    rc = hacher_error(err, errno, "set oom_score_adj to %s: write \"/proc/self/oom_score_adj\"",
                      text);
  if (fd >= 0)
    close(fd);
  return rc;
}

int hacher_host_process_setup(const struct oci_config *cfg, hacher_error_t *err)
{
  if (setup_network(cfg, err) < 0 || setup_rlimits(cfg, err) < 0 ||
      setup_oom_score_adj(cfg, err) < 0)
    return -1;
  return 0;
}
