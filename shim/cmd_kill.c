/* hacher kill, delete, pause and resume: signals to the monitor (which gives
 * them to the function), removal of stopped containers, the freezer. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "commands.h"
#include "container.h"
#include "hooks.h"

/* "TERM", "SIGTERM", "term" or "15". */
static int parse_signal(const char *s)
{
  char *end;
  long n = strtol(s, &end, 10);

  if (*s != '\0' && *end == '\0')
    return n > 0 && n < NSIG ? (int)n : -1;
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (int sig = 1; sig < NSIG; sig++) {
    const char *name = sigabbrev_np(sig);
    if (name != NULL && strcasecmp(name, s) == 0)
      return sig;
  }
  return -1;
}

/* A container whose monitor runs; never true for pid <= 0 (kill(0) would
 * signal the caller's whole process group). */
static bool alive(const struct hacher_container *c)
{
  const char *st = hacher_container_status(c);
  return c->pid > 0 && strcmp(st, "stopped") != 0 && strcmp(st, "creating") != 0;
}

/* A frozen monitor dies of SIGKILL only once thawed (runc thaws as well). */
static void thaw_after_kill(const struct hacher_container *c)
{
  if (c->cgroup != NULL)
    hacher_cgroup_freeze(c->cgroup, false, NULL);
}

int hacher_cmd_kill(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
  struct hacher_container *c;
  int opt, sig = SIGTERM, rc = 0;
  bool all = false;

  while ((opt = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
    if (opt != 'a')
      return hacher_error(err, 0, "kill: invalid option");
    all = true;
  }
  if (optind >= argc || argc - optind > 2)
    return hacher_error(err, 0, "kill: usage: hacher kill [--all] ID [SIGNAL]");
  if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
    return hacher_error(err, 0, "unknown signal \"%s\"", argv[optind + 1]);
  if (hacher_container_load(g->root, argv[optind], &c, err) < 0)
    return -1;
  /* --all on a stopped container has nothing left to signal: success, as
   * runc (containerd's shim sends it after every exit of a shared-pid container). */
  if (!alive(c))
    rc = all ? 0 : hacher_error(err, 0, "container not running");
  else if (kill(c->pid, sig) < 0)
    rc = hacher_error(err, errno, "kill %d", (int)c->pid);
  else if (sig == SIGKILL)
    thaw_after_kill(c);
  hacher_container_destroy(c, false);
  return rc;
}

/* SIGKILL the monitor and wait (up to 10 s) until it is gone or a zombie. */
static int kill_and_wait(struct hacher_container *c, hacher_error_t *err)
{
  struct timespec ts = {0, 2000000};

  if (c->pid <= 0)
    return 0;
  if (kill(c->pid, SIGKILL) < 0 && errno != ESRCH)
    return hacher_error(err, errno, "kill %d", (int)c->pid);
  thaw_after_kill(c);
  for (int i = 0; i < 5000; i++) {
    if (hacher_pid_start(c->pid) != c->pid_start)
      return 0;
    nanosleep(&ts, NULL);
  }
  return hacher_error(err, 0, "container \"%s\": monitor %d did not exit", c->id, (int)c->pid);
}

int hacher_delete_container(struct hacher_container *c, hacher_error_t *err)
{
  hacher_error_t cfg_err = NULL;
  int rc;

  /* a state dir from before config copies has no hooks to run */
  if (hacher_container_config(c, &cfg_err) < 0) {
    log_debug("container \"%s\": no poststop hooks: %s", c->id, cfg_err->msg);
    hacher_error_release(&cfg_err);
  }
  hacher_container_remove_state(c);
  rc = hacher_hooks_run(c, OCI_HOOK_POSTSTOP, "stopped", err);
  hacher_container_destroy(c, false);
  return rc;
}

int hacher_abandon_container(struct hacher_container *c)
{
  hacher_error_t hook_err = NULL;

  if (hacher_delete_container(c, &hook_err) < 0) {
    log_warn("%s", hook_err->msg);
    hacher_error_release(&hook_err);
  }
  return -1;
}

int hacher_cmd_delete(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  struct hacher_container *c;
  hacher_error_t load_err = NULL;
  const char *status;
  bool force = false;
  int opt, rc = 0;

  while ((opt = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
    if (opt != 'f')
      return hacher_error(err, 0, "delete: invalid option");
    force = true;
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "delete: expected exactly one container id");
  if (hacher_container_load(g->root, argv[optind], &c, &load_err) < 0) {
    if (force && strcmp(load_err->msg, "container does not exist") == 0) {
      hacher_error_release(&load_err);
      return 0; /* already gone, as runc */
    }
    *err = load_err;
    return -1;
  }
  status = hacher_container_status(c);
  if (strcmp(status, "stopped") != 0) {
    if (!force && strcmp(status, "created") != 0)
      rc =
          hacher_error(err, 0, "cannot delete container %s that is not stopped: %s", c->id, status);
    else
      rc = kill_and_wait(c, err);
  }
  /* a cgroup that cannot be removed keeps the state, so delete can be retried */
  if (rc == 0 && c->cgroup != NULL && hacher_cgroup_remove(c->cgroup, err) < 0)
    rc = -1;
  if (rc < 0) {
    hacher_container_destroy(c, false);
    return -1;
  }
  return hacher_delete_container(c, err);
}

/* pause: the monitor (and so the vCPU) is stopped with SIGSTOP, then its
 * cgroup is frozen; resume thaws, then continues it. */
static int pause_monitor(struct hacher_container *c, hacher_error_t *err)
{
  if (kill(c->pid, SIGSTOP) < 0)
    return hacher_error(err, errno, "signal %d", (int)c->pid);
  if (c->cgroup != NULL && hacher_cgroup_freeze(c->cgroup, true, err) < 0) {
    kill(c->pid, SIGCONT);
    return -1;
  }
  return 0;
}

static int resume_monitor(struct hacher_container *c, hacher_error_t *err)
{
  if (c->cgroup != NULL && hacher_cgroup_freeze(c->cgroup, false, err) < 0)
    return -1;
  if (kill(c->pid, SIGCONT) < 0)
    return hacher_error(err, errno, "signal %d", (int)c->pid);
  return 0;
}

static int pause_resume(struct hacher_global *g, int argc, char **argv, bool pause,
                        hacher_error_t *err)
{
  struct hacher_container *c;
  const char *status;
  int rc = 0;

  if (argc != 2)
    return hacher_error(err, 0, "%s: expected exactly one container id", argv[0]);
  if (hacher_container_load(g->root, argv[1], &c, err) < 0)
    return -1;
  status = hacher_container_status(c);
  if (pause && strcmp(status, "running") != 0)
    rc = hacher_error(err, 0, "container not running");
  else if (!pause && strcmp(status, "paused") != 0)
    rc = hacher_error(err, 0, "container not paused");
  else
    rc = pause ? pause_monitor(c, err) : resume_monitor(c, err);
  if (rc == 0) {
    c->paused = pause;
    rc = hacher_container_save(c, pause ? "paused" : "running", err);
  }
  hacher_container_destroy(c, false);
  return rc;
}

int hacher_cmd_pause(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  return pause_resume(g, argc, argv, true, err);
}

int hacher_cmd_resume(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  return pause_resume(g, argc, argv, false, err);
}
