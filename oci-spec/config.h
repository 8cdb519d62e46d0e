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

  /* linux.resources.memory; 0 / false when absent */
  bool has_memory_limit;
  int64_t memory_limit;
  bool has_memory_reservation;
  int64_t memory_reservation;
  bool has_memory_swap;
  int64_t memory_swap;
};

/* Parse config.json text. `name` is used as the message prefix (normally the
 * path of the file). Errors look like `NAME: .process.args: expected an array
 * of strings`. On success *out is allocated; free with oci_config_free. */
int oci_config_parse(const char *name, const char *text, size_t size, struct oci_config **out,
                     hacher_error_t *err);

/* Read and parse BUNDLE/config.json (the message prefix is the path). */
int oci_config_load(const char *bundle, struct oci_config **out, hacher_error_t *err);

void oci_config_free(struct oci_config *cfg);

/* Value of annotation `key`, or NULL. */
const char *oci_config_annotation(const struct oci_config *cfg, const char *key);

/* The default config.json `hacher spec` writes (runc spec's shape). Caller frees. */
char *oci_default_spec(void);

#endif
