/* Typed access to a yajl tree; every error names the file and the JSON path,
 * e.g. `config.json: .process.args: expected an array of strings`. */
#ifndef HACHER_OCI_JSON_H
#define HACHER_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../common/error.h"

struct json_ctx {
  const char *name; /* message prefix, normally the file */
  hacher_error_t *err;
};

/* Parse text into a tree whose root is an object; on failure *out may still
 * hold a tree to free. */
int json_parse(struct json_ctx *c, const char *text, size_t size, yajl_val *out);
int json_error(struct json_ctx *c, const char *path, const char *key, const char *what);
/* Null counts as absent, like Go's encoding/json; the last duplicate wins. */
yajl_val json_member(yajl_val obj, const char *key);
bool json_to_u64(yajl_val v, uint64_t max, uint64_t *out);
bool json_to_i64(yajl_val v, int64_t *out);

/* Each returns 0 when the member is absent (unless required) or well typed. */
int json_string(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool required,
                char **out);
int json_bool(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *out);
int json_u32(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             uint32_t *out);
/* Required when present is NULL. */
int json_u64(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             uint64_t *out);
int json_i64(struct json_ctx *c, yajl_val obj, const char *path, const char *key, bool *present,
             int64_t *out);
/* *out is NULL when absent, so callers can skip optional sections. */
int json_typed(struct json_ctx *c, yajl_val obj, const char *path, const char *key, yajl_type type,
               yajl_val *out);
/* Absent gives an empty NULL-terminated vector, never NULL. */
int json_string_array(struct json_ctx *c, yajl_val obj, const char *path, const char *key,
                      char ***out, size_t *count);

#endif
