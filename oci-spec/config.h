/* OCI runtime-spec config.json: typed view of the fields hacher uses. */
#ifndef HACHER_OCI_CONFIG_H
#define HACHER_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

struct oci_rlimit {
  char *type; /* "RLIMIT_NOFILE" ... */
  uint64_t hard;
  uint64_t soft;
};

struct oci_mount {
  char *destination;
  char *type;     /* may be NULL */
  char *source;   /* may be NULL */
  char **options; /* NULL-terminated; never NULL */
  size_t options_count;
};

struct oci_namespace {
  char *type;
  char *path; /* may be NULL */
};

struct oci_kv {
  char *key;
  char *value;
};

/* linux.resources (also the document `update --resources` reads). has_* is
 * false when absent; values are stored as written and checked by their user. */
struct oci_resources {
  bool has_memory_limit, has_memory_reservation, has_memory_swap;
  int64_t memory_limit, memory_reservation, memory_swap;
  bool has_cpu_shares, has_cpu_quota, has_cpu_period;
  uint64_t cpu_shares, cpu_period;
  int64_t cpu_quota;
  char *cpuset_cpus, *cpuset_mems; /* NULL when absent */
  bool has_pids_limit;
  int64_t pids_limit;
};

enum oci_hook_kind {
  OCI_HOOK_PRESTART,
  OCI_HOOK_CREATE_RUNTIME,
  OCI_HOOK_CREATE_CONTAINER,
  OCI_HOOK_START_CONTAINER,
  OCI_HOOK_POSTSTART,
  OCI_HOOK_POSTSTOP,
  OCI_HOOK_KINDS
};

struct oci_hook {
  char *path;
  char **args; /* NULL-terminated; never NULL */
  size_t args_count;
  char **env; /* NULL-terminated; never NULL */
  size_t env_count;
  bool has_timeout;
  int64_t timeout; /* seconds, > 0 */
};

/* process.capabilities sets, in the spec's order. */
enum oci_cap_set {
  OCI_CAP_BOUNDING,
  OCI_CAP_EFFECTIVE,
  OCI_CAP_INHERITABLE,
  OCI_CAP_PERMITTED,
  OCI_CAP_AMBIENT,
  OCI_CAP_SETS
};

/* linux.seccomp (seccomp.c). Actions and operators in the spec's spelling. */
enum oci_seccomp_action {
  OCI_SCMP_ACT_KILL,
  OCI_SCMP_ACT_KILL_PROCESS,
  OCI_SCMP_ACT_KILL_THREAD,
  OCI_SCMP_ACT_TRAP,
  OCI_SCMP_ACT_ERRNO,
  OCI_SCMP_ACT_TRACE,
  OCI_SCMP_ACT_ALLOW,
  OCI_SCMP_ACT_LOG,
  OCI_SCMP_ACT_NOTIFY,
  OCI_SCMP_ACTIONS
};

enum oci_seccomp_op {
  OCI_SCMP_CMP_NE,
  OCI_SCMP_CMP_LT,
  OCI_SCMP_CMP_LE,
  OCI_SCMP_CMP_EQ,
  OCI_SCMP_CMP_GE,
  OCI_SCMP_CMP_GT,
  OCI_SCMP_CMP_MASKED_EQ,
  OCI_SCMP_OPS
};

/* linux.seccomp.flags, as a bit set. */
#define OCI_SCMP_FLAG_TSYNC (1u << 0)
#define OCI_SCMP_FLAG_LOG (1u << 1)
#define OCI_SCMP_FLAG_SPEC_ALLOW (1u << 2)
#define OCI_SCMP_FLAG_WAIT_KILLABLE_RECV (1u << 3)
#define OCI_SCMP_FLAGS 4

struct oci_seccomp_arg {
  uint32_t index; /* 0..5 */
  enum oci_seccomp_op op;
  uint64_t value;
  uint64_t value_two; /* 0 when absent */
};

struct oci_seccomp_syscall {
  char **names; /* NULL-terminated; never NULL */
  size_t names_count;
  enum oci_seccomp_action action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct oci_seccomp_arg *args; /* never NULL */
  size_t args_count;
};

struct oci_seccomp {
  enum oci_seccomp_action default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* NULL-terminated; never NULL; checked names */
  size_t architectures_count;
  uint32_t flags;                       /* OCI_SCMP_FLAG_* */
  char *listener_path;                  /* may be NULL */
  char *listener_metadata;              /* may be NULL */
  struct oci_seccomp_syscall *syscalls; /* never NULL */
  size_t syscalls_count;
};

extern const char *const oci_seccomp_action_names[OCI_SCMP_ACTIONS]; /* "SCMP_ACT_KILL", ... */
extern const char *const oci_seccomp_op_names[OCI_SCMP_OPS];         /* "SCMP_CMP_NE", ... */
extern const char *const oci_seccomp_flag_names[OCI_SCMP_FLAGS];

struct oci_config {
  char *oci_version;

  /* process */
  bool has_process;
  bool terminal;
  char **args; /* NULL-terminated; never NULL */
  size_t args_count;
  char **env; /* NULL-terminated; never NULL */
  size_t env_count;
  char *cwd; /* "/" when absent */
  uint32_t uid, gid;
  uint32_t umask;
  bool has_umask;
  uint32_t *additional_gids;
  size_t additional_gids_count;
  struct oci_rlimit *rlimits;
  size_t rlimits_count;
  bool no_new_privileges;

  /* root */
  char *root_path; /* as written in config.json */
  bool root_readonly;

  char *hostname; /* may be NULL */

  struct oci_mount *mounts;
  size_t mounts_count;

  struct oci_kv *annotations;
  size_t annotations_count;

  struct oci_namespace *namespaces;
  size_t namespaces_count;

  char *cgroups_path; /* linux.cgroupsPath; may be NULL */
  struct oci_resources resources;
  char **readonly_paths; /* never NULL */
  size_t readonly_paths_count;
  char **masked_paths; /* never NULL */
  size_t masked_paths_count;

  bool has_oom_score_adj;
  int64_t oom_score_adj;
  /* process.capabilities: each NULL-terminated, never NULL */
  char **caps[OCI_CAP_SETS];
  size_t caps_count[OCI_CAP_SETS];
  /* process.consoleSize; 0 when absent */
  uint32_t console_height, console_width;

  struct oci_hook *hooks[OCI_HOOK_KINDS]; /* never NULL */
  size_t hooks_count[OCI_HOOK_KINDS];

  /* linux.seccomp; NULL when absent or disabled (no defaultAction and no
   * syscalls, as runc reads it) */
  struct oci_seccomp *seccomp;
};

/* Parse config.json text. `name` is used as the message prefix (normally the
 * path of the file). Errors look like `NAME: .process.args: expected an array
 * of strings`. On success *out is allocated; free with oci_config_free. */
int oci_config_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                     hacher_error_t *err);

/* Parse a process object of its own (`exec --process FILE`): the
 * process fields of the result are set, the rest are defaults. Errors name
 * the member, e.g. `process.json: .args: missing`. */
int oci_process_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                      hacher_error_t *err);

/* Read and parse BUNDLE/config.json (the message prefix is the path). */
int oci_config_load(const char *bundle, struct oci_config **out, hacher_error_t *err);

void oci_config_free(struct oci_config *cfg);

/* Value of annotation `key`, or NULL. */
const char *oci_config_annotation(const struct oci_config *cfg, const char *key);

/* Parse a linux.resources document (`update --resources FILE`); `name` prefixes errors. */
int oci_resources_parse(const char *name, const char *text, size_t size, struct oci_resources *out,
                        hacher_error_t *err);
void oci_resources_free(struct oci_resources *r);

void oci_seccomp_free(struct oci_seccomp *sc);

extern const char *const oci_hook_names[OCI_HOOK_KINDS];  /* "prestart", ... */
extern const char *const oci_cap_set_names[OCI_CAP_SETS]; /* "bounding", ... */

/* The default config.json `hacher spec` writes (runc spec's shape). Caller frees. */
char *oci_default_spec(void);

#endif
