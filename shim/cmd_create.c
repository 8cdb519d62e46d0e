/* hacher create: prepare the trustlet in a monitor process that waits for
 * `start` on exec.fifo (runc's pattern); the monitor's pid is the container's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "commands.h"
#include "console.h"
#include "hooks.h"
#include "host_process.h"
#include "container.h"
#include "exec_proxy.h"
#include "launch.h"

struct ready_ctx {
  int status_fd; /* to the create command: "R" or "E" + message */
  int fifo_fd;   /* exec.fifo, opened read-write before the sandbox */
};

/* In the monitor: the program is loaded. Tell `create`, then block until
 * `start` writes into exec.fifo. The fifo was opened O_RDWR up front, so the
 * sandboxed monitor never opens a path, and `start` finds no reader (ENXIO)
 * once the monitor is gone instead of blocking. */
static int on_ready(void *arg)
{
  struct ready_ctx *r = arg;
  char b;

  if (write(r->status_fd, "R", 1) != 1)
    return -1;
  close(r->status_fd);
  r->status_fd = -1;
  /* A signal for the container (kill of a created container) interrupts
   * the wait: the monitor then ends with that signal's status. */
  if (read(r->fifo_fd, &b, 1) != 1)
    return -1;
  close(r->fifo_fd);
  r->fifo_fd = -1;
  return 0;
}

/* The monitor keeps stdio, the status pipe, the fifo and the log; whatever
 * else the caller had open must not live on in the container. One
 * close_range per gap between the kept fds (sorted ascending here). */
static void close_other_fds(int *keep, size_t n)
{
  unsigned int from = 3;

  for (size_t i = 1; i < n; i++) /* insertion sort: n is tiny */
    for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
      int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) {
    if (keep[i] < (int)from)
      continue;
    if ((unsigned int)keep[i] > from)
      close_range(from, (unsigned int)keep[i] - 1, 0);
    from = (unsigned int)keep[i] + 1;
  }
  close_range(from, ~0U, 0);
}

/* The terminal becomes the monitor's controlling terminal, so ^C, hang-up
 * and job-control signals reach the function through the monitor. It also
 * replaces stdio, as for runc's container process: the caller's stdio may be
 * a pipe it reads to the end (containerd's shim does), which the monitor
 * must not hold. */
static void attach_terminal(struct hacher_launch *l, int slave)
{
  setsid();
  ioctl(slave, TIOCSCTTY, 0);
  for (int fd = 0; fd < 3; fd++)
    if (slave != fd)
      dup2(slave, fd);
  if (slave > 2)
    close(slave);
  l->mc.terminal = true;
  l->mc.stdio[0] = 0;
  l->mc.stdio[1] = 1;
  l->mc.stdio[2] = 2;
}

static void monitor_main(struct hacher_launch *l, struct ready_ctx *r)
{
  hacher_error_t err = NULL;
  int status = 1;

  l->mc.on_ready = on_ready;
  l->mc.on_ready_arg = r;
  if (mon_run(&l->mc, &status, &err) < 0) {
    if (r->status_fd >= 0) {
      cleanup_free char *msg = xasprintf("E%s", err->msg);
      (void)!write(r->status_fd, msg, strlen(msg));
    } else {
      log_error("%s", err->msg);
    }
    _exit(1);
  }
  _exit(status);
}

/* Wait for the monitor's verdict; the message of a failure is returned. */
static int wait_ready(int fd, pid_t pid, hacher_error_t *err)
{
  char buf[4096];

  if (read_verdict(fd, 'R', buf, sizeof(buf)))
    return 0;
  waitpid(pid, NULL, 0);
  if (buf[0] == 'E' && buf[1] != '\0')
    return hacher_error(err, 0, "%s", buf + 1);
  return hacher_error(err, 0, "trustlet monitor ended before the container was created");
}

/* The monitor reports a start-up failure to `create` and ends. */
static void __attribute__((noreturn)) child_fail(int status_fd, const char *msg)
{
  cleanup_free char *text = xasprintf("E%s", msg);
  (void)!write(status_fd, text, strlen(text));
  _exit(1);
}

/* In the new monitor process: join the cgroup before anything is allocated
 * for the guest (its memory is charged there), keep only what the monitor
 * needs, take the terminal, apply the host process settings and run the
 * trustlet. */
static void __attribute__((noreturn))
monitor_child(struct hacher_container *c, struct hacher_launch *l, const char *fifo, int status_fd,
              int slave)
{
  hacher_error_t e = NULL;
  struct ready_ctx r = {status_fd, -1};
  int fifo_errno;

  if (c->cgroup != NULL && hacher_cgroup_join(c->cgroup, getpid(), &e) < 0)
    child_fail(status_fd, e->msg);
  /* the socket `hacher exec` connects to, made before the sandbox */
  if ((l->mc.exec_fd = hacher_exec_listen(c->dir, &e)) < 0)
    child_fail(status_fd, e->msg);
  r.fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
  fifo_errno = errno;
  {
    int keep[] = {status_fd,   r.fifo_fd,     hacher_log_fd(),        slave,
                  l->image.fd, l->mc.exec_fd, l->mc.attest_counter_fd};
    close_other_fds(keep, ARRAY_SIZE(keep));
  }
  if (r.fifo_fd < 0) {
    cleanup_free char *msg = xasprintf("open \"%s\": %s", fifo, strerror(fifo_errno));
    child_fail(status_fd, msg);
  }
  if (slave >= 0)
    attach_terminal(l, slave);
  if (hacher_host_process_setup(c->config, &e) < 0)
    child_fail(status_fd, e->msg);
  monitor_main(l, &r);
  _exit(1);
}

/* Fork the monitor and wait until its trustlet is ready (or has failed). */
static int start_monitor(struct hacher_container *c, struct hacher_launch *l, int slave, pid_t *pid,
                         hacher_error_t *err)
{
  cleanup_free char *fifo = hacher_container_fifo(c);
  int pipefd[2], rc;

  if (mkfifo(fifo, 0600) < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
    return hacher_error(err, errno, "create \"%s\"", fifo);
  *pid = fork();
  if (*pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return hacher_error(err, errno, "fork the trustlet monitor");
  }
  if (*pid == 0) {
    close(pipefd[0]);
    monitor_child(c, l, fifo, pipefd[1], slave);
  }
  close(pipefd[1]);
  rc = wait_ready(pipefd[0], *pid, err);
  close(pipefd[0]);
  if (rc < 0)
    *pid = -1; /* reaped by wait_ready */
  return rc;
}

static bool wants_limits(const struct oci_resources *r)
{
  return (r->has_memory_limit && r->memory_limit != 0) ||
         (r->has_memory_reservation && r->memory_reservation != 0) ||
         (r->has_memory_swap && r->memory_swap != 0) || (r->has_cpu_shares && r->cpu_shares) ||
         (r->has_cpu_quota && r->cpu_quota != 0) || (r->has_cpu_period && r->cpu_period) ||
         (r->cpuset_cpus && *r->cpuset_cpus) || (r->cpuset_mems && *r->cpuset_mems) ||
         (r->has_pids_limit && r->pids_limit != 0);
}

/* As runc without root: a cgroup that cannot be made for lack of permission
 * is fine when none was asked for and no limit needs one. */
static bool can_do_without(const struct oci_config *cfg, const hacher_error_t e)
{
  bool denied = e->status == EACCES || e->status == EPERM || e->status == EROFS;
  bool asked = cfg->cgroups_path != NULL && *cfg->cgroups_path != '\0';

  return denied && geteuid() != 0 && !asked && !wants_limits(&cfg->resources);
}

/* The container's cgroup with its limits, recorded in the state before the
 * monitor joins it, so that delete finds it whatever happens next. */
static int setup_cgroup(struct hacher_global *g, struct hacher_container *c, hacher_error_t *err)
{
  cleanup_free char *path = NULL;
  struct hacher_cgroup *cg;

  if (hacher_cgroup_path(c->config->cgroups_path, c->id, g->systemd_cgroup, &path, err) < 0 ||
      hacher_cgroup_open(NULL, path, &cg, err) < 0)
    return -1;
  if (hacher_cgroup_create(cg, &c->config->resources, err) < 0) {
    hacher_cgroup_free(cg);
    if (!can_do_without(c->config, *err))
      return -1;
    log_debug("%s: the container runs without a cgroup", (*err)->msg);
    hacher_error_release(err);
    return 0;
  }
  c->cgroup = cg;
  if (hacher_container_save(c, "creating", err) < 0) {
    hacher_cgroup_rollback(cg);
    hacher_cgroup_free(cg);
    c->cgroup = NULL;
    return -1;
  }
  return 0;
}

/* After a failed create: no monitor, no cgroup left. */
static void undo_create(struct hacher_container *c, pid_t pid)
{
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  if (c->cgroup != NULL) {
    hacher_cgroup_rollback(c->cgroup);
    hacher_cgroup_free(c->cgroup);
    c->cgroup = NULL;
  }
}

/* The pty master goes to --console-socket, or to `run` in the foreground. */
static int hand_over_console(struct hacher_console *con, struct hacher_create_opts *o,
                             hacher_error_t *err)
{
  int rc = 0;

  close(con->slave);
  con->slave = -1;
  if (o->console_socket != NULL) {
    rc = hacher_console_send(con, o->console_socket, err);
  } else {
    o->console_master = con->master;
    con->master = -1;
  }
  hacher_console_close(con);
  return rc;
}

/* runc's order: the (deprecated) prestart hooks, then createRuntime, then
 * createContainer, all while the container is "creating". */
static int create_hooks(const struct hacher_container *c, hacher_error_t *err)
{
  static const enum oci_hook_kind kinds[] = {OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME,
                                             OCI_HOOK_CREATE_CONTAINER};

  for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
    if (hacher_hooks_run(c, kinds[i], "creating", err) < 0)
      return -1;
  return 0;
}

int hacher_create_container(struct hacher_global *g, struct hacher_container *c,
                            struct hacher_create_opts *o, hacher_error_t *err)
{
  const struct oci_config *cfg = c->config;
  struct hacher_console con = {-1, -1, ""};
  struct hacher_launch l;
  pid_t pid = -1;
  int rc;

  o->console_master = -1;
  c->pid = getpid(); /* until the monitor exists, so a crashed create reads "stopped" */
  c->pid_start = hacher_pid_start(c->pid);
  if (hacher_container_save(c, "creating", err) < 0 || setup_cgroup(g, c, err) < 0)
    return -1;
  if (hacher_launch_prepare(g, c, &l, err) < 0) {
    undo_create(c, -1);
    return -1;
  }
  if (hacher_launch_attest(g, &l, err) < 0) {
    hacher_launch_release(&l);
    undo_create(c, -1);
    return -1;
  }
  rc = cfg->terminal ? hacher_console_open(&con, cfg->console_height, cfg->console_width, err) : 0;
  if (rc == 0)
    rc = start_monitor(c, &l, con.slave, &pid, err);
  hacher_launch_release(&l);
  if (rc == 0) {
    c->pid = pid;
    c->pid_start = hacher_pid_start(pid);
  }
  if (rc == 0 && cfg->terminal)
    rc = hand_over_console(&con, o, err);
  hacher_console_close(&con);
  if (rc == 0)
    rc = create_hooks(c, err);
  if (rc == 0 && o->pid_file != NULL) {
    cleanup_free char *text = xasprintf("%d", (int)pid);
    rc = write_file_atomic(o->pid_file, text, strlen(text), 0644, err);
  }
  if (rc == 0)
    rc = hacher_container_save(c, "created", err);
  if (rc < 0) {
    undo_create(c, pid);
    if (o->console_master >= 0)
      close(o->console_master);
    o->console_master = -1;
  }
  return rc;
}

int hacher_check_console(const struct oci_config *cfg, const char *console_socket, bool detach,
                         hacher_error_t *err)
{
  if (cfg->terminal && detach && console_socket == NULL)
    return hacher_error(err, 0,
                        "process.terminal is true: a detached container needs "
                        "--console-socket to receive the terminal");
  if (console_socket != NULL && !cfg->terminal)
    return hacher_error(err, 0, "--console-socket given but process.terminal is false");
  if (console_socket != NULL && !detach)
    return hacher_error(err, 0, "--console-socket is for detached containers (run -d, create)");
  return 0;
}

int hacher_cmd_create(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, 'p'},
      {"console-socket", required_argument, NULL, 'c'},
      {"preserve-fds", required_argument, NULL, 'f'},
      {"no-pivot", no_argument, NULL, 'P'},
      {"no-new-keyring", no_argument, NULL, 'K'},
      {NULL, 0, NULL, 0},
  };
  struct hacher_create_opts o = {0};
  const char *bundle = ".";
  struct hacher_container *c = NULL;
  int opt;

  while ((opt = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': bundle = optarg; break;
    case 'p': o.pid_file = optarg; break;
    case 'c': o.console_socket = optarg; break;
    case 'f':
    case 'P':
    case 'K': break;
    default: return hacher_error(err, 0, "create: invalid option (see hacher --help)");
    }
  }
  if (optind + 1 != argc)
    return hacher_error(err, 0, "create: expected exactly one container id");
  if (hacher_container_new(g->root, argv[optind], bundle, &c, err) < 0)
    return -1;
  if (hacher_check_console(c->config, o.console_socket, true, err) < 0) {
    hacher_container_destroy(c, true);
    return -1;
  }
  if (hacher_create_container(g, c, &o, err) < 0)
    return hacher_abandon_container(c);
  hacher_container_destroy(c, false);
  return 0;
}
