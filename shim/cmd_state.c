/* hacher state, list and ps: what the node's containers are doing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "../common/util.h"
#include "commands.h"
#include "container.h"

int hacher_cmd_state(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct hacher_container *c;
  cleanup_free char *json = NULL;

  if (argc != 2)
    return hacher_error(err, 0, "state: expected exactly one container id");
  if (hacher_container_load(g->root, argv[1], &c, err) < 0)
    return -1;
  json = hacher_container_state_json(c);
  printf("%s\n", json);
  hacher_container_destroy(c, false);
  return 0;
}

static void list_json(struct hacher_container **cs, size_t n)
{
  printf("[");
  for (size_t i = 0; i < n; i++) {
    cleanup_free char *json = hacher_container_state_json(cs[i]);
    printf("%s%s", i ? "," : "", json);
  }
  printf("]\n");
}

int hacher_cmd_list(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  bool quiet = false;
  struct hacher_container **cs;
  size_t n;
  int opt;

  while ((opt = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
    if (opt == 'f')
      format = optarg;
    else if (opt == 'q')
      quiet = true;
    else
      return hacher_error(err, 0, "list: invalid option");
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return hacher_error(err, 0, "invalid format option");
  cs = hacher_container_list(g->root, &n);
  if (quiet) {
    for (size_t i = 0; i < n; i++)
      printf("%s\n", cs[i]->id);
  } else if (strcmp(format, "json") == 0) {
    list_json(cs, n);
  } else {
    printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
           "OWNER");
    for (size_t i = 0; i < n; i++) {
      const char *st = hacher_container_status(cs[i]);
      printf("%-12s %-8d %-10s %-40s %-30s %s\n", cs[i]->id,
             strcmp(st, "stopped") == 0 ? 0 : (int)cs[i]->pid, st,
             cs[i]->bundle ? cs[i]->bundle : "", cs[i]->created ? cs[i]->created : "", "root");
    }
  }
  hacher_container_list_free(cs, n);
  return 0;
}

/* The only process of a trustlet on the host is its monitor. */
int hacher_cmd_ps(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  struct hacher_container *c;
  bool running;
  int opt;

  while ((opt = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
    if (opt != 'f')
      return hacher_error(err, 0, "ps: invalid option");
    format = optarg;
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "ps: expected exactly one container id");
  if (hacher_container_load(g->root, argv[optind], &c, err) < 0)
    return -1;
  running = strcmp(hacher_container_status(c), "stopped") != 0;
  if (strcmp(format, "json") == 0) {
    if (running)
      printf("[%d]\n", (int)c->pid);
    else
      printf("[]\n");
  } else {
    printf("UID        PID  CMD\n");
    if (running)
      printf("root %9d  hacher-monitor %s\n", (int)c->pid, c->id);
  }
  hacher_container_destroy(c, false);
  return 0;
}
