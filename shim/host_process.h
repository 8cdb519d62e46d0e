/* What config.json asks of the container's host process, applied to the
 * monitor before it confines itself: namespaces it can join, rlimits and
 * oom_score_adj, with runc's failure rules. */
#ifndef HACHER_HOST_PROCESS_H
#define HACHER_HOST_PROCESS_H

#include "../common/error.h"
#include "../oci-spec/config.h"

/* Check linux.namespaces (types, duplicates) before anything is created. */
int hacher_namespaces_check(const struct oci_config *cfg, hacher_error_t *err);

/* In the monitor child: join or create the network namespace, set the
 * rlimits and oom_score_adj on this process. */
int hacher_host_process_setup(const struct oci_config *cfg, hacher_error_t *err);

#endif
