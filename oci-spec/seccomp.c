/* linux.seccomp: the profile as the OCI runtime-spec writes it, type-checked
 * with errors that name the JSON path. Resolving names and compiling the
 * profile for the LibOS happen in shim/seccomp_compile.c. */
#include <string.h>

#include "../common/util.h"
#include "config.h"
#include "json.h"
#include "seccomp.h"

#define PATH ".linux.seccomp"

const char *const oci_seccomp_action_names[OCI_SCMP_ACTIONS] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};

const char *const oci_seccomp_op_names[OCI_SCMP_OPS] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

const char *const oci_seccomp_flag_names[OCI_SCMP_FLAGS] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

/* The architectures the runtime-spec lists; only the x86 ones concern a
 * trustlet, the others are accepted and have no effect. */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};

static int lookup(const char *const *names, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], s) == 0)
      return (int)i;
  return -1;
}

/* A required string member that must be one of names[]; *out is its index. */
static int parse_enum(struct json_ctx *c, yajl_val obj, const char *path, const char *key,
                      const char *const *names, size_t n, const char *kind, int *out)
{
  cleanup_free char *s = NULL, *what = NULL;

  if (json_string(c, obj, path, key, true, &s) < 0)
    return -1;
  *out = lookup(names, n, s);
  if (*out >= 0)
    return 0;
  what = xasprintf("unknown %s \"%s\"", kind, s);
  return json_error(c, path, key, what);
}

/* A string array whose items must be in names[]. */
static int check_names(struct json_ctx *c, char **v, const char *key, const char *const *names,
                       size_t n, const char *kind)
{
  for (size_t i = 0; v[i] != NULL; i++) {
    if (lookup(names, n, v[i]) < 0)
      return hacher_error(c->err, 0, "%s: " PATH ".%s[%zu]: unknown %s \"%s\"", c->name, key, i,
                          kind, v[i]);
  }
  return 0;
}

static int parse_arg(struct json_ctx *c, struct oci_seccomp_arg *a, yajl_val v, const char *base,
                     size_t i)
{
  cleanup_free char *path = xasprintf("%s.args[%zu]", base, i);
  bool has_two = false;
  int op;

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_member(v, "index") == NULL)
    return json_error(c, path, "index", "missing");
  if (json_u32(c, v, path, "index", NULL, &a->index) < 0 ||
      json_u64(c, v, path, "value", NULL, &a->value) < 0 ||
      json_u64(c, v, path, "valueTwo", &has_two, &a->value_two) < 0 ||
      parse_enum(c, v, path, "op", oci_seccomp_op_names, OCI_SCMP_OPS, "operator", &op) < 0)
    return -1;
  if (a->index > 5)
    return json_error(c, path, "index", "expected an argument index from 0 to 5");
  a->op = (enum oci_seccomp_op)op;
  return 0;
}

static int parse_syscall(struct json_ctx *c, struct oci_seccomp_syscall *s, yajl_val v, size_t i)
{
  cleanup_free char *path = xasprintf(PATH ".syscalls[%zu]", i);
  yajl_val args;
  int action;

  if (!YAJL_IS_OBJECT(v))
    return json_error(c, path, NULL, "expected an object");
  if (json_member(v, "names") == NULL)
    return json_error(c, path, "names", "missing");
  if (json_string_array(c, v, path, "names", &s->names, &s->names_count) < 0 ||
      parse_enum(c, v, path, "action", oci_seccomp_action_names, OCI_SCMP_ACTIONS, "action",
                 &action) < 0 ||
      json_u32(c, v, path, "errnoRet", &s->has_errno_ret, &s->errno_ret) < 0 ||
      json_typed(c, v, path, "args", yajl_t_array, &args) < 0)
    return -1;
  s->action = (enum oci_seccomp_action)action;
  for (size_t j = 0; j < s->names_count; j++)
    if (s->names[j][0] == '\0')
      return hacher_error(c->err, 0, "%s: %s.names[%zu]: expected a syscall name", c->name, path,
                          j);
  s->args_count = args ? args->u.array.len : 0;
  s->args = xmalloc0(sizeof(*s->args) * (s->args_count + 1));
  for (size_t j = 0; j < s->args_count; j++)
    if (parse_arg(c, &s->args[j], args->u.array.values[j], path, j) < 0)
      return -1;
  return 0;
}

static int parse_flags(struct json_ctx *c, struct oci_seccomp *sc, yajl_val obj)
{
  char **flags = NULL;
  size_t n = 0;
  int rc;

  if (json_string_array(c, obj, PATH, "flags", &flags, &n) < 0)
    return -1;
  rc = check_names(c, flags, "flags", oci_seccomp_flag_names, OCI_SCMP_FLAGS, "flag");
  for (size_t i = 0; rc == 0 && i < n; i++)
    sc->flags |= 1u << lookup(oci_seccomp_flag_names, OCI_SCMP_FLAGS, flags[i]);
  for (size_t i = 0; i < n; i++)
    free(flags[i]);
  free(flags);
  return rc;
}

static int parse_syscalls(struct json_ctx *c, struct oci_seccomp *sc, yajl_val obj)
{
  yajl_val arr;

  if (json_typed(c, obj, PATH, "syscalls", yajl_t_array, &arr) < 0)
    return -1;
  sc->syscalls_count = arr ? arr->u.array.len : 0;
  sc->syscalls = xmalloc0(sizeof(*sc->syscalls) * (sc->syscalls_count + 1));
  for (size_t i = 0; i < sc->syscalls_count; i++)
    if (parse_syscall(c, &sc->syscalls[i], arr->u.array.values[i], i) < 0)
      return -1;
  return 0;
}

/* Everything is type-checked before deciding whether the profile is
 * disabled, so a malformed field is an error either way. */
static int parse_fields(struct json_ctx *c, struct oci_seccomp *sc, yajl_val obj, char **def)
{
  if (json_string(c, obj, PATH, "defaultAction", false, def) < 0 ||
      json_u32(c, obj, PATH, "defaultErrnoRet", &sc->has_default_errno_ret,
               &sc->default_errno_ret) < 0 ||
      json_string_array(c, obj, PATH, "architectures", &sc->architectures,
                        &sc->architectures_count) < 0 ||
      check_names(c, sc->architectures, "architectures", arch_names, ARRAY_SIZE(arch_names),
                  "architecture") < 0 ||
      parse_flags(c, sc, obj) < 0 ||
      json_string(c, obj, PATH, "listenerPath", false, &sc->listener_path) < 0 ||
      json_string(c, obj, PATH, "listenerMetadata", false, &sc->listener_metadata) < 0)
    return -1;
  return parse_syscalls(c, sc, obj);
}

int oci_seccomp_from_tree(struct json_ctx *c, yajl_val obj, struct oci_seccomp **out)
{
  struct oci_seccomp *sc = xmalloc0(sizeof(*sc));
  cleanup_free char *def = NULL;
  int action;

  *out = NULL;
  if (parse_fields(c, sc, obj, &def) < 0)
    goto fail;
  if (def == NULL || def[0] == '\0') {
    if (sc->syscalls_count == 0) {
      oci_seccomp_free(sc);
      return 0;
    }
    json_error(c, PATH, "defaultAction", "missing");
    goto fail;
  }
  action = lookup(oci_seccomp_action_names, OCI_SCMP_ACTIONS, def);
  if (action < 0) {
    cleanup_free char *what = xasprintf("unknown action \"%s\"", def);
    json_error(c, PATH, "defaultAction", what);
    goto fail;
  }
  sc->default_action = (enum oci_seccomp_action)action;
  *out = sc;
  return 0;
fail:
  oci_seccomp_free(sc);
  return -1;
}

static void free_strv(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

void oci_seccomp_free(struct oci_seccomp *sc)
{
  if (sc == NULL)
    return;
  free_strv(sc->architectures);
  free(sc->listener_path);
  free(sc->listener_metadata);
  for (size_t i = 0; sc->syscalls && i < sc->syscalls_count; i++) {
    free_strv(sc->syscalls[i].names);
    free(sc->syscalls[i].args);
  }
  free(sc->syscalls);
  free(sc);
}
