/* Internal to the cgroup manager: the backend interface (cgroup_v1.c,
 * cgroup_v2.c) and the file helpers they share. */
#ifndef HACHER_CGROUP_BACKEND_H
#define HACHER_CGROUP_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct cg_backend {
  /* After the directories exist: inherit cpuset (v1), enable controllers (v2). */
  int (*prepare)(const struct hacher_cgroup *cg, hacher_error_t *err);
  /* Write what r sets; unset fields are left alone. */
  int (*set)(const struct hacher_cgroup *cg, const struct oci_resources *r, hacher_error_t *err);
  /* Freeze and wait until frozen, or thaw. */
  int (*freeze)(const struct hacher_cgroup *cg, bool frozen, hacher_error_t *err);
};

extern const struct cg_backend cg_v1, cg_v2;

/* Write value into DIR/FILE (never created); errors name the value and file. */
int cg_write(const char *dir, const char *file, const char *value, hacher_error_t *err);
int cg_write_i64(const char *dir, const char *file, int64_t value, hacher_error_t *err);
/* Read DIR/FILE without its trailing newline. Caller frees *out. */
int cg_read(const char *dir, const char *file, char **out, hacher_error_t *err);
bool cg_exists(const char *dir, const char *file);

/* The directory of the v1 hierarchy that has controller ctl, or NULL. */
const struct hacher_cgroup_dir *cg_v1_find(const struct hacher_cgroup *cg, const char *ctl);

/* A limit needs a controller this host lacks. */
int cg_no_controller(const struct hacher_cgroup *cg, const char *ctl, hacher_error_t *err);

/* Sleep for a few milliseconds between polls. */
void cg_sleep_ms(int ms);

#endif
