/* OCI hooks, run on the host with the container's state on stdin. */
#ifndef HACHER_HOOKS_H
#define HACHER_HOOKS_H

#include "../common/error.h"
#include "../oci-spec/config.h"
#include "container.h"

/* Run c->config's hooks of one kind in order; the first failure (exit
 * status, signal or timeout) stops the run and is returned with the hook's
 * stderr in the message. */
int hacher_hooks_run(const struct hacher_container *c, enum oci_hook_kind kind, const char *status,
                     hacher_error_t *err);

#endif
