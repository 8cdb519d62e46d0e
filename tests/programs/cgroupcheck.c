/* cgroupcheck: finds the container's limits the way the JVM and the Go
 * runtime do, from /proc/cgroups, /proc/self/cgroup and /proc/self/mountinfo,
 * then reads the limit files there. Prints one line per runtime:
 *   jvm: v2 memory=268435456 quota=50000 period=100000 pids=64 ro=1
 *   go: v2 cpu=0.50
 * "max" or -1 limits print as "none". Exits 1 when detection fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MEMORY, CPUSET, CPU, CPUACCT, PIDS, NCTRL };
static const char *const ctrl_names[NCTRL] = {"memory", "cpuset", "cpu", "cpuacct", "pids"};

struct ctrl {
  int hierarchy, enabled, seen;
  char cgroup_path[4096]; /* from /proc/self/cgroup */
  char mount[4096];       /* from /proc/self/mountinfo */
  char root[4096];
  int ro;
};

static int ctrl_index(const char *name)
{
  for (int i = 0; i < NCTRL; i++)
    if (strcmp(name, ctrl_names[i]) == 0)
      return i;
  return -1;
}

static int read_line(const char *dir, const char *file, char *buf, size_t size)
{
  char path[8192];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, file);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  if (fgets(buf, (int)size, f) == NULL) {
    fclose(f);
    return -1;
  }
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

/* A limit as the JVM reads it: "max" and v1's huge value are "none". */
static void put_limit(const char *name, const char *text)
{
  unsigned long long v = strtoull(text, NULL, 10);

  if (strcmp(text, "max") == 0 || strcmp(text, "-1") == 0 || v >= 0x7FFFFFFFFFFFF000ULL)
    printf(" %s=none", name);
  else
    printf(" %s=%s", name, text);
}

/* Step 1: /proc/cgroups says which version (v2: every hierarchy id is 0). */
static int jvm_versions(struct ctrl *c, int *v2)
{
  char line[512], name[64];
  int h, en;
  FILE *f = fopen("/proc/cgroups", "r");

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    int i;
    if (line[0] == '#' || sscanf(line, "%63s %d %*d %d", name, &h, &en) != 3)
      continue;
    if ((i = ctrl_index(name)) >= 0) {
      c[i].hierarchy = h;
      c[i].enabled = en;
    }
  }
  fclose(f);
  *v2 = 1;
  for (int i = 0; i < NCTRL; i++) {
    if (i != PIDS && !c[i].enabled)
      return -1;
    if (i != PIDS && c[i].hierarchy != 0)
      *v2 = 0;
  }
  return 0;
}

/* Step 2: /proc/self/cgroup gives each controller's cgroup path. */
static int jvm_paths(struct ctrl *c, int v2)
{
  char line[8192];
  FILE *f = fopen("/proc/self/cgroup", "r");

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    char *p = line, *id = strsep(&p, ":"), *ctrls = strsep(&p, ":"), *path = strsep(&p, "\n"), *t;
    if (ctrls == NULL || path == NULL)
      continue;
    if (v2) {
      if (atoi(id) == 0)
        for (int i = 0; i < NCTRL; i++)
          snprintf(c[i].cgroup_path, sizeof(c[i].cgroup_path), "%s", path);
      continue;
    }
    while ((t = strsep(&ctrls, ",")) != NULL)
      if (ctrl_index(t) >= 0)
        snprintf(c[ctrl_index(t)].cgroup_path, sizeof(c[0].cgroup_path), "%s", path);
  }
  fclose(f);
  return 0;
}

/* Step 3: /proc/self/mountinfo gives the mount points (hotspot's sscanf). */
static int jvm_mounts(struct ctrl *c, int v2)
{
  static char line[16384], root[4096], mnt[4096], opts[4096], type[256], super[4096];
  FILE *f = fopen("/proc/self/mountinfo", "r");
  int found = 0;

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    char *p = super, *t;
    if (sscanf(line, "%*d %*d %*d:%*d %4095s %4095s %4095s%*[^-]- %255s %*s %4095s", root, mnt,
               opts, type, super) != 5)
      continue;
    int ro = strncmp(opts, "ro", 2) == 0 && (opts[2] == '\0' || opts[2] == ',');
    for (int i = 0; i < NCTRL; i++) {
      int match = 0;
      if (v2) {
        match = strcmp(type, "cgroup2") == 0;
      } else if (strcmp(type, "cgroup") == 0) {
        char copy[4096];
        snprintf(copy, sizeof(copy), "%s", super);
        p = copy;
        while ((t = strsep(&p, ",")) != NULL)
          match = match || strcmp(t, ctrl_names[i]) == 0;
      }
      if (match) {
        snprintf(c[i].mount, sizeof(c[i].mount), "%s", mnt);
        snprintf(c[i].root, sizeof(c[i].root), "%s", root);
        c[i].ro = ro;
        c[i].seen = 1;
        found = 1;
      }
    }
  }
  fclose(f);
  for (int i = 0; i < NCTRL; i++)
    if (i != PIDS && !c[i].seen)
      return -1;
  return found ? 0 : -1;
}

/* The controller's directory: its mount plus the path below the mount's root. */
static void subsystem_dir(const struct ctrl *c, char *out, size_t size)
{
  const char *rel = c->cgroup_path;
  size_t n = strlen(c->root);

  if (strcmp(c->root, "/") != 0 && strncmp(rel, c->root, n) == 0)
    rel += n;
  snprintf(out, size, "%s%s", c->mount, strcmp(rel, "/") == 0 ? "" : rel);
}

static int jvm(void)
{
  static struct ctrl c[NCTRL];
  char dir[8192], v[256], q[128], p[128];
  int v2;

  if (jvm_versions(c, &v2) < 0 || jvm_paths(c, v2) < 0 || jvm_mounts(c, v2) < 0)
    return -1;
  printf("jvm: %s", v2 ? "v2" : "v1");
  subsystem_dir(&c[MEMORY], dir, sizeof(dir));
  if (read_line(dir, v2 ? "memory.max" : "memory.limit_in_bytes", v, sizeof(v)) < 0)
    return -1;
  put_limit("memory", v);
  subsystem_dir(&c[CPU], dir, sizeof(dir));
  if (v2) {
    if (read_line(dir, "cpu.max", v, sizeof(v)) < 0 || sscanf(v, "%127s %127s", q, p) != 2)
      return -1;
  } else if (read_line(dir, "cpu.cfs_quota_us", q, sizeof(q)) < 0 ||
             read_line(dir, "cpu.cfs_period_us", p, sizeof(p)) < 0) {
    return -1;
  }
  put_limit("quota", q);
  printf(" period=%s", p);
  subsystem_dir(&c[PIDS], dir, sizeof(dir));
  if (c[PIDS].seen && read_line(dir, "pids.max", v, sizeof(v)) == 0)
    put_limit("pids", v);
  printf(" ro=%d\n", c[MEMORY].ro);
  return 0;
}

static int has_cpu(const char *list)
{
  char copy[4096], *p = copy, *t;

  snprintf(copy, sizeof(copy), "%s", list);
  while ((t = strsep(&p, ",")) != NULL)
    if (strcmp(t, "cpu") == 0)
      return 1;
  return 0;
}

/* Go: a v1 hierarchy with "cpu" wins over the v2 one, in both files. */
static int go(void)
{
  static char line[16384], rel[4096], mnt[4096], dir[8192];
  char v[256], q[128], p[128];
  int version = 0, mount_found = 0;
  FILE *f = fopen("/proc/self/cgroup", "r");

  if (f == NULL)
    return -1;
  while (version != 1 && fgets(line, sizeof(line), f) != NULL) {
    char *s = line, *id = strsep(&s, ":"), *ctrls = strsep(&s, ":"), *path = strsep(&s, "\n");
    if (ctrls == NULL || path == NULL)
      continue;
    if (strcmp(id, "0") == 0 || has_cpu(ctrls)) {
      snprintf(rel, sizeof(rel), "%s", path);
      version = strcmp(id, "0") == 0 ? 2 : 1;
    }
  }
  fclose(f);
  if (version == 0 || (f = fopen("/proc/self/mountinfo", "r")) == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    char *dash = strstr(line, " - "), m[4096], type[256], src[4096], super[4096];
    if (dash == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", m) != 1 ||
        sscanf(dash + 3, "%255s %4095s %4095s", type, src, super) != 3)
      continue;
    if ((version == 2 && strcmp(type, "cgroup2") == 0) ||
        (version == 1 && strcmp(type, "cgroup") == 0 && has_cpu(super))) {
      snprintf(mnt, sizeof(mnt), "%s", m);
      mount_found = 1;
    }
  }
  fclose(f);
  if (!mount_found)
    return -1;
  snprintf(dir, sizeof(dir), "%s%s", mnt, rel); /* Go appends the relative path as is */
  if (version == 2) {
    if (read_line(dir, "cpu.max", v, sizeof(v)) < 0 || sscanf(v, "%127s %127s", q, p) != 2)
      return -1;
  } else if (read_line(dir, "cpu.cfs_quota_us", q, sizeof(q)) < 0 ||
             read_line(dir, "cpu.cfs_period_us", p, sizeof(p)) < 0) {
    return -1;
  }
  if (strcmp(q, "max") == 0 || atoll(q) < 0)
    printf("go: v%d cpu=none\n", version);
  else
    printf("go: v%d cpu=%.2f\n", version, (double)atoll(q) / (double)atoll(p));
  return 0;
}

int main(void)
{
  if (jvm() < 0) {
    printf("\njvm: no cgroup limits found\n");
    return 1;
  }
  if (go() < 0) {
    printf("go: no cgroup limits found\n");
    return 1;
  }
  return 0;
}
