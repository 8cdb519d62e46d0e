/* The runc-compatible command line: global options and subcommands. */
#ifndef HACHER_COMMANDS_H
#define HACHER_COMMANDS_H

#include <stdbool.h>

#include "../common/error.h"

struct hacher_global {
  const char *root; /* container state directory, default /run/hacher */
  const char *log;
  const char *log_format;
  bool debug;
  bool systemd_cgroup;
  const char *images;     /* image cache directory */
  const char *attest_dir; /* node attestation key, certificate, report counter */
};

/* A subcommand: returns the process exit status, or -1 with *err set. */
typedef int (*hacher_cmd_fn)(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);

struct hacher_container;
struct oci_config;

struct hacher_create_opts {
  const char *pid_file;       /* may be NULL */
  const char *console_socket; /* may be NULL */
  /* out: the pty master when process.terminal is set and there is no
   * console socket (`run` in the foreground), else -1 */
  int console_master;
};

/* Shared lifecycle steps (cmd_create.c, cmd_start.c). */
int hacher_create_container(struct hacher_global *g, struct hacher_container *c,
                            struct hacher_create_opts *o, hacher_error_t *err);
/* runc's rules for process.terminal and --console-socket. */
int hacher_check_console(const struct oci_config *cfg, const char *console_socket, bool detach,
                         hacher_error_t *err);
int hacher_start_container(struct hacher_container *c, hacher_error_t *err);
/* Remove a stopped container's state, run its poststop hooks and free c. */
int hacher_delete_container(struct hacher_container *c, hacher_error_t *err);
/* The same after a failed create or run, whose error is already set: a
 * poststop failure is only logged. Returns -1. */
int hacher_abandon_container(struct hacher_container *c);

int hacher_cmd_create(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_start(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_state(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_list(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_ps(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_kill(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_delete(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_pause(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_resume(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_exec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_update(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_features(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_image(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_attest(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_secret(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_spec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);

#endif
