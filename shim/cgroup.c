/* Container cgroups: paths, host layout, directories, membership and the
 * state record; limits and the freezer are in the backends (cgroup_v1.c,
 * cgroup_v2.c). */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"
#include "cgroup_backend.h"

/* ---- paths ---- */

/* Components joined by one slash; "." dropped; ".." refused (runc cleans it
 * away lexically, which hides mistakes); the root itself refused. */
static int clean_path(const char *in, char **out, hacher_error_t *err)
{
  cleanup_free char *copy = xstrdup(in);
  char *res = xmalloc(strlen(in) + 2), *save = NULL;
  size_t len = 0;

  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, ".") == 0)
      continue;
    if (strcmp(c, "..") == 0) {
      free(res);
      return hacher_error(err, 0, "cgroupsPath \"%s\": \"..\" is not allowed", in);
    }
    if (len > 0 || in[0] == '/')
      res[len++] = '/';
    memcpy(res + len, c, strlen(c));
    len += strlen(c);
  }
  res[len] = '\0';
  if (len == 0) {
    free(res);
    return hacher_error(err, 0, "cgroupsPath \"%s\": a container cannot use the root cgroup", in);
  }
  *out = res;
  return 0;
}

/* systemd's slice nesting: "a-b.slice" is "/a.slice/a-b.slice"; "-.slice" is the root. */
static int expand_slice(const char *slice, char **out, hacher_error_t *err)
{
  size_t n = strlen(slice), len = 0;
  char *res;

  if (n <= 6 || strcmp(slice + n - 6, ".slice") != 0 || strchr(slice, '/') != NULL)
    return hacher_error(err, 0, "invalid slice name: %s", slice);
  if (strcmp(slice, "-.slice") == 0) {
    *out = xstrdup("");
    return 0;
  }
  n -= 6;
  if (slice[0] == '-' || slice[n - 1] == '-' || strstr(slice, "--") != NULL)
    return hacher_error(err, 0, "invalid slice name: %s", slice);
  res = xmalloc(n * (n + 8) + 1); /* at most n levels of at most n + 7 bytes */
  for (size_t i = 0; i <= n; i++) {
    if (i < n && slice[i] != '-')
      continue;
    len += (size_t)sprintf(res + len, "/%.*s.slice", (int)i, slice);
  }
  *out = res;
  return 0;
}

/* "slice:prefix:name" to the path systemd gives that unit (runc's rules:
 * a scope "prefix-name.scope" unless name is itself a slice). */
static int systemd_path(const char *spec, const char *id, char **out, hacher_error_t *err)
{
  cleanup_free char *copy = xstrdup(spec ? spec : ""), *slice_path = NULL, *joined = NULL;
  const char *slice = "system.slice", *prefix = "hacher", *name = id;
  char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  size_t nlen;

  if (*copy != '\0') {
    if (c1 == NULL || c2 == NULL || strchr(c2 + 1, ':') != NULL)
      return hacher_error(err, 0,
                          "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd "
                          "cgroups, got \"%s\" instead",
                          spec);
    *c1 = *c2 = '\0';
    slice = *copy ? copy : "system.slice";
    prefix = c1 + 1;
    name = c2 + 1;
  }
  if (*name == '\0' || strchr(name, '/') != NULL || strchr(prefix, '/') != NULL)
    return hacher_error(err, 0, "cgroupsPath \"%s\": invalid unit name", spec);
  if (expand_slice(slice, &slice_path, err) < 0)
    return -1;
  nlen = strlen(name);
  if (nlen > 6 && strcmp(name + nlen - 6, ".slice") == 0)
    joined = xasprintf("%s/%s", slice_path, name);
  else
    joined = xasprintf("%s/%s-%s.scope", slice_path, prefix, name);
  return clean_path(joined, out, err);
}

/* "a:b:c" without a slash: what containerd and CRI-O pass for systemd. */
static bool looks_systemd(const char *p)
{
  const char *c1 = strchr(p, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  return c2 != NULL && strchr(c2 + 1, ':') == NULL && strchr(p, '/') == NULL;
}

int hacher_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char **out,
                       hacher_error_t *err)
{
  if (systemd)
    return systemd_path(cgroups_path, id, out, err);
  if (cgroups_path == NULL || *cgroups_path == '\0') {
    cleanup_free char *def = xasprintf("/hacher/%s", id);
    return clean_path(def, out, err);
  }
  if (looks_systemd(cgroups_path))
    return hacher_error(err, 0,
                        "cgroupsPath \"%s\" is a systemd path (slice:prefix:name): it needs "
                        "--systemd-cgroup",
                        cgroups_path);
  return clean_path(cgroups_path, out, err);
}

/* ---- the host's hierarchies ---- */

/* Whether the comma lists a and b hold the same controllers. */
static bool same_controllers(const char *a, const char *b)
{
  cleanup_free char *copy = xstrdup(a);
  size_t na = 0, nb = 1;
  char *save = NULL;

  for (const char *p = b; *p; p++)
    nb += *p == ',';
  for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save), na++) {
    size_t cl = strlen(c);
    const char *p = b;
    bool found = false;
    while (!found && (p = strstr(p, c)) != NULL) {
      found = (p == b || p[-1] == ',') && (p[cl] == ',' || p[cl] == '\0');
      p += cl;
    }
    if (!found)
      return false;
  }
  return na == nb;
}

/* The caller's own cgroup in hierarchy `name` ("" for cgroup2), from
 * /proc/self/cgroup text ("ID:CONTROLLERS:PATH" lines). */
static char *own_cgroup(const char *self, const char *name)
{
  const char *want = strcmp(name, "systemd") == 0 ? "name=systemd" : name;

  for (const char *line = self; line && *line;) {
    const char *nl = strchr(line, '\n'), *c1 = strchr(line, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    if (c2 != NULL && c2 < line + len) {
      cleanup_free char *ctl = xasprintf("%.*s", (int)(c2 - c1 - 1), c1 + 1);
      if (*want == '\0' ? *ctl == '\0' : *ctl != '\0' && same_controllers(ctl, want))
        return xasprintf("%.*s", (int)(line + len - c2 - 1), c2 + 1);
    }
    line = nl ? nl + 1 : NULL;
  }
  return NULL;
}

static int add_dir(struct hacher_cgroup *cg, const char *name, const char *mount, const char *self,
                   hacher_error_t *err)
{
  struct hacher_cgroup_dir *d;
  cleanup_free char *own = NULL;

  if (cg->path[0] != '/') {
    own = own_cgroup(self, name);
    if (own == NULL)
      return hacher_error(err, 0, "cgroup \"%s\": hierarchy \"%s\" is not in /proc/self/cgroup",
                          cg->path, mount);
  }
  cg->dirs = xrealloc(cg->dirs, (cg->ndirs + 1) * sizeof(*cg->dirs));
  d = &cg->dirs[cg->ndirs++];
  memset(d, 0, sizeof(*d));
  d->name = xstrdup(name);
  d->mount = xstrdup(mount);
  if (own == NULL)
    d->path = xasprintf("%s%s", mount, cg->path);
  else
    d->path = xasprintf("%s%s/%s", mount, strcmp(own, "/") == 0 ? "" : own, cg->path);
  return 0;
}

static bool is_cgroup2(const char *dir)
{
  struct statfs st;

  if (statfs(dir, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    return true;
  return cg_exists(dir, "cgroup.controllers"); /* a unit test's tree */
}

/* Every mounted hierarchy under root: each directory (not a symlink such as
 * cpu -> cpu,cpuacct) that has cgroup.procs. */
static int scan_v1(struct hacher_cgroup *cg, const char *root, const char *self,
                   hacher_error_t *err)
{
  struct dirent **names;
  int n = scandir(root, &names, NULL, alphasort), rc = 0;

  if (n < 0)
    return hacher_error(err, errno, "cgroup: open \"%s\"", root);
  for (int i = 0; i < n; i++) {
    cleanup_free char *mount = xasprintf("%s/%s", root, names[i]->d_name);
    struct stat st;
    if (rc == 0 && names[i]->d_name[0] != '.' && lstat(mount, &st) == 0 && S_ISDIR(st.st_mode) &&
        cg_exists(mount, "cgroup.procs"))
      rc = add_dir(cg, is_cgroup2(mount) ? "" : names[i]->d_name, mount, self, err);
    free(names[i]);
  }
  free(names);
  return rc;
}

int hacher_cgroup_open(const struct hacher_cgroup_host *host, const char *path,
                       struct hacher_cgroup **out, hacher_error_t *err)
{
  static const struct hacher_cgroup_host this_host;
  const char *root;
  cleanup_free char *self_text = NULL;
  struct hacher_cgroup *cg;
  int rc;

  host = host ? host : &this_host;
  root = host->root ? host->root : HACHER_CGROUP_ROOT;
  if (path[0] != '/' && host->self == NULL &&
      read_file("/proc/self/cgroup", &self_text, NULL, err) < 0)
    return -1;
  cg = xmalloc0(sizeof(*cg));
  cg->path = xstrdup(path);
  cg->on_mkdir = host->on_mkdir;
  cg->on_mkdir_arg = host->on_mkdir_arg;
  cg->version = is_cgroup2(root) ? 2 : 1;
  if (cg->version == 2)
    rc = add_dir(cg, "", root, host->self ? host->self : self_text, err);
  else
    rc = scan_v1(cg, root, host->self ? host->self : self_text, err);
  if (rc == 0 && cg->ndirs == 0)
    rc = hacher_error(err, 0, "cgroup: no cgroup hierarchy is mounted under \"%s\"", root);
  if (rc < 0) {
    hacher_cgroup_free(cg);
    return -1;
  }
  *out = cg;
  return 0;
}

/* ---- directories ---- */

static const struct cg_backend *backend(const struct hacher_cgroup *cg)
{
  return cg->version == 2 ? &cg_v2 : &cg_v1;
}

/* mkdir every missing component below the mount, remembering the topmost
 * one made so a rollback removes exactly what create added. */
static int make_dirs(struct hacher_cgroup *cg, struct hacher_cgroup_dir *d, hacher_error_t *err)
{
  cleanup_free char *p = xstrdup(d->path);

  for (char *s = p + strlen(d->mount) + 1;; s++) {
    char c = *s;
    if (c != '/' && c != '\0')
      continue;
    *s = '\0';
    if (mkdir(p, 0755) == 0) {
      if (d->made == NULL)
        d->made = xstrdup(p);
      if (cg->on_mkdir)
        cg->on_mkdir(p, cg->on_mkdir_arg);
    } else if (errno != EEXIST) {
      return hacher_error(err, errno, "cgroup: mkdir \"%s\"", p);
    }
    if (c == '\0')
      return 0;
    *s = c;
  }
}

int hacher_cgroup_create(struct hacher_cgroup *cg, const struct oci_resources *r,
                         hacher_error_t *err)
{
  for (size_t i = 0; i < cg->ndirs; i++)
    if (make_dirs(cg, &cg->dirs[i], err) < 0)
      goto fail;
  if (backend(cg)->prepare(cg, err) < 0 || backend(cg)->set(cg, r, err) < 0)
    goto fail;
  return 0;
fail:
  hacher_cgroup_rollback(cg);
  return -1;
}

int hacher_cgroup_update(const struct hacher_cgroup *cg, const struct oci_resources *r,
                         hacher_error_t *err)
{
  return backend(cg)->set(cg, r, err);
}

int hacher_cgroup_freeze(const struct hacher_cgroup *cg, bool frozen, hacher_error_t *err)
{
  return backend(cg)->freeze(cg, frozen, err);
}

int hacher_cgroup_join(const struct hacher_cgroup *cg, pid_t pid, hacher_error_t *err)
{
  for (size_t i = 0; i < cg->ndirs; i++)
    if (cg_write_i64(cg->dirs[i].path, "cgroup.procs", pid, err) < 0)
      return -1;
  return 0;
}

static int remove_dir(const char *path, hacher_error_t *err);

/* Child cgroups; in a unit test's tree (ENOTEMPTY) also the plain files
 * that stand for the kernel's interface files. */
static void remove_children(const char *path, bool files)
{
  DIR *d = opendir(path);
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    cleanup_free char *sub = NULL;
    hacher_error_t ignored = NULL;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    sub = xasprintf("%s/%s", path, e->d_name);
    if (e->d_type == DT_DIR)
      remove_dir(sub, &ignored);
    else if (files)
      unlink(sub);
    hacher_error_release(&ignored);
  }
  closedir(d);
}

/* rmdir, retried for a second while the last tasks finish leaving. */
static int remove_dir(const char *path, hacher_error_t *err)
{
  for (int i = 0;; i++) {
    if (rmdir(path) == 0 || errno == ENOENT)
      return 0;
    if ((errno != EBUSY && errno != ENOTEMPTY) || i == 100)
      return hacher_error(err, errno, "cgroup: rmdir \"%s\"", path);
    remove_children(path, errno == ENOTEMPTY);
    if (i > 0)
      cg_sleep_ms(10);
  }
}

int hacher_cgroup_remove(const struct hacher_cgroup *cg, hacher_error_t *err)
{
  int rc = 0;

  for (size_t i = 0; i < cg->ndirs; i++) {
    hacher_error_t e = NULL;
    if (remove_dir(cg->dirs[i].path, &e) < 0 && rc == 0) {
      *err = e; /* the first failure is reported; the others are still tried */
      rc = -1;
    } else {
      hacher_error_release(&e);
    }
  }
  return rc;
}

/* rmdir of a cgroup that has no child cgroups; in a unit test's tree the
 * plain files standing for the kernel's interface files go first. */
static bool remove_unused(const char *path)
{
  DIR *d;
  struct dirent *e;
  bool children = false;

  if (rmdir(path) == 0)
    return true;
  if (errno != ENOTEMPTY || (d = opendir(path)) == NULL)
    return false;
  while ((e = readdir(d)) != NULL)
    children |= e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  if (children)
    return false;
  remove_children(path, true);
  return rmdir(path) == 0;
}

void hacher_cgroup_rollback(struct hacher_cgroup *cg)
{
  for (size_t i = 0; i < cg->ndirs; i++) {
    struct hacher_cgroup_dir *d = &cg->dirs[i];
    cleanup_free char *p = xstrdup(d->path);
    hacher_error_t ignored = NULL;
    if (d->made == NULL)
      continue;
    remove_dir(p, &ignored);
    hacher_error_release(&ignored);
    /* the parents it made, bottom up; one that others now use stays */
    while (strcmp(p, d->made) != 0 && strrchr(p, '/') != NULL) {
      *strrchr(p, '/') = '\0';
      if (!remove_unused(p))
        break;
    }
    free(d->made);
    d->made = NULL;
  }
}

/* ---- membership ---- */

static void read_pids(const char *dir, pid_t **pids, size_t *n)
{
  cleanup_free char *text = NULL;
  hacher_error_t ignored = NULL;
  DIR *d;
  struct dirent *e;

  if (cg_read(dir, "cgroup.procs", &text, &ignored) < 0) {
    hacher_error_release(&ignored);
    return;
  }
  for (char *p = text, *end; *p; p = end) {
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    *pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
    (*pids)[(*n)++] = (pid_t)v;
  }
  if ((d = opendir(dir)) == NULL)
    return;
  while ((e = readdir(d)) != NULL)
    if (e->d_type == DT_DIR && e->d_name[0] != '.') {
      cleanup_free char *sub = xasprintf("%s/%s", dir, e->d_name);
      read_pids(sub, pids, n);
    }
  closedir(d);
}

pid_t *hacher_cgroup_pids(const struct hacher_cgroup *cg, size_t *n)
{
  const struct hacher_cgroup_dir *d = NULL;
  pid_t *pids = NULL;

  *n = 0;
  if (cg->version == 1)
    d = cg_v1_find(cg, "pids") ? cg_v1_find(cg, "pids") : cg_v1_find(cg, "memory");
  if (d == NULL)
    d = &cg->dirs[0];
  read_pids(d->path, &pids, n);
  return pids;
}

/* ---- state record ---- */

static void gen_string(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void hacher_cgroup_gen(const struct hacher_cgroup *cg, yajl_gen g)
{
  yajl_gen_map_open(g);
  gen_string(g, "version");
  yajl_gen_integer(g, cg->version);
  gen_string(g, "path");
  gen_string(g, cg->path);
  gen_string(g, "dirs");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < cg->ndirs; i++) {
    gen_string(g, cg->dirs[i].name);
    gen_string(g, cg->dirs[i].path);
  }
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}

int hacher_cgroup_from_tree(yajl_val v, struct hacher_cgroup **out)
{
  const char *vp[] = {"version", NULL}, *pp[] = {"path", NULL}, *dp[] = {"dirs", NULL};
  yajl_val ver = yajl_tree_get(v, vp, yajl_t_number), path = yajl_tree_get(v, pp, yajl_t_string);
  yajl_val dirs = yajl_tree_get(v, dp, yajl_t_object);
  struct hacher_cgroup *cg;

  if (ver == NULL || !YAJL_IS_INTEGER(ver) || path == NULL || dirs == NULL ||
      YAJL_GET_OBJECT(dirs)->len == 0)
    return -1;
  cg = xmalloc0(sizeof(*cg));
  cg->version = YAJL_GET_INTEGER(ver) == 2 ? 2 : 1;
  cg->path = xstrdup(YAJL_GET_STRING(path));
  cg->ndirs = YAJL_GET_OBJECT(dirs)->len;
  cg->dirs = xmalloc0(cg->ndirs * sizeof(*cg->dirs));
  for (size_t i = 0; i < cg->ndirs; i++) {
    yajl_val p = YAJL_GET_OBJECT(dirs)->values[i];
    cg->dirs[i].name = xstrdup(YAJL_GET_OBJECT(dirs)->keys[i]);
    cg->dirs[i].path = xstrdup(YAJL_IS_STRING(p) ? YAJL_GET_STRING(p) : "");
  }
  *out = cg;
  return 0;
}

void hacher_cgroup_free(struct hacher_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (size_t i = 0; i < cg->ndirs; i++) {
    free(cg->dirs[i].name);
    free(cg->dirs[i].mount);
    free(cg->dirs[i].path);
    free(cg->dirs[i].made);
  }
  free(cg->dirs);
  free(cg->path);
  free(cg);
}

/* ---- conversions and helpers shared by the backends ---- */

unsigned long long hacher_cgroup_shares_to_weight(unsigned long long shares)
{
  double l, exponent;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  /* a quadratic in log2(shares) through (2, 1), (1024, 100), (262144, 10000) */
  l = log2((double)shares);
  exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return (unsigned long long)ceil(pow(10, exponent));
}

int hacher_cgroup_swap_v2(int64_t swap, int64_t memory, char **value, hacher_error_t *err)
{
  *value = NULL;
  if (memory == -1 && swap == 0) /* unlimited memory: unlimited swap, as on v1 */
    swap = -1;
  if (swap == -1) {
    *value = xstrdup("max");
    return 0;
  }
  if (swap == 0)
    return 0;
  if (memory == -1) {
    *value = xasprintf("%lld", (long long)swap);
    return 0;
  }
  if (memory <= 0)
    return hacher_error(err, 0,
                        "linux.resources.memory.swap %lld: a swap limit needs a memory limit",
                        (long long)swap);
  if (swap < memory)
    return hacher_error(err, 0,
                        "linux.resources.memory.swap %lld is below the memory limit %lld (swap "
                        "is memory + swap)",
                        (long long)swap, (long long)memory);
  *value = xasprintf("%lld", (long long)(swap - memory));
  return 0;
}

int cg_write(const char *dir, const char *file, const char *value, hacher_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_close int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  size_t len = strlen(value);

  if (fd < 0)
    return hacher_error(err, errno, "cgroup: write \"%s\" to \"%s\"", value, path);
  if (write(fd, value, len) != (ssize_t)len)
    return hacher_error(err, errno ? errno : EIO, "cgroup: write \"%s\" to \"%s\"", value, path);
  return 0;
}

int cg_write_i64(const char *dir, const char *file, int64_t value, hacher_error_t *err)
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%lld", (long long)value);
  return cg_write(dir, file, buf, err);
}

int cg_read(const char *dir, const char *file, char **out, hacher_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  size_t size;

  if (read_file(path, out, &size, err) < 0)
    return -1;
  while (size > 0 && (*out)[size - 1] == '\n')
    (*out)[--size] = '\0';
  return 0;
}

bool cg_exists(const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

const struct hacher_cgroup_dir *cg_v1_find(const struct hacher_cgroup *cg, const char *ctl)
{
  for (size_t i = 0; i < cg->ndirs; i++) {
    const char *name = cg->dirs[i].name, *p = name;
    size_t cl = strlen(ctl);
    while ((p = strstr(p, ctl)) != NULL) {
      if ((p == name || p[-1] == ',') && (p[cl] == ',' || p[cl] == '\0'))
        return &cg->dirs[i];
      p += cl;
    }
  }
  return NULL;
}

int cg_no_controller(const struct hacher_cgroup *cg, const char *ctl, hacher_error_t *err)
{
  return hacher_error(err, 0, "cgroup \"%s\": this host has no %s controller", cg->path, ctl);
}

void cg_sleep_ms(int ms)
{
  struct timespec ts = {0, (long)ms * 1000000L};
  nanosleep(&ts, NULL);
}
