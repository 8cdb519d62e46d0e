/* linux.resources: in config.json and as the document `update --resources` reads. */
#include <string.h>

#include "../common/util.h"
#include "config.h"
#include "json.h"
#include "resources.h"

static int parse_memory(struct json_ctx *c, yajl_val res, const char *base, struct oci_resources *r)
{
  cleanup_free char *path = xasprintf("%s.memory", base);
  yajl_val mem;

  if (json_typed(c, res, base, "memory", yajl_t_object, &mem) < 0)
    return -1;
  if (mem == NULL)
    return 0;
  /* -1 means unlimited; the cgroup writer checks ranges. */
  if (json_i64(c, mem, path, "limit", &r->has_memory_limit, &r->memory_limit) < 0 ||
      json_i64(c, mem, path, "reservation", &r->has_memory_reservation, &r->memory_reservation) <
          0 ||
      json_i64(c, mem, path, "swap", &r->has_memory_swap, &r->memory_swap) < 0)
    return -1;
  return 0;
}

static int parse_cpu(struct json_ctx *c, yajl_val res, const char *base, struct oci_resources *r)
{
  cleanup_free char *path = xasprintf("%s.cpu", base);
  yajl_val cpu;

  if (json_typed(c, res, base, "cpu", yajl_t_object, &cpu) < 0)
    return -1;
  if (cpu == NULL)
    return 0;
  if (json_u64(c, cpu, path, "shares", &r->has_cpu_shares, &r->cpu_shares) < 0 ||
      json_i64(c, cpu, path, "quota", &r->has_cpu_quota, &r->cpu_quota) < 0 ||
      json_u64(c, cpu, path, "period", &r->has_cpu_period, &r->cpu_period) < 0 ||
      json_string(c, cpu, path, "cpus", false, &r->cpuset_cpus) < 0 ||
      json_string(c, cpu, path, "mems", false, &r->cpuset_mems) < 0)
    return -1;
  return 0;
}

static int parse_pids(struct json_ctx *c, yajl_val res, const char *base, struct oci_resources *r)
{
  cleanup_free char *path = xasprintf("%s.pids", base);
  yajl_val pids;

  if (json_typed(c, res, base, "pids", yajl_t_object, &pids) < 0)
    return -1;
  if (pids == NULL)
    return 0;
  return json_i64(c, pids, path, "limit", &r->has_pids_limit, &r->pids_limit);
}

int oci_resources_from_tree(struct json_ctx *c, yajl_val res, const char *path,
                            struct oci_resources *r)
{
  if (parse_memory(c, res, path, r) < 0 || parse_cpu(c, res, path, r) < 0 ||
      parse_pids(c, res, path, r) < 0)
    return -1;
  return 0;
}

int oci_resources_parse(const char *name, const char *text, size_t size, struct oci_resources *out,
                        hacher_error_t *err)
{
  struct json_ctx c = {.name = name, .err = err};
  yajl_val root = NULL;
  int rc;

  memset(out, 0, sizeof(*out));
  rc = json_parse(&c, text, size, &root);
  if (rc == 0)
    rc = oci_resources_from_tree(&c, root, "", out);
  yajl_tree_free(root);
  if (rc < 0)
    oci_resources_free(out);
  return rc;
}

void oci_resources_free(struct oci_resources *r)
{
  free(r->cpuset_cpus);
  free(r->cpuset_mems);
  r->cpuset_cpus = r->cpuset_mems = NULL;
}
