/* hacher run: create and start a container in a trustlet, wait for it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "commands.h"
#include "container.h"
#include "launch.h"

static int run_trustlet(struct hacher_global *g, struct hacher_container *c, int *status,
                        hacher_error_t *err)
{
  struct hacher_launch l;
  int rc;

  if (hacher_launch_prepare(g, c, &l, err) < 0)
    return -1;
  c->pid = getpid();
  c->pid_start = hacher_pid_start(c->pid);
  rc = hacher_container_save(c, "running", err);
  if (rc == 0)
    rc = mon_run(&l.mc, status, err);
  hacher_launch_release(&l);
  return rc;
}

int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'}, {"pid-file", required_argument, NULL, 'p'},
      {"keep", no_argument, NULL, 'k'},         {"detach", no_argument, NULL, 'd'},
      {"no-pivot", no_argument, NULL, 'P'},     {"no-new-keyring", no_argument, NULL, 'K'},
      {"no-subreaper", no_argument, NULL, 'S'}, {NULL, 0, NULL, 0},
  };
  const char *bundle = ".", *pid_file = NULL;
  struct hacher_container *c = NULL;
  bool keep = false, detach = false;
  int opt, status = 0, rc;

  while ((opt = getopt_long(argc, argv, "+b:dk", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': bundle = optarg; break;
    case 'p': pid_file = optarg; break;
    case 'k': keep = true; break;
    case 'd': detach = true; break;
    case 'P':
    case 'K':
    case 'S': break;
    default: return hacher_error(err, 0, "run: invalid option (see hacher --help)");
    }
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "run: expected exactly one container id");
  if (hacher_container_new(g->root, argv[optind], bundle, &c, err) < 0)
    return -1;
  if (detach) { /* create + start; the monitor outlives this command */
    rc = hacher_create_container(g, c, pid_file, err);
    if (rc == 0)
      rc = hacher_start_container(c, err);
    hacher_container_destroy(c, rc < 0);
    return rc;
  }
  if (pid_file != NULL) {
    cleanup_free char *pid = xasprintf("%d", (int)getpid());
    if (write_file_atomic(pid_file, pid, strlen(pid), 0644, err) < 0) {
      hacher_container_destroy(c, true);
      return -1;
    }
  }
  rc = run_trustlet(g, c, &status, err);
  if (rc == 0 && keep) {
    c->pid = 0;
    rc = hacher_container_save(c, "stopped", err);
  }
  hacher_container_destroy(c, !keep || rc < 0);
  return rc < 0 ? -1 : status;
}
