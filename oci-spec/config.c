/* config.json parser: yajl tree -> struct oci_config, errors name the JSON path. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "resources.h"
#include "seccomp.h"

#include "../common/util.h"

static int parse_user(struct json_ctx *c, struct oci_config *cfg, yajl_val process, const char *pp)
{
  cleanup_free char *path = xasprintf("%s.user", pp);
  yajl_val user, gids;

  if (json_typed(c, process, pp, "user", yajl_t_object, &user) < 0)
    return -1;
  if (user == NULL)
    return 0;
  if (json_u32(c, user, path, "uid", NULL, &cfg->uid) < 0 ||
      json_u32(c, user, path, "gid", NULL, &cfg->gid) < 0 ||
      json_u32(c, user, path, "umask", &cfg->has_umask, &cfg->umask) < 0 ||
      json_typed(c, user, path, "additionalGids", yajl_t_array, &gids) < 0)
    return -1;
  if (gids == NULL)
    return 0;
  cfg->additional_gids = xmalloc0(sizeof(uint32_t) * (gids->u.array.len + 1));
  for (size_t i = 0; i < gids->u.array.len; i++) {
    uint64_t n;
    if (!json_to_u64(gids->u.array.values[i], UINT32_MAX, &n))
      return hacher_error(c->err, 0, "%s: %s.additionalGids[%zu]: %s", c->name, path, i,
                          "expected an unsigned 32-bit integer");
    cfg->additional_gids[cfg->additional_gids_count++] = (uint32_t)n;
  }
  return 0;
}

static int parse_rlimit(struct json_ctx *c, struct oci_rlimit *rl, yajl_val v, const char *pp,
                        size_t i)
{
  cleanup_free char *path = xasprintf("%s.rlimits[%zu]", pp, i);

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_string(c, v, path, "type", true, &rl->type) < 0 ||
      json_u64(c, v, path, "hard", NULL, &rl->hard) < 0 ||
      json_u64(c, v, path, "soft", NULL, &rl->soft) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(struct json_ctx *c, struct oci_config *cfg, yajl_val process,
                         const char *pp)
{
  yajl_val arr;
  size_t n;

  if (json_typed(c, process, pp, "rlimits", yajl_t_array, &arr) < 0)
    return -1;
  n = arr ? arr->u.array.len : 0;
  /* One spare zeroed entry keeps the pointer non-NULL when empty. */
  cfg->rlimits = xmalloc0(sizeof(*cfg->rlimits) * (n + 1));
  cfg->rlimits_count = n;
  for (size_t i = 0; i < n; i++)
    if (parse_rlimit(c, &cfg->rlimits[i], arr->u.array.values[i], pp, i) < 0)
      return -1;
  return 0;
}

const char *const oci_cap_set_names[OCI_CAP_SETS] = {"bounding", "effective", "inheritable",
                                                     "permitted", "ambient"};

static int parse_capabilities(struct json_ctx *c, struct oci_config *cfg, yajl_val process,
                              const char *pp)
{
  cleanup_free char *path = xasprintf("%s.capabilities", pp);
  yajl_val caps;

  if (json_typed(c, process, pp, "capabilities", yajl_t_object, &caps) < 0)
    return -1;
  for (int i = 0; i < OCI_CAP_SETS; i++) {
    if (caps == NULL)
      cfg->caps[i] = xmalloc0(sizeof(char *));
    else if (json_string_array(c, caps, path, oci_cap_set_names[i], &cfg->caps[i],
                               &cfg->caps_count[i]) < 0)
      return -1;
  }
  return 0;
}

static int parse_console_size(struct json_ctx *c, struct oci_config *cfg, yajl_val process,
                              const char *pp)
{
  cleanup_free char *path = xasprintf("%s.consoleSize", pp);
  yajl_val size;

  if (json_typed(c, process, pp, "consoleSize", yajl_t_object, &size) < 0)
    return -1;
  if (size == NULL)
    return 0;
  if (json_u32(c, size, path, "height", NULL, &cfg->console_height) < 0 ||
      json_u32(c, size, path, "width", NULL, &cfg->console_width) < 0)
    return -1;
  return 0;
}

/* A process object at path ("" for a process.json of its own). */
static int parse_process_obj(struct json_ctx *c, struct oci_config *cfg, yajl_val process,
                             const char *path)
{
  cfg->has_process = true;
  if (json_member(process, "args") == NULL)
    return json_error(c, path, "args", "missing");
  if (json_string_array(c, process, path, "args", &cfg->args, &cfg->args_count) < 0)
    return -1;
  if (cfg->args_count == 0)
    return json_error(c, path, "args", "expected a non-empty array of strings");
  if (json_bool(c, process, path, "terminal", &cfg->terminal) < 0 ||
      json_string_array(c, process, path, "env", &cfg->env, &cfg->env_count) < 0 ||
      json_string(c, process, path, "cwd", false, &cfg->cwd) < 0 ||
      json_bool(c, process, path, "noNewPrivileges", &cfg->no_new_privileges) < 0 ||
      parse_user(c, cfg, process, path) < 0 || parse_rlimits(c, cfg, process, path) < 0 ||
      json_i64(c, process, path, "oomScoreAdj", &cfg->has_oom_score_adj, &cfg->oom_score_adj) < 0 ||
      parse_capabilities(c, cfg, process, path) < 0 ||
      parse_console_size(c, cfg, process, path) < 0)
    return -1;
  if (cfg->has_oom_score_adj && (cfg->oom_score_adj < -1000 || cfg->oom_score_adj > 1000))
    return json_error(c, path, "oomScoreAdj", "expected a value from -1000 to 1000");
  if (cfg->cwd != NULL && cfg->cwd[0] != '/')
    return json_error(c, path, "cwd", "expected an absolute path");
  return 0;
}

static int parse_process(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val process;

  if (json_typed(c, root, "", "process", yajl_t_object, &process) < 0)
    return -1;
  return process == NULL ? 0 : parse_process_obj(c, cfg, process, ".process");
}

static int parse_root(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val v;

  if (json_typed(c, root, "", "root", yajl_t_object, &v) < 0)
    return -1;
  if (v == NULL)
    return json_error(c, ".root", "path", "missing");
  if (json_string(c, v, ".root", "path", true, &cfg->root_path) < 0 ||
      json_bool(c, v, ".root", "readonly", &cfg->root_readonly) < 0)
    return -1;
  return 0;
}

static int parse_mount(struct json_ctx *c, struct oci_mount *m, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(".mounts[%zu]", i);

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_string(c, v, path, "destination", true, &m->destination) < 0 ||
      json_string(c, v, path, "type", false, &m->type) < 0 ||
      json_string(c, v, path, "source", false, &m->source) < 0 ||
      json_string_array(c, v, path, "options", &m->options, &m->options_count) < 0)
    return -1;
  return 0;
}

static int parse_mounts(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val arr;
  size_t n;

  if (json_typed(c, root, "", "mounts", yajl_t_array, &arr) < 0)
    return -1;
  n = arr ? arr->u.array.len : 0;
  cfg->mounts = xmalloc0(sizeof(*cfg->mounts) * (n + 1));
  cfg->mounts_count = n;
  for (size_t i = 0; i < n; i++)
    if (parse_mount(c, &cfg->mounts[i], arr->u.array.values[i], i) < 0)
      return -1;
  return 0;
}

/* Annotation keys are arbitrary text: quote them so the path stays unambiguous. */
static char *quote_key(const char *key)
{
  size_t len = strlen(key);
  char *out = xmalloc(len * 6 + 3), *p = out;

  *p++ = '"';
  for (const unsigned char *s = (const unsigned char *)key; *s; s++) {
    if (*s == '"' || *s == '\\') {
      *p++ = '\\';
      *p++ = (char)*s;
    } else if (*s < 0x20 || *s == 0x7f) {
      p += sprintf(p, "\\u%04x", *s);
    } else {
      *p++ = (char)*s;
    }
  }
  *p++ = '"';
  *p = '\0';
  return out;
}

static int parse_annotations(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val obj;
  size_t n;

  if (json_typed(c, root, "", "annotations", yajl_t_object, &obj) < 0)
    return -1;
  n = obj ? obj->u.object.len : 0;
  cfg->annotations = xmalloc0(sizeof(*cfg->annotations) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    yajl_val v = obj->u.object.values[i];
    if (!YAJL_IS_STRING(v)) {
      cleanup_free char *q = quote_key(obj->u.object.keys[i]);
      return hacher_error(c->err, 0, "%s: .annotations[%s]: expected a string", c->name, q);
    }
    cfg->annotations[i].key = xstrdup(obj->u.object.keys[i]);
    cfg->annotations[i].value = xstrdup(YAJL_GET_STRING(v));
    cfg->annotations_count++;
  }
  return 0;
}

static int parse_namespace(struct json_ctx *c, struct oci_namespace *ns, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(".linux.namespaces[%zu]", i);

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_string(c, v, path, "type", true, &ns->type) < 0 ||
      json_string(c, v, path, "path", false, &ns->path) < 0)
    return -1;
  return 0;
}

static int parse_linux(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val linux_obj = NULL, arr = NULL, res, sc;
  size_t n;

  if (json_typed(c, root, "", "linux", yajl_t_object, &linux_obj) < 0)
    return -1;
  if (linux_obj != NULL && json_typed(c, linux_obj, ".linux", "namespaces", yajl_t_array, &arr) < 0)
    return -1;
  n = arr ? arr->u.array.len : 0;
  cfg->namespaces = xmalloc0(sizeof(*cfg->namespaces) * (n + 1));
  cfg->namespaces_count = n;
  for (size_t i = 0; i < n; i++)
    if (parse_namespace(c, &cfg->namespaces[i], arr->u.array.values[i], i) < 0)
      return -1;
  if (linux_obj == NULL)
    return 0;
  if (json_string(c, linux_obj, ".linux", "cgroupsPath", false, &cfg->cgroups_path) < 0 ||
      json_string_array(c, linux_obj, ".linux", "readonlyPaths", &cfg->readonly_paths,
                        &cfg->readonly_paths_count) < 0 ||
      json_string_array(c, linux_obj, ".linux", "maskedPaths", &cfg->masked_paths,
                        &cfg->masked_paths_count) < 0 ||
      json_typed(c, linux_obj, ".linux", "resources", yajl_t_object, &res) < 0 ||
      json_typed(c, linux_obj, ".linux", "seccomp", yajl_t_object, &sc) < 0)
    return -1;
  if (sc != NULL && oci_seccomp_from_tree(c, sc, &cfg->seccomp) < 0)
    return -1;
  return res ? oci_resources_from_tree(c, res, ".linux.resources", &cfg->resources) : 0;
}

/* Vectors the consumers index without checks must exist even when absent. */
static void fill_defaults(struct oci_config *cfg)
{
  if (cfg->args == NULL)
    cfg->args = xmalloc0(sizeof(char *));
  if (cfg->env == NULL)
    cfg->env = xmalloc0(sizeof(char *));
  if (cfg->cwd == NULL)
    cfg->cwd = xstrdup("/");
  if (cfg->additional_gids == NULL)
    cfg->additional_gids = xmalloc0(sizeof(uint32_t));
  if (cfg->rlimits == NULL)
    cfg->rlimits = xmalloc0(sizeof(*cfg->rlimits));
  if (cfg->readonly_paths == NULL)
    cfg->readonly_paths = xmalloc0(sizeof(char *));
  if (cfg->masked_paths == NULL)
    cfg->masked_paths = xmalloc0(sizeof(char *));
  for (int i = 0; i < OCI_CAP_SETS; i++)
    if (cfg->caps[i] == NULL)
      cfg->caps[i] = xmalloc0(sizeof(char *));
  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    if (cfg->hooks[k] == NULL)
      cfg->hooks[k] = xmalloc0(sizeof(struct oci_hook));
}

const char *const oci_hook_names[OCI_HOOK_KINDS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};

static int parse_hook(struct json_ctx *c, struct oci_hook *h, yajl_val v, const char *kind,
                      size_t i)
{
  cleanup_free char *path = xasprintf(".hooks.%s[%zu]", kind, i);

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_string(c, v, path, "path", true, &h->path) < 0 ||
      json_string_array(c, v, path, "args", &h->args, &h->args_count) < 0 ||
      json_string_array(c, v, path, "env", &h->env, &h->env_count) < 0 ||
      json_i64(c, v, path, "timeout", &h->has_timeout, &h->timeout) < 0)
    return -1;
  if (h->path[0] != '/')
    return json_error(c, path, "path", "expected an absolute path");
  if (h->has_timeout && h->timeout <= 0)
    return json_error(c, path, "timeout", "expected a positive number of seconds");
  return 0;
}

static int parse_hooks(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val hooks, arr = NULL;

  if (json_typed(c, root, "", "hooks", yajl_t_object, &hooks) < 0)
    return -1;
  for (int k = 0; k < OCI_HOOK_KINDS; k++) {
    size_t n;
    if (hooks != NULL && json_typed(c, hooks, ".hooks", oci_hook_names[k], yajl_t_array, &arr) < 0)
      return -1;
    n = hooks != NULL && arr != NULL ? arr->u.array.len : 0;
    cfg->hooks[k] = xmalloc0(sizeof(struct oci_hook) * (n + 1));
    cfg->hooks_count[k] = n;
    for (size_t i = 0; i < n; i++)
      if (parse_hook(c, &cfg->hooks[k][i], arr->u.array.values[i], oci_hook_names[k], i) < 0)
        return -1;
  }
  return 0;
}

static int parse_config(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  if (json_string(c, root, "", "ociVersion", true, &cfg->oci_version) < 0 ||
      parse_root(c, cfg, root) < 0 || parse_process(c, cfg, root) < 0 ||
      json_string(c, root, "", "hostname", false, &cfg->hostname) < 0 ||
      parse_mounts(c, cfg, root) < 0 || parse_annotations(c, cfg, root) < 0 ||
      parse_linux(c, cfg, root) < 0 || parse_hooks(c, cfg, root) < 0)
    return -1;
  fill_defaults(cfg);
  return 0;
}

/* Parse text with parse (the whole config, or a process object alone). */
static int parse_with(int (*parse)(struct json_ctx *, struct oci_config *, yajl_val),
                      const char *name, const char *text, size_t size, struct oci_config **out,
                      hacher_error_t *err)
{
  struct json_ctx c = {.name = name, .err = err};
  struct oci_config *cfg;
  yajl_val root = NULL;
  int rc;

  if (json_parse(&c, text, size, &root) < 0) {
    yajl_tree_free(root);
    return -1;
  }
  cfg = xmalloc0(sizeof(*cfg));
  rc = parse(&c, cfg, root);
  yajl_tree_free(root);
  if (rc < 0) {
    oci_config_free(cfg);
    return -1;
  }
  *out = cfg;
  return 0;
}

static int parse_process_only(struct json_ctx *c, struct oci_config *cfg, yajl_val root)
{
  if (parse_process_obj(c, cfg, root, "") < 0)
    return -1;
  fill_defaults(cfg);
  return 0;
}

int oci_config_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                     hacher_error_t *err)
{
  return parse_with(parse_config, name, text, size, out, err);
}

int oci_process_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                      hacher_error_t *err)
{
  return parse_with(parse_process_only, name, text, size, out, err);
}

int oci_config_load(const char *bundle, struct oci_config **out, hacher_error_t *err)
{
  cleanup_free char *dir = xstrdup(bundle ? bundle : "");
  cleanup_free char *path = NULL, *text = NULL;
  size_t len = strlen(dir), size;

  while (len > 1 && dir[len - 1] == '/')
    dir[--len] = '\0';
  if (len == 0 || strcmp(dir, ".") == 0)
    path = xstrdup("config.json");
  else
    path = xasprintf("%s%sconfig.json", dir, dir[len - 1] == '/' ? "" : "/");
  if (read_file(path, &text, &size, err) < 0)
    return -1;
  return oci_config_parse(path, text, size, out, err);
}

static void free_strv(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

void oci_config_free(struct oci_config *cfg)
{
  if (cfg == NULL)
    return;
  free(cfg->oci_version);
  free_strv(cfg->args);
  free_strv(cfg->env);
  free(cfg->cwd);
  free(cfg->additional_gids);
  for (size_t i = 0; cfg->rlimits && i < cfg->rlimits_count; i++)
    free(cfg->rlimits[i].type);
  free(cfg->rlimits);
  free(cfg->root_path);
  free(cfg->hostname);
  for (size_t i = 0; cfg->mounts && i < cfg->mounts_count; i++) {
    free(cfg->mounts[i].destination);
    free(cfg->mounts[i].type);
    free(cfg->mounts[i].source);
    free_strv(cfg->mounts[i].options);
  }
  free(cfg->mounts);
  for (size_t i = 0; i < cfg->annotations_count; i++) {
    free(cfg->annotations[i].key);
    free(cfg->annotations[i].value);
  }
  free(cfg->annotations);
  for (size_t i = 0; cfg->namespaces && i < cfg->namespaces_count; i++) {
    free(cfg->namespaces[i].type);
    free(cfg->namespaces[i].path);
  }
  free(cfg->namespaces);
  free(cfg->cgroups_path);
  oci_resources_free(&cfg->resources);
  free_strv(cfg->readonly_paths);
  free_strv(cfg->masked_paths);
  for (int i = 0; i < OCI_CAP_SETS; i++)
    free_strv(cfg->caps[i]);
  for (int k = 0; k < OCI_HOOK_KINDS; k++) {
    for (size_t i = 0; cfg->hooks[k] && i < cfg->hooks_count[k]; i++) {
      free(cfg->hooks[k][i].path);
      free_strv(cfg->hooks[k][i].args);
      free_strv(cfg->hooks[k][i].env);
    }
    free(cfg->hooks[k]);
  }
  oci_seccomp_free(cfg->seccomp);
  free(cfg);
}

/* Duplicate keys are kept in order; the last one wins, as in a Go map. */
const char *oci_config_annotation(const struct oci_config *cfg, const char *key)
{
  for (size_t i = cfg->annotations_count; i > 0; i--)
    if (strcmp(cfg->annotations[i - 1].key, key) == 0)
      return cfg->annotations[i - 1].value;
  return NULL;
}
