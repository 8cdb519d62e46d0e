/* linux.seccomp compiled into the policy blob the LibOS enforces. */
#ifndef HACHER_SECCOMP_COMPILE_H
#define HACHER_SECCOMP_COMPILE_H

#include <stddef.h>

#include "../common/error.h"
#include "../oci-spec/config.h"

/* Compile a parsed profile into a struct tl_policy blob (common/tl_abi.h):
 * names resolved to x86-64 numbers with libseccomp (unknown names skipped
 * with a debug line, as runc does), runc's rule handling applied. *blob is
 * allocated (free it), or NULL with *size 0 when nothing is to be enforced.
 * Errors (SCMP_ACT_NOTIFY, a profile too large) name the JSON path. */
int hacher_seccomp_compile(const struct oci_seccomp *sc, void **blob, size_t *size,
                           hacher_error_t *err);

#endif
