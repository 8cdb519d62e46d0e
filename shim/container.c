/* Container state directories and state.json. */
#include "container.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

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

int hacher_container_new(const char *root, const char *id, const char *bundle,
                         struct hacher_container **out, hacher_error_t *err)
{
  struct hacher_container *c;

  if (hacher_container_check_id(id, err) < 0)
    return -1;
  c = xmalloc0(sizeof(*c));
  c->id = xstrdup(id);
  c->bundle = realpath(bundle, NULL);
  if (c->bundle == NULL) {
    hacher_error(err, errno, "bundle \"%s\"", bundle);
    goto fail;
  }
  if (oci_config_load(bundle, &c->config, err) < 0 || resolve_rootfs(c, err) < 0)
    goto fail;
  if (!c->config->has_process) {
    hacher_error(err, 0, "%s/config.json: .process: missing", bundle);
    goto fail;
  }
  if (mkdir_p(root, 0711, err) < 0)
    goto fail;
  c->dir = xasprintf("%s/%s", root, id);
  if (mkdir(c->dir, 0711) < 0) {
    if (errno == EEXIST)
      hacher_error(err, 0, "container \"%s\" already exists", id);
    else
      hacher_error(err, errno, "mkdir \"%s\"", c->dir);
    free(c->dir);
    c->dir = NULL;
    goto fail;
  }
  *out = c;
  return 0;
fail:
  hacher_container_destroy(c, false);
  return -1;
}

static void gen_str(yajl_gen g, const char *k, const char *v)
{
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
  yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

int hacher_container_save(struct hacher_container *c, const char *status, hacher_error_t *err)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  const unsigned char *buf;
  size_t len;
  cleanup_free char *path = xasprintf("%s/state.json", c->dir);
  int rc;

  free(c->status);
  c->status = xstrdup(status);
  yajl_gen_map_open(g);
  gen_str(g, "ociVersion", "1.1.0");
  gen_str(g, "id", c->id);
  gen_str(g, "status", status);
  yajl_gen_string(g, (const unsigned char *)"pid", 3);
  yajl_gen_integer(g, c->pid);
  gen_str(g, "bundle", c->bundle);
  gen_str(g, "rootfs", c->rootfs);
  if (c->image != NULL)
    gen_str(g, "image", c->image);
  yajl_gen_map_close(g);
  yajl_gen_get_buf(g, &buf, &len);
  rc = write_file_atomic(path, buf, len, 0600, err);
  yajl_gen_free(g);
  return rc;
}

void hacher_container_destroy(struct hacher_container *c, bool remove_state)
{
  if (c == NULL)
    return;
  if (remove_state && c->dir != NULL) {
    hacher_error_t ignored = NULL;
    remove_tree(c->dir, &ignored);
    hacher_error_release(&ignored);
  }
  oci_config_free(c->config);
  free(c->id);
  free(c->dir);
  free(c->bundle);
  free(c->rootfs);
  free(c->status);
  free(c->image);
  free(c);
}
