/* Internal: the linux.seccomp parser called by config.c. */
#ifndef HACHER_OCI_SECCOMP_H
#define HACHER_OCI_SECCOMP_H

#include "config.h"
#include "json.h"

/* Parse the .linux.seccomp object `sc`. *out is NULL when the profile is
 * disabled (no defaultAction and no syscalls, as runc reads it). */
int oci_seccomp_from_tree(struct json_ctx *c, yajl_val sc, struct oci_seccomp **out);

#endif
