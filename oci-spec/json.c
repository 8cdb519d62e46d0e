/* Typed access to a yajl tree with errors that name the JSON path; shared by
 * the config.json and resources parsers. */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "../common/util.h"

/* yajl_tree_free recurses once per level; bound it well below stack size. */
#define MAX_JSON_DEPTH 1000

int json_error(struct json_ctx *c, const char *path, const char *key, const char *what)
{
  return hacher_error(c->err, 0, "%s: %s%s%s: %s", c->name, path, key ? "." : "", key ? key : "",
                      what);
}

/* Null counts as absent, like Go's encoding/json; the last duplicate wins. */
yajl_val json_member(yajl_val obj, const char *key)
{
  yajl_val found = NULL;

  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp(obj->u.object.keys[i], key) == 0)
      found = obj->u.object.values[i];
  return YAJL_IS_NULL(found) ? NULL : found;
}

/* Digits only (optional leading '-' when signed): rejects 1.0, 1e3 and -0 for unsigned. */
static bool json_number_ok(yajl_val v, bool allow_minus)
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

bool json_to_u64(yajl_val v, uint64_t max, uint64_t *out)
{
  unsigned long long n;
  char *end;

  if (!json_number_ok(v, false))
    return false;
  errno = 0;
  n = strtoull(YAJL_GET_NUMBER(v), &end, 10);
  if (errno != 0 || *end != '\0' || n > max)
    return false;
  *out = n;
  return true;
}

bool json_to_i64(yajl_val v, int64_t *out)
{
  long long n;
  char *end;

  if (!json_number_ok(v, true))
    return false;
  errno = 0;
  n = strtoll(YAJL_GET_NUMBER(v), &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = n;
  return true;
}

int json_string(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool required,
                char **out)
{
  yajl_val v = json_member(obj, key);

  if (v == NULL)
    return required ? json_error(c, path, key, "missing") : 0;
  if (!YAJL_IS_STRING(v))
    return json_error(c, path, key, "expected a string");
  if (required && *YAJL_GET_STRING(v) == '\0')
    return json_error(c, path, key, "expected a non-empty string");
  free(*out);
  *out = xstrdup(YAJL_GET_STRING(v));
  return 0;
}

int json_bool(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *out)
{
  yajl_val v = json_member(obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
    return json_error(c, path, key, "expected a boolean");
  *out = YAJL_IS_TRUE(v);
  return 0;
}

int json_u32(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             uint32_t *out)
{
  yajl_val v = json_member(obj, key);
  uint64_t n;

  if (v == NULL)
    return 0;
  if (!json_to_u64(v, UINT32_MAX, &n))
    return json_error(c, path, key, "expected an unsigned 32-bit integer");
  *out = (uint32_t)n;
  if (present)
    *present = true;
  return 0;
}

int json_u64(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             uint64_t *out)
{
  yajl_val v = json_member(obj, key);

  if (v == NULL)
    return present ? 0 : json_error(c, path, key, "missing");
  if (!json_to_u64(v, UINT64_MAX, out))
    return json_error(c, path, key, "expected an unsigned 64-bit integer");
  if (present)
    *present = true;
  return 0;
}

int json_i64(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             int64_t *out)
{
  yajl_val v = json_member(obj, key);

  if (v == NULL)
    return 0;
  if (!json_to_i64(v, out))
    return json_error(c, path, key, "expected a 64-bit integer");
  *present = true;
  return 0;
}

/* *out is NULL when absent, so callers can skip optional sections. */
int json_typed(struct json_ctx *c, yajl_val obj, const char *path, const char *key, yajl_type type,
               yajl_val *out)
{
  yajl_val v = json_member(obj, key);

  *out = NULL;
  if (v == NULL)
    return 0;
  if (v->type != type)
    return json_error(c, path, key,
                      type == yajl_t_object ? "expected an object" : "expected an array");
  *out = v;
  return 0;
}

/* Absent gives an empty array: consumers rely on never-NULL vectors. */
int json_string_array(struct json_ctx *c, yajl_val obj, const char *path, const char *key,
                      char ***out, size_t *count)
{
  yajl_val v = json_member(obj, key);
  size_t n = YAJL_IS_ARRAY(v) ? v->u.array.len : 0;

  if (v != NULL && !YAJL_IS_ARRAY(v))
    return json_error(c, path, key, "expected an array of strings");
  for (size_t i = 0; i < n; i++)
    if (!YAJL_IS_STRING(v->u.array.values[i]))
      return json_error(c, path, key, "expected an array of strings");
  *out = xmalloc0(sizeof(char *) * (n + 1));
  for (size_t i = 0; i < n; i++)
    (*out)[i] = xstrdup(YAJL_GET_STRING(v->u.array.values[i]));
  *count = n;
  return 0;
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

int json_parse(struct json_ctx *c, const char *text, size_t size, yajl_val *out)
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
