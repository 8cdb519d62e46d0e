/* Container state directories and state.json. */
#include "container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../common/util.h"

int hacher_container_check_id(const char *id, hacher_error_t *err)
{
  if (id == NULL || *id == '\0')
    return hacher_error(err, 0, "container id cannot be empty");
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
    return hacher_error(err, 0, "invalid container id \"%s\"", id);
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && strchr("_+-.", *p) == NULL)
      return hacher_error(err, 0, "invalid container id \"%s\"", id);
  return 0;
}

static int resolve_rootfs(struct hacher_container *c, hacher_error_t *err)
{
  const char *root = c->config->root_path;
  cleanup_free char *joined = root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", c->bundle, root);
  struct stat st;

  if (stat(joined, &st) < 0)
    return hacher_error(err, errno, "rootfs \"%s\"", joined);
  if (!S_ISDIR(st.st_mode))
    return hacher_error(err, ENOTDIR, "rootfs \"%s\"", joined);
  c->rootfs = realpath(joined, NULL);
  if (c->rootfs == NULL)
    return hacher_error(err, errno, "rootfs \"%s\"", joined);
  return 0;
}

static char *now_rfc3339(void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

/* The config as created, for later commands (hooks at start and delete, the
 * cgroup): the bundle may change or go away meanwhile, as runc assumes. */
static int keep_config(struct hacher_container *c, const char *bundle, hacher_error_t *err)
{
  cleanup_free char *src = xasprintf("%s/config.json", bundle);
  cleanup_free char *dst = xasprintf("%s/config.json", c->dir);
  cleanup_free char *text = NULL;
  size_t size;

  if (read_file(src, &text, &size, err) < 0)
    return -1;
  return write_file_atomic(dst, text, size, 0600, err);
}

int hacher_container_config(struct hacher_container *c, hacher_error_t *err)
{
  if (c->config != NULL)
    return 0;
  return oci_config_load(c->dir, &c->config, err);
}

/* The bundle's absolute path, its config and its rootfs. */
static int load_bundle(struct hacher_container *c, const char *bundle, hacher_error_t *err)
{
  c->bundle = realpath(bundle, NULL);
  if (c->bundle == NULL)
    return hacher_error(err, errno, "bundle \"%s\"", bundle);
  if (oci_config_load(bundle, &c->config, err) < 0 || resolve_rootfs(c, err) < 0)
    return -1;
  if (!c->config->has_process)
    return hacher_error(err, 0, "%s/config.json: .process: missing", bundle);
  return 0;
}

int hacher_container_from_bundle(const char *bundle, struct hacher_container **out,
                                 hacher_error_t *err)
{
  struct hacher_container *c = xmalloc0(sizeof(*c));

  c->id = xstrdup("measure");
  if (load_bundle(c, bundle, err) < 0) {
    hacher_container_destroy(c, false);
    return -1;
  }
  *out = c;
  return 0;
}

int hacher_container_new(const char *root, const char *id, const char *bundle,
                         struct hacher_container **out, hacher_error_t *err)
{
  struct hacher_container *c;

  if (hacher_container_check_id(id, err) < 0)
    return -1;
  c = xmalloc0(sizeof(*c));
  c->id = xstrdup(id);
  c->created = now_rfc3339();
  if (load_bundle(c, bundle, err) < 0 || mkdir_p(root, 0711, err) < 0)
    goto fail;
  c->dir = xasprintf("%s/%s", root, id);
  if (mkdir(c->dir, 0711) < 0) {
    if (errno == EEXIST)
      hacher_error(err, 0, "container with id exists: %s", id);
    else
      hacher_error(err, errno, "mkdir \"%s\"", c->dir);
    free(c->dir);
    c->dir = NULL;
    goto fail;
  }
  if (keep_config(c, bundle, err) < 0) {
    hacher_container_destroy(c, true);
    return -1;
  }
  *out = c;
  return 0;
fail:
  hacher_container_destroy(c, false);
  return -1;
}

static const char *get_str(yajl_val tree, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(tree, path, yajl_t_string);
  return v ? YAJL_GET_STRING(v) : NULL;
}

static long long get_int(yajl_val tree, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(tree, path, yajl_t_number);
  return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static char *dup_or_null(const char *s)
{
  return s ? xstrdup(s) : NULL;
}

static void load_cgroup(struct hacher_container *c, yajl_val tree)
{
  const char *path[] = {"cgroup", NULL};
  yajl_val v = yajl_tree_get(tree, path, yajl_t_object);

  if (v != NULL && hacher_cgroup_from_tree(v, &c->cgroup) < 0)
    c->cgroup = NULL;
}

int hacher_container_load(const char *root, const char *id, struct hacher_container **out,
                          hacher_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  struct hacher_container *c;
  hacher_error_t e = NULL;
  yajl_val tree;

  if (hacher_container_check_id(id, err) < 0)
    return -1;
  path = xasprintf("%s/%s/state.json", root, id);
  if (read_file(path, &text, NULL, &e) < 0) {
    int notfound = e->status == ENOENT;
    hacher_error_release(&e);
    if (notfound)
      return hacher_error(err, 0, "container does not exist");
    return hacher_error(err, errno, "read \"%s\"", path);
  }
  tree = yajl_tree_parse(text, NULL, 0);
  if (tree == NULL)
    return hacher_error(err, 0, "\"%s\": not valid JSON", path);
  c = xmalloc0(sizeof(*c));
  c->id = xstrdup(id);
  c->dir = xasprintf("%s/%s", root, id);
  c->bundle = dup_or_null(get_str(tree, "bundle"));
  c->rootfs = dup_or_null(get_str(tree, "rootfs"));
  c->status = dup_or_null(get_str(tree, "status"));
  c->image = dup_or_null(get_str(tree, "image"));
  c->measurement = dup_or_null(get_str(tree, "measurement"));
  c->created = dup_or_null(get_str(tree, "created"));
  c->pid = (pid_t)get_int(tree, "pid");
  c->pid_start = (uint64_t)get_int(tree, "pidStart");
  c->paused = c->status && strcmp(c->status, "paused") == 0;
  load_cgroup(c, tree);
  yajl_tree_free(tree);
  *out = c;
  return 0;
}

static void gen_str(yajl_gen g, const char *k, const char *v)
{
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
  if (v)
    yajl_gen_string(g, (const unsigned char *)v, strlen(v));
  else
    yajl_gen_null(g);
}

static void gen_int(yajl_gen g, const char *k, long long v)
{
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
  yajl_gen_integer(g, v);
}

/* The runc state shape; extra fields (pidStart, image, cgroup) only in the file. */
static char *state_json(const struct hacher_container *c, const char *status, bool file)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  const unsigned char *buf;
  size_t len;
  char *out;

  yajl_gen_config(g, yajl_gen_beautify, !file);
  yajl_gen_map_open(g);
  gen_str(g, "ociVersion", "1.1.0");
  gen_str(g, "id", c->id);
  gen_int(g, "pid", c->pid);
  gen_str(g, "status", status);
  gen_str(g, "bundle", c->bundle);
  gen_str(g, "rootfs", c->rootfs);
  gen_str(g, "created", c->created);
  gen_str(g, "owner", "");
  if (file) {
    gen_int(g, "pidStart", (long long)c->pid_start);
    if (c->image)
      gen_str(g, "image", c->image);
    if (c->measurement)
      gen_str(g, "measurement", c->measurement);
    if (c->cgroup) {
      yajl_gen_string(g, (const unsigned char *)"cgroup", 6);
      hacher_cgroup_gen(c->cgroup, g);
    }
  } else if (c->image || c->measurement) {
    yajl_gen_string(g, (const unsigned char *)"annotations", 11);
    yajl_gen_map_open(g);
    if (c->image)
      gen_str(g, "io.hacher.image", c->image);
    if (c->measurement)
      gen_str(g, "io.hacher.measurement", c->measurement);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);
  yajl_gen_get_buf(g, &buf, &len);
  out = xasprintf("%.*s", (int)len, buf);
  yajl_gen_free(g);
  return out;
}

int hacher_container_save(struct hacher_container *c, const char *status, hacher_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/state.json", c->dir);
  cleanup_free char *json = NULL;

  free(c->status);
  c->status = xstrdup(status);
  json = state_json(c, status, true);
  return write_file_atomic(path, json, strlen(json), 0600, err);
}

char *hacher_container_hook_state(const struct hacher_container *c, const char *status)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  const unsigned char *buf;
  size_t len;
  char *out;

  yajl_gen_map_open(g);
  gen_str(g, "ociVersion", "1.1.0");
  gen_str(g, "id", c->id);
  gen_str(g, "status", status);
  gen_int(g, "pid", c->pid);
  gen_str(g, "bundle", c->bundle);
  yajl_gen_string(g, (const unsigned char *)"annotations", 11);
  yajl_gen_map_open(g);
  for (size_t i = 0; c->config != NULL && i < c->config->annotations_count; i++)
    gen_str(g, c->config->annotations[i].key, c->config->annotations[i].value);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  yajl_gen_get_buf(g, &buf, &len);
  out = xasprintf("%.*s", (int)len, buf);
  yajl_gen_free(g);
  return out;
}

char *hacher_container_state_json(const struct hacher_container *c)
{
  return state_json(c, hacher_container_status(c), false);
}

uint64_t hacher_pid_start(pid_t pid)
{
  char path[64], buf[1024];
  unsigned long long start = 0;
  int fd, n;
  char *p;

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = (int)read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  p = strrchr(buf, ')'); /* the command may contain spaces */
  if (p == NULL || p[1] == '\0')
    return 0;
  /* after ")": state is field 3; starttime is field 22 */
  if (sscanf(p + 2,
             "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
             &start) != 1)
    return 0;
  if (p[2] == 'Z' || p[2] == 'X')
    return 0; /* a zombie has ended */
  return start;
}

char *hacher_container_fifo(const struct hacher_container *c)
{
  return xasprintf("%s/exec.fifo", c->dir);
}

const char *hacher_container_status(const struct hacher_container *c)
{
  cleanup_free char *fifo = NULL;

  /* while creating, pid is the `create` command itself */
  if (c->pid <= 0 || c->pid_start == 0 || hacher_pid_start(c->pid) != c->pid_start)
    return "stopped";
  if (c->status && strcmp(c->status, "creating") == 0)
    return "creating";
  fifo = hacher_container_fifo(c);
  if (access(fifo, F_OK) == 0)
    return "created";
  return c->paused ? "paused" : "running";
}

struct hacher_container **hacher_container_list(const char *root, size_t *n)
{
  struct hacher_container **cs = NULL;
  DIR *d = opendir(root);
  struct dirent *e;

  *n = 0;
  if (d == NULL)
    return NULL;
  while ((e = readdir(d)) != NULL) {
    struct hacher_container *c;
    hacher_error_t ignored = NULL;
    if (e->d_name[0] == '.' || hacher_container_load(root, e->d_name, &c, &ignored) < 0) {
      hacher_error_release(&ignored);
      continue;
    }
    cs = xrealloc(cs, (*n + 1) * sizeof(*cs));
    cs[(*n)++] = c;
  }
  closedir(d);
  return cs;
}

void hacher_container_list_free(struct hacher_container **cs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    hacher_container_destroy(cs[i], false);
  free(cs);
}

int hacher_container_lock(const struct hacher_container *c, hacher_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/lock", c->dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", path);
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR) {
      close(fd);
      return hacher_error(err, errno, "lock \"%s\"", path);
    }
  return fd;
}

void hacher_container_remove_state(struct hacher_container *c)
{
  hacher_error_t ignored = NULL;

  if (c->dir != NULL && remove_tree(c->dir, &ignored) < 0)
    hacher_error_release(&ignored);
}

void hacher_container_destroy(struct hacher_container *c, bool remove_state)
{
  if (c == NULL)
    return;
  if (remove_state)
    hacher_container_remove_state(c);
  oci_config_free(c->config);
  hacher_cgroup_free(c->cgroup);
  free(c->id);
  free(c->dir);
  free(c->bundle);
  free(c->rootfs);
  free(c->status);
  free(c->image);
  free(c->measurement);
  free(c->created);
  free(c);
}
