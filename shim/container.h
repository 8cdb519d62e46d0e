/* Container state on the node: one directory per container under --root. */
#ifndef HACHER_CONTAINER_H
#define HACHER_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../oci-spec/config.h"

struct hacher_container {
  char *id;
  char *dir;    /* ROOT/ID */
  char *bundle; /* absolute */
  char *rootfs; /* absolute */
  struct oci_config *config;
  pid_t pid;
  char *status; /* "creating", "created", "running", "stopped" */
  char *image;  /* root hash of the trustlet image, once known */
};

/* runc's rule: ^[\w+-\.]+$ and not "." or "..". */
int hacher_container_check_id(const char *id, hacher_error_t *err);

/* Load BUNDLE/config.json, resolve the rootfs and claim ROOT/ID (fails if the
 * container exists). */
int hacher_container_new(const char *root, const char *id, const char *bundle,
                         struct hacher_container **out, hacher_error_t *err);

/* Write ROOT/ID/state.json atomically with the given status. */
int hacher_container_save(struct hacher_container *c, const char *status, hacher_error_t *err);

/* Remove ROOT/ID and free c. */
void hacher_container_destroy(struct hacher_container *c, bool remove_state);

#endif
