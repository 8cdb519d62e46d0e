/* hacher: the runc-compatible CLI. Parses global options and dispatches. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../monitor/platform.h"
#include "../snapshotter/image.h"
#include "attest.h"
#include "commands.h"

static const struct {
  const char *name;
  hacher_cmd_fn fn;
  const char *help;
} commands[] = {
    {"create", hacher_cmd_create, "create a container (its trustlet waits for start)"},
    {"start", hacher_cmd_start, "start a created container"},
    {"run", hacher_cmd_run, "create and run a container in a trustlet"},
    {"state", hacher_cmd_state, "print the state of a container (JSON)"},
    {"list", hacher_cmd_list, "list containers"},
    {"ps", hacher_cmd_ps, "list the processes of a container"},
    {"kill", hacher_cmd_kill, "send a signal to a container"},
    {"delete", hacher_cmd_delete, "delete a stopped container"},
    {"pause", hacher_cmd_pause, "pause a running container (its vCPU stops)"},
    {"resume", hacher_cmd_resume, "resume a paused container"},
    {"exec", hacher_cmd_exec, "run another process in a running container"},
    {"update", hacher_cmd_update, "change a container's cgroup limits"},
    {"features", hacher_cmd_features, "print the OCI features document"},
    {"spec", hacher_cmd_spec, "create a new specification file (config.json)"},
    {"image", hacher_cmd_image, "build, inspect, verify, list and collect trustlet images"},
    {"attest", hacher_cmd_attest, "launch measurement, node certificate, verify/show reports"},
    {"secret", hacher_cmd_secret, "seal a secret for a node and a set of measurements"},
};

static void usage(FILE *f)
{
  fprintf(f,
          "usage: hacher [global options] COMMAND [options] [ARGS]\n\n"
          "global options:\n"
          "  --root DIR           container state directory (default /run/hacher)\n"
          "  --log FILE           write log lines to FILE\n"
          "  --log-format FORMAT  text (default) or json\n"
          "  --debug              verbose logging; trace the functions' syscalls (measured)\n"
          "  --images DIR         image cache (default $HACHER_IMAGES or /var/lib/hacher/images)\n"
          "  --attest-dir DIR     node attestation key (default $HACHER_ATTEST_DIR or\n"
          "                       /var/lib/hacher/attest)\n"
          "  --systemd-cgroup     cgroupsPath is slice:prefix:name (made through cgroupfs)\n"
          "  -v, --version        print the version\n\ncommands:\n");
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

static int parse_global(struct hacher_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"root", required_argument, NULL, 'r'},
      {"log", required_argument, NULL, 'l'},
      {"log-format", required_argument, NULL, 'f'},
      {"debug", no_argument, NULL, 'd'},
      {"systemd-cgroup", no_argument, NULL, 's'},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {"images", required_argument, NULL, 'i'},
      {"attest-dir", required_argument, NULL, 'a'},
      {NULL, 0, NULL, 0},
  };
  int c;

  while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
    switch (c) {
    case 'r': g->root = optarg; break;
    case 'l': g->log = optarg; break;
    case 'f': g->log_format = optarg; break;
    case 'd': g->debug = true; break;
    case 'i': g->images = optarg; break;
    case 'a': g->attest_dir = optarg; break;
    case 's': g->systemd_cgroup = true; break;
    case 'v':
      printf("hacher version %s\nspec: 1.1.0\nplatform: %s\n", HACHER_VERSION, plat_name());
      return 0;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 1;
    }
  }
  return -1;
}

int main(int argc, char **argv)
{
  struct hacher_global g = {.root = "/run/hacher", .log_format = "text"};
  const char *images_env = getenv("HACHER_IMAGES");
  const char *attest_env = getenv("HACHER_ATTEST_DIR");
  cleanup_error hacher_error_t err = NULL;
  int rc = parse_global(&g, argc, argv);

  if (rc >= 0)
    return rc;
  if (g.images == NULL)
    g.images = images_env && *images_env ? images_env : HACHER_IMAGE_CACHE_DEFAULT;
  if (g.attest_dir == NULL)
    g.attest_dir = attest_env && *attest_env ? attest_env : HACHER_ATTEST_DIR_DEFAULT;
  if (g.debug)
    hacher_log_set_level(HACHER_LOG_DEBUG);
  if (g.log != NULL && hacher_log_open(g.log) < 0)
    fprintf(stderr, "hacher: cannot open log file \"%s\"\n", g.log);
  if (strcmp(g.log_format, "json") == 0)
    hacher_log_set_json(1);
  else if (strcmp(g.log_format, "text") != 0) {
    fprintf(stderr, "hacher: unknown log format \"%s\"\n", g.log_format);
    return 1;
  }
  if (optind >= argc) {
    usage(stderr);
    return 1;
  }
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
    if (strcmp(argv[optind], commands[i].name) != 0)
      continue;
    argc -= optind;
    argv += optind;
    optind = 0; /* reset getopt for the subcommand */
    rc = commands[i].fn(&g, argc, argv, &err);
    if (rc < 0) {
      log_error("%s", err->msg);
      /* runc also prints it when logging to a file: go-runc's callers match
       * the output ("container not running", "does not exist"). */
      if (hacher_log_fd() != 2)
        fprintf(stderr, "hacher: %s\n", err->msg);
      return 1;
    }
    return rc;
  }
  log_error("unknown command \"%s\"", argv[optind]);
  return 1;
}
