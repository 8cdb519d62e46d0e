/* config.json parser: yajl tree -> struct oci_config, errors name the JSON path. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "../common/util.h"

/* yajl_tree_free recurses once per level; bound it well below stack size. */
#define MAX_JSON_DEPTH 1000

struct ctx {
  const char *name;
  hacher_error_t *err;
};

static int path_error(struct ctx *c, const char *path, const char *key, const char *what)
{
  return hacher_error(c->err, 0, "%s: %s%s%s: %s", c->name, path, key ? "." : "", key ? key : "",
                      what);
}

/* Null counts as absent, like Go's encoding/json; the last duplicate wins. */
static yajl_val member(yajl_val obj, const char *key)
{
  yajl_val found = NULL;

  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp(obj->u.object.keys[i], key) == 0)
      found = obj->u.object.values[i];
  return YAJL_IS_NULL(found) ? NULL : found;
}

/* Digits only (optional leading '-' when signed): rejects 1.0, 1e3 and -0 for unsigned. */
static bool number_text_ok(yajl_val v, bool allow_minus)
{
  const char *s;

  if (!YAJL_IS_NUMBER(v) || YAJL_GET_NUMBER(v) == NULL)
    return false;
  s = YAJL_GET_NUMBER(v);
  if (allow_minus && *s == '-')
    s++;
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return false;
  return true;
}

static bool to_u64(yajl_val v, uint64_t max, uint64_t *out)
{
  unsigned long long n;
  char *end;

  if (!number_text_ok(v, false))
    return false;
  errno = 0;
  n = strtoull(YAJL_GET_NUMBER(v), &end, 10);
  if (errno != 0 || *end != '\0' || n > max)
    return false;
  *out = n;
  return true;
}

static bool to_i64(yajl_val v, int64_t *out)
{
  long long n;
  char *end;

  if (!number_text_ok(v, true))
    return false;
  errno = 0;
  n = strtoll(YAJL_GET_NUMBER(v), &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = n;
  return true;
}

static int get_string(struct ctx *c, yajl_val obj, const char *path, const char *key, bool required,
                      char **out)
{
  yajl_val v = member(obj, key);

  if (v == NULL)
    return required ? path_error(c, path, key, "missing") : 0;
  if (!YAJL_IS_STRING(v))
    return path_error(c, path, key, "expected a string");
  if (required && *YAJL_GET_STRING(v) == '\0')
    return path_error(c, path, key, "expected a non-empty string");
  free(*out);
  *out = xstrdup(YAJL_GET_STRING(v));
  return 0;
}

static int get_bool(struct ctx *c, yajl_val obj, const char *path, const char *key, bool *out)
{
  yajl_val v = member(obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
    return path_error(c, path, key, "expected a boolean");
  *out = YAJL_IS_TRUE(v);
  return 0;
}

static int get_u32(struct ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
                   uint32_t *out)
{
  yajl_val v = member(obj, key);
  uint64_t n;

  if (v == NULL)
    return 0;
  if (!to_u64(v, UINT32_MAX, &n))
    return path_error(c, path, key, "expected an unsigned 32-bit integer");
  *out = (uint32_t)n;
  if (present)
    *present = true;
  return 0;
}

static int get_u64(struct ctx *c, yajl_val obj, const char *path, const char *key, uint64_t *out)
{
  yajl_val v = member(obj, key);

  if (v == NULL)
    return path_error(c, path, key, "missing");
  if (!to_u64(v, UINT64_MAX, out))
    return path_error(c, path, key, "expected an unsigned 64-bit integer");
  return 0;
}

static int get_i64(struct ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
                   int64_t *out)
{
  yajl_val v = member(obj, key);

  if (v == NULL)
    return 0;
  if (!to_i64(v, out))
    return path_error(c, path, key, "expected a 64-bit integer");
  *present = true;
  return 0;
}

/* *out is NULL when absent, so callers can skip optional sections. */
static int get_typed(struct ctx *c, yajl_val obj, const char *path, const char *key, yajl_type type,
                     yajl_val *out)
{
  yajl_val v = member(obj, key);

  *out = NULL;
  if (v == NULL)
    return 0;
  if (v->type != type)
    return path_error(c, path, key,
                      type == yajl_t_object ? "expected an object" : "expected an array");
  *out = v;
  return 0;
}

/* Absent gives an empty array: consumers rely on never-NULL vectors. */
static int get_string_array(struct ctx *c, yajl_val obj, const char *path, const char *key,
                            char ***out, size_t *count)
{
  yajl_val v = member(obj, key);
  size_t n = YAJL_IS_ARRAY(v) ? v->u.array.len : 0;

  if (v != NULL && !YAJL_IS_ARRAY(v))
    return path_error(c, path, key, "expected an array of strings");
  for (size_t i = 0; i < n; i++)
    if (!YAJL_IS_STRING(v->u.array.values[i]))
      return path_error(c, path, key, "expected an array of strings");
  *out = xmalloc0(sizeof(char *) * (n + 1));
  for (size_t i = 0; i < n; i++)
    (*out)[i] = xstrdup(YAJL_GET_STRING(v->u.array.values[i]));
  *count = n;
  return 0;
}

static int parse_user(struct ctx *c, struct oci_config *cfg, yajl_val process)
{
  const char *path = ".process.user";
  yajl_val user, gids;

  if (get_typed(c, process, ".process", "user", yajl_t_object, &user) < 0)
    return -1;
  if (user == NULL)
    return 0;
  if (get_u32(c, user, path, "uid", NULL, &cfg->uid) < 0 ||
      get_u32(c, user, path, "gid", NULL, &cfg->gid) < 0 ||
      get_u32(c, user, path, "umask", &cfg->has_umask, &cfg->umask) < 0 ||
      get_typed(c, user, path, "additionalGids", yajl_t_array, &gids) < 0)
    return -1;
  if (gids == NULL)
    return 0;
  cfg->additional_gids = xmalloc0(sizeof(uint32_t) * (gids->u.array.len + 1));
  for (size_t i = 0; i < gids->u.array.len; i++) {
    uint64_t n;
    if (!to_u64(gids->u.array.values[i], UINT32_MAX, &n))
      return hacher_error(c->err, 0, "%s: %s.additionalGids[%zu]: %s", c->name, path, i,
                          "expected an unsigned 32-bit integer");
    cfg->additional_gids[cfg->additional_gids_count++] = (uint32_t)n;
  }
  return 0;
}

static int parse_rlimit(struct ctx *c, struct oci_rlimit *rl, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(".process.rlimits[%zu]", i);

  if (!YAJL_IS_OBJECT(v))
    return path_error(c, path, NULL, "expected an object");
  if (get_string(c, v, path, "type", true, &rl->type) < 0 ||
      get_u64(c, v, path, "hard", &rl->hard) < 0 || get_u64(c, v, path, "soft", &rl->soft) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(struct ctx *c, struct oci_config *cfg, yajl_val process)
{
  yajl_val arr;
  size_t n;

  if (get_typed(c, process, ".process", "rlimits", yajl_t_array, &arr) < 0)
    return -1;
  n = arr ? arr->u.array.len : 0;
  /* One spare zeroed entry keeps the pointer non-NULL when empty. */
  cfg->rlimits = xmalloc0(sizeof(*cfg->rlimits) * (n + 1));
  cfg->rlimits_count = n;
  for (size_t i = 0; i < n; i++)
    if (parse_rlimit(c, &cfg->rlimits[i], arr->u.array.values[i], i) < 0)
      return -1;
  return 0;
}

static int parse_process(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  const char *path = ".process";
  yajl_val process;

  if (get_typed(c, root, "", "process", yajl_t_object, &process) < 0)
    return -1;
  if (process == NULL)
    return 0;
  cfg->has_process = true;
  if (member(process, "args") == NULL)
    return path_error(c, path, "args", "missing");
  if (get_string_array(c, process, path, "args", &cfg->args, &cfg->args_count) < 0)
    return -1;
  if (cfg->args_count == 0)
    return path_error(c, path, "args", "expected a non-empty array of strings");
  if (get_bool(c, process, path, "terminal", &cfg->terminal) < 0 ||
      get_string_array(c, process, path, "env", &cfg->env, &cfg->env_count) < 0 ||
      get_string(c, process, path, "cwd", false, &cfg->cwd) < 0 ||
      get_bool(c, process, path, "noNewPrivileges", &cfg->no_new_privileges) < 0 ||
      parse_user(c, cfg, process) < 0 || parse_rlimits(c, cfg, process) < 0)
    return -1;
  if (cfg->cwd != NULL && cfg->cwd[0] != '/')
    return path_error(c, path, "cwd", "expected an absolute path");
  return 0;
}

static int parse_root(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val v;

  if (get_typed(c, root, "", "root", yajl_t_object, &v) < 0)
    return -1;
  if (v == NULL)
    return path_error(c, ".root", "path", "missing");
  if (get_string(c, v, ".root", "path", true, &cfg->root_path) < 0 ||
      get_bool(c, v, ".root", "readonly", &cfg->root_readonly) < 0)
    return -1;
  return 0;
}

static int parse_mount(struct ctx *c, struct oci_mount *m, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(".mounts[%zu]", i);

  if (!YAJL_IS_OBJECT(v))
    return path_error(c, path, NULL, "expected an object");
  if (get_string(c, v, path, "destination", true, &m->destination) < 0 ||
      get_string(c, v, path, "type", false, &m->type) < 0 ||
      get_string(c, v, path, "source", false, &m->source) < 0 ||
      get_string_array(c, v, path, "options", &m->options, &m->options_count) < 0)
    return -1;
  return 0;
}

static int parse_mounts(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val arr;
  size_t n;

  if (get_typed(c, root, "", "mounts", yajl_t_array, &arr) < 0)
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

static int parse_annotations(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val obj;
  size_t n;

  if (get_typed(c, root, "", "annotations", yajl_t_object, &obj) < 0)
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

static int parse_namespace(struct ctx *c, struct oci_namespace *ns, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(".linux.namespaces[%zu]", i);

  if (!YAJL_IS_OBJECT(v))
    return path_error(c, path, NULL, "expected an object");
  if (get_string(c, v, path, "type", true, &ns->type) < 0 ||
      get_string(c, v, path, "path", false, &ns->path) < 0)
    return -1;
  return 0;
}

static int parse_memory(struct ctx *c, struct oci_config *cfg, yajl_val linux_obj)
{
  const char *path = ".linux.resources.memory";
  yajl_val res, mem;

  if (get_typed(c, linux_obj, ".linux", "resources", yajl_t_object, &res) < 0)
    return -1;
  if (res == NULL)
    return 0;
  if (get_typed(c, res, ".linux.resources", "memory", yajl_t_object, &mem) < 0)
    return -1;
  if (mem == NULL)
    return 0;
  /* Stored as written: -1 means unlimited and the cgroup writer validates ranges. */
  if (get_i64(c, mem, path, "limit", &cfg->has_memory_limit, &cfg->memory_limit) < 0 ||
      get_i64(c, mem, path, "reservation", &cfg->has_memory_reservation, &cfg->memory_reservation) <
          0 ||
      get_i64(c, mem, path, "swap", &cfg->has_memory_swap, &cfg->memory_swap) < 0)
    return -1;
  return 0;
}

static int parse_linux(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  yajl_val linux_obj = NULL, arr = NULL;
  size_t n;

  if (get_typed(c, root, "", "linux", yajl_t_object, &linux_obj) < 0)
    return -1;
  if (linux_obj != NULL && get_typed(c, linux_obj, ".linux", "namespaces", yajl_t_array, &arr) < 0)
    return -1;
  n = arr ? arr->u.array.len : 0;
  cfg->namespaces = xmalloc0(sizeof(*cfg->namespaces) * (n + 1));
  cfg->namespaces_count = n;
  for (size_t i = 0; i < n; i++)
    if (parse_namespace(c, &cfg->namespaces[i], arr->u.array.values[i], i) < 0)
      return -1;
  return linux_obj ? parse_memory(c, cfg, linux_obj) : 0;
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
}

/*
 * yajl_tree_parse needs a NUL-terminated string, cannot report "\u0000"
 * inside strings (it would silently truncate them), accepts comments and
 * frees trees recursively. Reject those inputs before yajl sees them.
 */
static const char *precheck(const char *text, size_t size)
{
  bool in_str = false, esc = false;
  size_t depth = 0;

  for (size_t i = 0; i < size; i++) {
    char ch = text[i];
    if (ch == '\0')
      return "unexpected NUL byte";
    if (esc) {
      esc = false;
      if (ch == 'u' && size - i > 4 && memcmp(text + i + 1, "0000", 4) == 0)
        return "\\u0000 in a string is not supported";
    } else if (in_str) {
      esc = ch == '\\';
      in_str = ch != '"';
    } else if (ch == '"') {
      in_str = true;
    } else if (ch == '/') {
      return "comments are not allowed";
    } else if ((ch == '[' || ch == '{') && ++depth > MAX_JSON_DEPTH) {
      return "nesting too deep";
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      depth--;
    }
  }
  return NULL;
}

/* yajl's verbose message spans lines and may echo raw input bytes. */
/* yajl's message is "kind error: what" followed by lines quoting the input
 * with a caret; the first line is the message users need. */
static void collapse_message(char *msg)
{
  size_t n = strcspn(msg, "\r\n");

  while (n > 0 && isspace((unsigned char)msg[n - 1]))
    n--;
  msg[n] = '\0';
}

static int parse_tree(struct ctx *c, const char *text, size_t size, yajl_val *out)
{
  cleanup_free char *buf = NULL;
  const char *bad = precheck(text, size);
  char msg[1024] = "";

  if (bad != NULL)
    return hacher_error(c->err, 0, "%s: invalid JSON: %s", c->name, bad);
  buf = xmalloc(size + 1);
  if (size > 0)
    memcpy(buf, text, size);
  buf[size] = '\0';
  *out = yajl_tree_parse(buf, msg, sizeof(msg));
  if (*out == NULL) {
    collapse_message(msg);
    return hacher_error(c->err, 0, "%s: invalid JSON: %s", c->name, msg[0] ? msg : "parse error");
  }
  if (!YAJL_IS_OBJECT(*out))
    return hacher_error(c->err, 0, "%s: expected a JSON object", c->name);
  return 0;
}

static int parse_config(struct ctx *c, struct oci_config *cfg, yajl_val root)
{
  if (get_string(c, root, "", "ociVersion", true, &cfg->oci_version) < 0 ||
      parse_root(c, cfg, root) < 0 || parse_process(c, cfg, root) < 0 ||
      get_string(c, root, "", "hostname", false, &cfg->hostname) < 0 ||
      parse_mounts(c, cfg, root) < 0 || parse_annotations(c, cfg, root) < 0 ||
      parse_linux(c, cfg, root) < 0)
    return -1;
  fill_defaults(cfg);
  return 0;
}

int oci_config_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                     hacher_error_t *err)
{
  struct ctx c = {.name = name, .err = err};
  struct oci_config *cfg;
  yajl_val root = NULL;
  int rc;

  if (parse_tree(&c, text, size, &root) < 0) {
    yajl_tree_free(root);
    return -1;
  }
  cfg = xmalloc0(sizeof(*cfg));
  rc = parse_config(&c, cfg, root);
  yajl_tree_free(root);
  if (rc < 0) {
    oci_config_free(cfg);
    return -1;
  }
  *out = cfg;
  return 0;
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
