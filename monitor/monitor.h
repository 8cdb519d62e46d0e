/* The per-trustlet monitor: builds the isolated domain, loads the LibOS, runs
 * the vCPU loop and validates every request from the guest. */
#ifndef HACHER_MONITOR_H
#define HACHER_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/tl_abi.h"

#define MON_DEFAULT_RAM (512ULL << 20)
#define MON_MIN_RAM (16ULL << 20)

struct mon_rlimit {
  uint32_t resource;
  uint64_t soft, hard;
};

/* What the monitor needs to start a trustlet. Strings are borrowed. */
struct mon_config {
  const char *id;
  const char *image_path; /* image of the rootfs: EROFS + dm-verity tree */
  int image_fd;           /* open on it, or -1: the path is opened */
  uint64_t image_data_size;
  uint64_t image_hash_offset;
  uint8_t image_root[32]; /* the trusted root hash */
  const void *mounts;     /* host-provided mounts blob (struct tl_mounts), or NULL */
  size_t mounts_size;
  const void *policy; /* seccomp policy blob (struct tl_policy), or NULL */
  size_t policy_size;
  uint64_t ram_size; /* bytes; 0 means MON_DEFAULT_RAM */
  char *const *argv;
  size_t argc;
  char *const *envp;
  size_t envc;
  const char *cwd;
  const char *hostname;
  uint32_t uid, gid, umask;
  const uint32_t *groups;
  size_t ngroups;
  const struct mon_rlimit *rlimits;
  size_t nrlimits;
  uint64_t caps[TL_CAP_SETS]; /* process.capabilities as masks */
  bool readonly_root;
  bool trace;
  bool terminal;           /* stdio are one terminal: any of them reads and writes */
  struct tl_limits limits; /* shown to the function as they are */
  int stdio[3];            /* host fds for the container's 0, 1, 2 */
  /* A listening unix socket (ROOT/ID/exec.sock) for `hacher exec`, or -1:
   * the monitor accepts exec requests on it while the guest runs. */
  int exec_fd;
  /* Called when the program is loaded and about to run (the container is
   * "created"); it returns when the container is started. Non-zero ends the
   * trustlet. NULL: start at once. */
  int (*on_ready)(void *arg);
  void *on_ready_arg;
  /* --- attestation (keep together) --- */
  char *const *secret_names; /* requested secrets (measured as policy), any order */
  size_t nsecrets;
  /* The node key (an EVP_PKEY) that signs reports, loaded before the
   * sandbox; it never enters guest memory. NULL: TL_HC_REPORT is -ENODEV. */
  void *attest_key;
  int attest_counter_fd; /* the per-boot report counter file, when attest_key is set */
  uint8_t boot_id[16];
  /* The mounts blob holds secrets: wiped once copied into the guest. */
  bool mounts_wipe;
  /* --- end attestation --- */
};

/* Run a trustlet to completion. On success *status is the wait status the
 * runtime should report: 0..255 for exit codes, 128+N after signal N.
 * Returns -1 with *err set when the trustlet could not be built or the guest
 * misbehaved (the message says what and where). */
int mon_run(const struct mon_config *cfg, int *status, hacher_error_t *err);

/* Round a requested memory size to what the monitor uses (2 MiB multiple),
 * or fail when it is out of range. */
int mon_ram_size(int64_t requested, uint64_t *out, hacher_error_t *err);

#endif
