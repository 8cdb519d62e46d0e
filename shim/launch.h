/* Preparing a container's trustlet: shared by run and create (launch.c). */
#ifndef HACHER_LAUNCH_H
#define HACHER_LAUNCH_H

#include "../monitor/monitor.h"
#include "../snapshotter/image.h"
#include "../snapshotter/mounts.h"
#include "commands.h"
#include "container.h"

struct hacher_launch {
  struct mon_config mc; /* points into the fields below and into c */
  struct hacher_image image;
  struct hacher_mounts mounts;
  struct mon_rlimit *rlimits;
  void *policy; /* compiled linux.seccomp, or NULL */
  char hostname[256];
  /* --- attestation --- */
  char **secret_names;       /* from io.hacher.secret.NAME annotations */
  const char **secret_paths; /* their sealed blobs, as the annotations give them */
  size_t nsecrets;
  uint8_t measurement[TL_MEASUREMENT_SIZE];
  char measurement_hex[2 * TL_MEASUREMENT_SIZE + 1];
};

/* Annotation that chooses the cgroup view inside the trustlet: "v1" or "v2"
 * (default: the host's mode). */
#define HACHER_CGROUP_VIEW_ANNOTATION "org.hacher.cgroup-view"

/* Annotation that turns on the trace mode for one container: "true" or
 * "false" (default false; `hacher --debug` turns it on for every container).
 * Part of the launch measurement. */
#define HACHER_TRACE_ANNOTATION "io.hacher.trace"

/* linux.resources and the cgroup view as the LibOS shows them. Errors name
 * the annotation. */
int hacher_limits_from_config(const struct oci_config *cfg, struct tl_limits *l,
                              hacher_error_t *err);

/* Find or build the image, collect mounts, compile the seccomp profile,
 * fill the monitor config; sets c->image. Errors name what failed. Release
 * with hacher_launch_release. */
int hacher_launch_prepare(struct hacher_global *g, struct hacher_container *c,
                          struct hacher_launch *l, hacher_error_t *err);
void hacher_launch_release(struct hacher_launch *l);

/* For create only, after prepare: load the node key (created on first use)
 * into l->mc for reports, open the report counter, and unseal the requested
 * secrets into the mounts blob at /run/secrets/NAME. A node key that cannot
 * be loaded is fatal only when secrets are requested. */
int hacher_launch_attest(struct hacher_global *g, struct hacher_launch *l, hacher_error_t *err);

/* process.rlimits as numbers; out has room for cfg->rlimits_count entries. */
int hacher_rlimits_convert(const struct oci_config *cfg, struct mon_rlimit *out,
                           hacher_error_t *err);

#endif
