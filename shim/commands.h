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
  const char *images; /* image cache directory */
};

/* A subcommand: returns the process exit status, or -1 with *err set. */
typedef int (*hacher_cmd_fn)(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);

struct hacher_container;
/* Shared lifecycle steps (cmd_create.c, cmd_start.c). */
int hacher_create_container(struct hacher_global *g, struct hacher_container *c,
                            const char *pid_file, hacher_error_t *err);
int hacher_start_container(struct hacher_container *c, hacher_error_t *err);

int hacher_cmd_create(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_start(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_state(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_list(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_ps(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_kill(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_delete(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_pause(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_resume(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_update(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_features(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_image(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_spec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);

#endif
