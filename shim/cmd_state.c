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

/* A process's uid and command name from /proc ("?" when it is gone). */
static void proc_info(pid_t pid, unsigned int *uid, char *comm, size_t size)
{
  char path[64];
  FILE *f;

  *uid = 0;
  snprintf(comm, size, "?");
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  if ((f = fopen(path, "re")) == NULL)
    return;
  while (fgets(path, sizeof(path), f) != NULL)
    if (sscanf(path, "Uid: %u", uid) == 1)
      break;
  fclose(f);
  snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
  if ((f = fopen(path, "re")) == NULL)
    return;
  if (fgets(comm, (int)size, f) != NULL)
    comm[strcspn(comm, "\n")] = '\0';
  fclose(f);
}

static void print_ps(const struct hacher_container *c, const pid_t *pids, size_t n, bool json)
{
  if (json) {
    printf("[");
    for (size_t i = 0; i < n; i++)
      printf("%s%d", i ? "," : "", (int)pids[i]);
    printf("]\n");
    return;
  }
  printf("UID        PID  CMD\n");
  for (size_t i = 0; i < n; i++) {
    char comm[64];
    unsigned int uid;
    if (pids[i] == c->pid) {
      printf("root %9d  hacher-monitor %s\n", (int)pids[i], c->id);
      continue;
    }
    proc_info(pids[i], &uid, comm, sizeof(comm));
    printf("%-4u %9d  %s\n", uid, (int)pids[i], comm);
  }
}

/* The processes in the container's cgroup (as runc lists them); without one,
 * the monitor, the only host process of a trustlet. */
int hacher_cmd_ps(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  struct hacher_container *c;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
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
  if (c->cgroup != NULL)
    pids = hacher_cgroup_pids(c->cgroup, &n);
  if (n == 0 && strcmp(hacher_container_status(c), "stopped") != 0) {
    free(pids);
    pids = xmalloc(sizeof(*pids));
    pids[0] = c->pid;
    n = 1;
  }
  print_ps(c, pids, n, strcmp(format, "json") == 0);
  hacher_container_destroy(c, false);
  return 0;
}
