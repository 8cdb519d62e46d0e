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

int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_image(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);
int hacher_cmd_spec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err);

#endif
