/* Container state on the node: one directory per container under --root,
 * holding state.json (written atomically), the config.json it was created
 * from, exec.fifo while the container is created but not started, and a lock
 * file. */
#ifndef HACHER_CONTAINER_H
#define HACHER_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../oci-spec/config.h"
#include "cgroup.h"

struct hacher_container {
  char *id;
  char *dir;                 /* ROOT/ID */
  char *bundle;              /* absolute */
  char *rootfs;              /* absolute */
  struct oci_config *config; /* loaded by new(); NULL after load() */
  pid_t pid;                 /* the monitor, 0 before it exists */
  uint64_t pid_start;        /* its start time (/proc/PID/stat), against pid reuse */
  char *status;              /* as last written: "creating", "created", "running", "stopped" */
  char *image;               /* root hash of the trustlet image, once known */
  char *measurement;         /* launch measurement (hex), once known */
  char *created;             /* RFC 3339 UTC */
  bool paused;
  struct hacher_cgroup *cgroup; /* NULL until create makes it (or without cgroups) */
};

/* runc's rule: ^[\w+-\.]+$ and not "." or "..". */
int hacher_container_check_id(const char *id, hacher_error_t *err);

/* Load BUNDLE/config.json and resolve the rootfs, claiming no state
 * (for `attest measure`). Free with hacher_container_destroy(c, false). */
int hacher_container_from_bundle(const char *bundle, struct hacher_container **out,
                                 hacher_error_t *err);

/* Load BUNDLE/config.json, resolve the rootfs and claim ROOT/ID (fails with
 * runc's message if the container exists). */
int hacher_container_new(const char *root, const char *id, const char *bundle,
                         struct hacher_container **out, hacher_error_t *err);

/* Read ROOT/ID/state.json ("container does not exist" when absent). */
int hacher_container_load(const char *root, const char *id, struct hacher_container **out,
                          hacher_error_t *err);

/* Every container under root whose state can be read (NULL when none). */
struct hacher_container **hacher_container_list(const char *root, size_t *n);
void hacher_container_list_free(struct hacher_container **cs, size_t n);

/* Write ROOT/ID/state.json atomically with the given status. */
int hacher_container_save(struct hacher_container *c, const char *status, hacher_error_t *err);

/* The status now: stopped once the monitor is gone, created while exec.fifo
 * exists, paused, or running. */
const char *hacher_container_status(const struct hacher_container *c);

/* Start time of pid from /proc (clock ticks since boot), 0 if it is gone. */
uint64_t hacher_pid_start(pid_t pid);

/* Exclusive lock on the container for the life of the process (or until
 * unlock); returns the fd. */
int hacher_container_lock(const struct hacher_container *c, hacher_error_t *err);

/* The state JSON runc prints for `state` (with a trailing newline). Caller frees. */
char *hacher_container_state_json(const struct hacher_container *c);

/* The OCI state hooks read on stdin, with the given status. Caller frees. */
char *hacher_container_hook_state(const struct hacher_container *c, const char *status);

/* Load c->config from the copy kept in the state dir at create (no-op when
 * it is loaded already). */
int hacher_container_config(struct hacher_container *c, hacher_error_t *err);

char *hacher_container_fifo(const struct hacher_container *c);

/* Remove ROOT/ID. */
void hacher_container_remove_state(struct hacher_container *c);

/* Remove ROOT/ID (when asked) and free c. */
void hacher_container_destroy(struct hacher_container *c, bool remove_state);

#endif
