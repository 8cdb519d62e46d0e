/* Unit tests for what the runtime hands the LibOS's /proc, /sys and cgroup
 * views: the limits block (shim/launch.c) and the special entries of the
 * mounts blob (snapshotter/mounts.c). */
#include <stdlib.h>

#include "../../common/util.h"
#include "../../shim/launch.h"
#include "unit.h"

#define HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}"

static struct oci_config *parse(const char *text)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  if (oci_config_parse("config.json", text, strlen(text), &cfg, &err) < 0) {
    printf("  unexpected error: %s\n", err->msg);
    hacher_error_release(&err);
  }
  return cfg;
}

/* Limits of config text; *msg gets the error message (caller frees) or NULL. */
static int limits_of(const char *text, struct tl_limits *l, char **msg)
{
  struct oci_config *cfg = parse(text);
  hacher_error_t err = NULL;
  int rc = cfg ? hacher_limits_from_config(cfg, l, &err) : -1;

  *msg = err ? xstrdup(err->msg) : NULL;
  hacher_error_release(&err);
  oci_config_free(cfg);
  return rc;
}

TEST(limits_unset_are_unlimited)
{
  struct tl_limits l;
  cleanup_free char *msg = NULL;
  int rc;

  rc = limits_of(HEAD ", \"annotations\": {\"org.hacher.cgroup-view\": \"v2\"}}", &l, &msg);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(l.cgroup_view, TL_CGROUP_V2);
  CHECK(l.memory_limit == TL_UNLIMITED);
  CHECK_EQ_INT(l.memory_low, 0);
  CHECK(l.memory_swap == TL_UNLIMITED);
  CHECK_EQ_INT(l.cpu_shares, 0);
  CHECK(l.cpu_quota == TL_UNLIMITED);
  CHECK_EQ_INT(l.cpu_period, 100000);
  CHECK(l.pids_limit == TL_UNLIMITED);
}

TEST(limits_from_resources)
{
  struct tl_limits l;
  cleanup_free char *msg = NULL;
  int rc;

  rc = limits_of(HEAD ", \"annotations\": {\"org.hacher.cgroup-view\": \"v1\"},"
                      "\"linux\": {\"resources\": {"
                      "\"memory\": {\"limit\": 268435456, \"reservation\": -1, \"swap\": 0},"
                      "\"cpu\": {\"shares\": 1, \"quota\": 50000, \"period\": 250000},"
                      "\"pids\": {\"limit\": 64}}}}",
                 &l, &msg);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(l.cgroup_view, TL_CGROUP_V1);
  CHECK_EQ_INT(l.memory_limit, 268435456);
  CHECK(l.memory_low == TL_UNLIMITED);  /* -1: "max" */
  CHECK(l.memory_swap == TL_UNLIMITED); /* 0: unset */
  CHECK_EQ_INT(l.cpu_shares, 2);        /* the kernel's minimum */
  CHECK_EQ_INT(l.cpu_quota, 50000);
  CHECK_EQ_INT(l.cpu_period, 250000);
  CHECK_EQ_INT(l.pids_limit, 64);
  rc = limits_of(HEAD ", \"linux\": {\"resources\": {\"cpu\": {\"shares\": 1000000,"
                      "\"quota\": -1}, \"pids\": {\"limit\": -1}}}}",
                 &l, &msg);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(l.cpu_shares, 262144);
  CHECK(l.cpu_quota == TL_UNLIMITED);
  CHECK(l.pids_limit == TL_UNLIMITED);
}

TEST(limits_bad_view_annotation)
{
  struct tl_limits l;
  cleanup_free char *msg = NULL;
  int rc;

  rc = limits_of(HEAD ", \"annotations\": {\"org.hacher.cgroup-view\": \"v3\"}}", &l, &msg);
  CHECK_EQ_INT(rc, -1);
  CHECK_EQ_STR(msg, "config.json: .annotations[\"org.hacher.cgroup-view\"]: expected \"v1\" or "
                    "\"v2\", got \"v3\"");
}

/* The i-th entry of a blob, its path copied into path. */
static const struct tl_mount_entry *entry(const struct hacher_mounts *m, uint32_t i, char *path)
{
  size_t off = sizeof(struct tl_mounts);
  const struct tl_mount_entry *e = NULL;

  for (uint32_t k = 0; k <= i; k++) {
    e = (const struct tl_mount_entry *)(m->data + off);
    off += (sizeof(*e) + e->path_len + e->data_len + 7) & ~(size_t)7;
  }
  snprintf(path, 256, "%.*s", (int)e->path_len, (const char *)(e + 1));
  return e;
}

TEST(mounts_blob_special_masked_readonly)
{
  struct oci_config *cfg = parse(
      HEAD ", \"mounts\": ["
           "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
           "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
           "{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"options\": [\"ro\"]},"
           "{\"destination\": \"/sys/kernel/security\", \"type\": \"securityfs\"}],"
           "\"linux\": {\"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"]}}");
  struct hacher_mounts m;
  hacher_error_t err = NULL;
  const struct tl_mount_entry *e;
  char path[256];

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  int rc = hacher_mounts_collect(cfg, "/nonexistent", NULL, &m, &err);

  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(m.count, 4); /* /dev and securityfs are not entries */
  e = entry(&m, 0, path);
  CHECK_EQ_STR(path, "/proc");
  CHECK_EQ_INT(e->kind, TL_MOUNT_SPECIAL);
  CHECK_EQ_INT(e->flags, TL_MOUNT_ROOT);
  CHECK(e->data_len == 4 && memcmp((const char *)(e + 1) + e->path_len, "proc", 4) == 0);
  e = entry(&m, 1, path);
  CHECK_EQ_STR(path, "/sys/fs/cgroup");
  CHECK_EQ_INT(e->flags, TL_MOUNT_ROOT | TL_MOUNT_RO);
  e = entry(&m, 2, path);
  CHECK_EQ_STR(path, "/proc/kcore");
  CHECK_EQ_INT(e->kind, TL_MOUNT_MASKED);
  e = entry(&m, 3, path);
  CHECK_EQ_STR(path, "/proc/sys");
  CHECK_EQ_INT(e->kind, TL_MOUNT_READONLY);
  CHECK_EQ_INT(m.copied, 0); /* none of these count against the copy cap */
  hacher_mounts_free(&m);
  oci_config_free(cfg);
}
