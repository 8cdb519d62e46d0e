/* hacher update: change a container's cgroup limits (runc's flags, or a
 * linux.resources document from a file or stdin as containerd and podman
 * pass it). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "commands.h"
#include "container.h"

/* The resources document from FILE, or from stdin for "-". */
static int read_resources(const char *file, struct oci_resources *r, hacher_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t size = 0, cap = 0;
  ssize_t n;

  if (strcmp(file, "-") != 0) {
    if (read_file(file, &text, &size, err) < 0)
      return -1;
    return oci_resources_parse(file, text, size, r, err);
  }
  do {
    if (size + 4096 > cap)
      text = xrealloc(text, (cap = 2 * cap + 4096) + 1);
    n = read(STDIN_FILENO, text + size, cap - size);
    if (n < 0 && errno != EINTR)
      return hacher_error(err, errno, "update: read the resources from stdin");
    size += n > 0 ? (size_t)n : 0;
  } while (n != 0);
  text[size] = '\0';
  return oci_resources_parse("stdin", text, size, r, err);
}

/* "-1" or a size as runc takes it: 512, 64k, 1.5g, 256MiB (powers of 1024). */
static int parse_bytes(const char *opt, const char *s, bool *has, int64_t *out, hacher_error_t *err)
{
  static const char units[] = "kmgtp";
  char *end;
  double v, mult = 1;
  const char *u;

  *has = true;
  if (strcmp(s, "-1") == 0) {
    *out = -1;
    return 0;
  }
  errno = 0;
  v = strtod(s, &end);
  if (end == s || errno != 0 || !isdigit((unsigned char)*s))
    goto bad;
  if (*end == ' ')
    end++;
  if (*end != '\0' && (u = strchr(units, tolower((unsigned char)*end))) != NULL) {
    mult = pow(1024, (double)(u - units + 1));
    end++;
    if (*end == 'i' || *end == 'I')
      end++;
  }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0' || v * mult >= 9.2e18)
    goto bad;
  *out = (int64_t)(v * mult);
  return 0;
bad:
  return hacher_error(err, 0, "invalid value for %s: \"%s\"", opt, s);
}

static int parse_i64(const char *opt, const char *s, bool *has, int64_t *out, hacher_error_t *err)
{
  char *end;

  *has = true;
  errno = 0;
  *out = strtoll(s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno != 0)
    return hacher_error(err, 0, "invalid value for %s: \"%s\"", opt, s);
  return 0;
}

static int parse_u64(const char *opt, const char *s, bool *has, uint64_t *out, hacher_error_t *err)
{
  char *end;

  *has = true;
  errno = 0;
  *out = strtoull(s, &end, 10);
  if (!isdigit((unsigned char)*s) || *end != '\0' || errno != 0)
    return hacher_error(err, 0, "invalid value for %s: \"%s\"", opt, s);
  return 0;
}

static void set_string(char **dst, const char *val)
{
  free(*dst);
  *dst = xstrdup(val);
}

enum {
  OPT_MEMORY = 256,
  OPT_RESERVATION,
  OPT_SWAP,
  OPT_SHARES,
  OPT_QUOTA,
  OPT_PERIOD,
  OPT_CPUS,
  OPT_MEMS,
  OPT_PIDS,
  OPT_UNSUPPORTED,
};

static const struct option update_opts[] = {
    {"resources", required_argument, NULL, 'r'},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-reservation", required_argument, NULL, OPT_RESERVATION},
    {"memory-swap", required_argument, NULL, OPT_SWAP},
    {"cpu-share", required_argument, NULL, OPT_SHARES},
    {"cpu-shares", required_argument, NULL, OPT_SHARES},
    {"cpu-quota", required_argument, NULL, OPT_QUOTA},
    {"cpu-period", required_argument, NULL, OPT_PERIOD},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
    {"cpuset-mems", required_argument, NULL, OPT_MEMS},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"blkio-weight", required_argument, NULL, OPT_UNSUPPORTED},
    {"cpu-rt-period", required_argument, NULL, OPT_UNSUPPORTED},
    {"cpu-rt-runtime", required_argument, NULL, OPT_UNSUPPORTED},
    {"l3-cache-schema", required_argument, NULL, OPT_UNSUPPORTED},
    {"mem-bw-schema", required_argument, NULL, OPT_UNSUPPORTED},
    {NULL, 0, NULL, 0},
};

/* One flag into r. */
static int apply_flag(int opt, const char *name, const char *val, struct oci_resources *r,
                      hacher_error_t *err)
{
  switch (opt) {
  case OPT_MEMORY: return parse_bytes(name, val, &r->has_memory_limit, &r->memory_limit, err);
  case OPT_RESERVATION:
    return parse_bytes(name, val, &r->has_memory_reservation, &r->memory_reservation, err);
  case OPT_SWAP: return parse_bytes(name, val, &r->has_memory_swap, &r->memory_swap, err);
  case OPT_QUOTA: return parse_i64(name, val, &r->has_cpu_quota, &r->cpu_quota, err);
  case OPT_PIDS: return parse_i64(name, val, &r->has_pids_limit, &r->pids_limit, err);
  case OPT_SHARES: return parse_u64(name, val, &r->has_cpu_shares, &r->cpu_shares, err);
  case OPT_PERIOD: return parse_u64(name, val, &r->has_cpu_period, &r->cpu_period, err);
  case OPT_CPUS: set_string(&r->cpuset_cpus, val); return 0;
  case OPT_MEMS: set_string(&r->cpuset_mems, val); return 0;
  default: return hacher_error(err, 0, "update: --%s is not supported", name);
  }
}

/* Flags into r; --resources wins over every other flag, as with runc. */
static int parse_update(int argc, char **argv, struct oci_resources *r, hacher_error_t *err)
{
  const char *file = NULL;
  int opt, idx;

  while ((opt = getopt_long(argc, argv, "+r:", update_opts, &idx)) != -1) {
    if (opt == 'r')
      file = optarg;
    else if (opt == '?')
      return hacher_error(err, 0, "update: invalid option (see runc update --help)");
    else if (apply_flag(opt, update_opts[idx].name, optarg, r, err) < 0)
      return -1;
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "update: expected exactly one container id");
  if (file == NULL)
    return 0;
  oci_resources_free(r);
  return read_resources(file, r, err);
}

int hacher_cmd_update(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct oci_resources r = {0};
  struct hacher_container *c = NULL;
  const char *status;
  int rc = -1;

  if (parse_update(argc, argv, &r, err) < 0)
    goto out;
  if (hacher_container_load(g->root, argv[optind], &c, err) < 0)
    goto out;
  status = hacher_container_status(c);
  if (strcmp(status, "stopped") == 0 || strcmp(status, "creating") == 0)
    hacher_error(err, 0, "container not running");
  else if (c->cgroup == NULL)
    hacher_error(err, 0, "container %s has no cgroup to update", c->id);
  else
    rc = hacher_cgroup_update(c->cgroup, &r, err);
out:
  oci_resources_free(&r);
  hacher_container_destroy(c, false);
  return rc;
}
