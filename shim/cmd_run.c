/* hacher run: create and start a container in a trustlet, wait for it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "commands.h"
#include "console.h"
#include "container.h"
#include "launch.h"

static volatile sig_atomic_t monitor_pid;

/* Signals to `run` go to the container, as with runc. */
static void forward(int sig)
{
  if (monitor_pid > 0)
    kill((pid_t)monitor_pid, sig);
}

static void forward_signals(pid_t pid)
{
  monitor_pid = pid;
  catch_forwarded_signals(forward);
}

/* The monitor's exit status is the function's; death by signal N is 128+N. */
static int wait_monitor(pid_t pid)
{
  return wait_status(pid, 1);
}

/* The monitor is gone, and so goes its cgroup (a failure is only logged:
 * the container's exit status is what run reports). */
static void remove_cgroup(struct hacher_container *c)
{
  hacher_error_t e = NULL;

  if (c->cgroup == NULL)
    return;
  if (hacher_cgroup_remove(c->cgroup, &e) < 0) {
    log_warn("%s", e->msg);
    hacher_error_release(&e);
    return; /* kept in the state, so delete tries again */
  }
  hacher_cgroup_free(c->cgroup);
  c->cgroup = NULL;
}

/* run = create + start + wait, with this process outside the monitor's
 * sandbox so it can clean up afterwards. */
static int run_trustlet(struct hacher_global *g, struct hacher_container *c,
                        struct hacher_create_opts *o, int *status, hacher_error_t *err)
{
  if (hacher_create_container(g, c, o, err) < 0)
    return -1;
  forward_signals(c->pid);
  if (hacher_start_container(c, err) < 0) {
    kill(c->pid, SIGKILL);
    wait_monitor(c->pid);
    if (o->console_master >= 0)
      close(o->console_master);
    return -1;
  }
  if (o->console_master >= 0) {
    hacher_console_proxy(o->console_master);
    close(o->console_master);
  }
  *status = wait_monitor(c->pid);
  return 0;
}

int hacher_cmd_run(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, 'p'},
      {"keep", no_argument, NULL, 'k'},
      {"detach", no_argument, NULL, 'd'},
      {"no-pivot", no_argument, NULL, 'P'},
      {"no-new-keyring", no_argument, NULL, 'K'},
      {"no-subreaper", no_argument, NULL, 'S'},
      {"console-socket", required_argument, NULL, 'c'},
      {"preserve-fds", required_argument, NULL, 'f'},
      {NULL, 0, NULL, 0},
  };
  struct hacher_create_opts o = {0};
  const char *bundle = ".";
  struct hacher_container *c = NULL;
  bool keep = false, detach = false;
  int opt, status = 0, rc;

  while ((opt = getopt_long(argc, argv, "+b:dk", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': bundle = optarg; break;
    case 'p': o.pid_file = optarg; break;
    case 'c': o.console_socket = optarg; break;
    case 'k': keep = true; break;
    case 'd': detach = true; break;
    case 'P':
    case 'K':
    case 'S':
    case 'f': break;
    default: return hacher_error(err, 0, "run: invalid option (see hacher --help)");
    }
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "run: expected exactly one container id");
  if (hacher_container_new(g->root, argv[optind], bundle, &c, err) < 0)
    return -1;
  if (hacher_check_console(c->config, o.console_socket, detach, err) < 0) {
    hacher_container_destroy(c, true);
    return -1;
  }
  if (detach) { /* create + start; the monitor outlives this command */
    rc = hacher_create_container(g, c, &o, err);
    if (rc == 0 && hacher_start_container(c, err) < 0) {
      kill(c->pid, SIGKILL);
      wait_monitor(c->pid);
      rc = -1;
    }
    if (rc < 0) {
      remove_cgroup(c);
      return hacher_abandon_container(c);
    }
    hacher_container_destroy(c, false);
    return 0;
  }
  rc = run_trustlet(g, c, &o, &status, err);
  remove_cgroup(c); /* the monitor has ended: even --keep has no use for it */
  if (rc == 0 && keep) {
    c->pid = 0;
    rc = hacher_container_save(c, "stopped", err);
  }
  if (rc < 0)
    return hacher_abandon_container(c);
  if (keep) {
    hacher_container_destroy(c, false);
    return status;
  }
  return hacher_delete_container(c, err) < 0 ? -1 : status;
}
