/* hacher exec: run a new process in a running container's trustlet. The
 * process is built as runc builds it (the container's process with the
 * flags' changes, or --process FILE), then a forked exec proxy hands it to
 * the monitor over ROOT/ID/exec.sock and stands for it: the proxy's pid
 * goes to --pid-file, signals to the proxy go to the process, and the
 * proxy's exit status is the process's. With --detach the command returns
 * once the trustlet has taken the request. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/exec_msg.h"
#include "../common/log.h"
#include "../common/util.h"
#include "commands.h"
#include "console.h"
#include "container.h"
#include "exec_proxy.h"

#define EXEC_FAILED 255 /* runc's status when exec itself fails */

struct exec_opts {
  const char *process_path, *cwd, *user, *console_socket, *pid_file;
  char **env; /* --env, in order */
  size_t nenv;
  uint32_t gids[TL_MAX_GROUPS];
  size_t ngids;
  bool tty, detach, no_new_privs, ignore_paused;
};

/* What the request carries; strings borrowed from the config or argv. */
struct exec_proc {
  char **argv;
  char **env; /* allocated vector, borrowed strings */
  size_t nenv;
  const char *cwd;
  uint32_t uid, gid;
  const uint32_t *groups;
  uint32_t ngroups;
  bool terminal, no_new_privs;
  uint32_t rows, cols;
};

static bool parse_u32(const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;

  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > UINT32_MAX)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* runc's --user: UID[:GID], numbers (names would be resolved inside). */
static int parse_user(const char *s, struct exec_proc *p, hacher_error_t *err)
{
  cleanup_free char *copy = xstrdup(s);
  char *colon = strchr(copy, ':');

  if (colon != NULL)
    *colon = '\0';
  if (!parse_u32(copy, &p->uid) || (colon != NULL && !parse_u32(colon + 1, &p->gid)))
    return hacher_error(err, 0, "--user \"%s\": expected UID[:GID] (numbers)", s);
  return 0;
}

/* K=V replaces an earlier K (the last one wins, as runc's environment). */
static void env_set(struct exec_proc *p, char *kv)
{
  size_t klen = strcspn(kv, "=");

  for (size_t i = 0; i < p->nenv; i++)
    if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
      memmove(&p->env[i], &p->env[i + 1], (p->nenv - i - 1) * sizeof(char *));
      p->nenv--;
      break;
    }
  p->env[p->nenv++] = kv;
  p->env[p->nenv] = NULL;
}

/* --process FILE: the process as written (runc ignores the other flags but
 * --tty's console rules, which we keep). */
static int proc_from_file(const char *path, struct oci_config **file, struct exec_proc *p,
                          hacher_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t size;

  if (read_file(path, &text, &size, err) < 0 || oci_process_parse(path, text, size, file, err) < 0)
    return -1;
  p->argv = (*file)->args;
  p->env = xmalloc0(((*file)->env_count + 1) * sizeof(char *));
  for (size_t i = 0; i < (*file)->env_count; i++)
    env_set(p, (*file)->env[i]);
  p->cwd = (*file)->cwd;
  p->uid = (*file)->uid;
  p->gid = (*file)->gid;
  p->groups = (*file)->additional_gids;
  p->ngroups = (uint32_t)(*file)->additional_gids_count;
  p->terminal = (*file)->terminal;
  p->no_new_privs = (*file)->no_new_privileges;
  p->rows = (*file)->console_height;
  p->cols = (*file)->console_width;
  return 0;
}

/* runc's getProcess: the container's process, changed by the flags. */
static int proc_from_flags(const struct exec_opts *o, const struct oci_config *cfg, char **args,
                           struct exec_proc *p, hacher_error_t *err)
{
  p->argv = args;
  p->env = xmalloc0((cfg->env_count + o->nenv + 1) * sizeof(char *));
  for (size_t i = 0; i < cfg->env_count; i++)
    env_set(p, cfg->env[i]);
  for (size_t i = 0; i < o->nenv; i++)
    env_set(p, o->env[i]);
  p->cwd = o->cwd != NULL ? o->cwd : cfg->cwd;
  p->uid = cfg->uid;
  p->gid = cfg->gid;
  p->groups = o->ngids > 0 ? o->gids : cfg->additional_gids;
  p->ngroups = (uint32_t)(o->ngids > 0 ? o->ngids : cfg->additional_gids_count);
  p->terminal = o->tty;
  p->no_new_privs = o->no_new_privs || cfg->no_new_privileges;
  p->rows = cfg->console_height;
  p->cols = cfg->console_width;
  if (o->user != NULL && parse_user(o->user, p, err) < 0)
    return -1;
  return 0;
}

static int check_proc(const struct exec_proc *p, const struct exec_opts *o, hacher_error_t *err)
{
  if (p->argv == NULL || p->argv[0] == NULL)
    return hacher_error(err, 0, "process args cannot be empty");
  if (p->argv[0][0] == '\0')
    return hacher_error(err, 0, "process args[0] is empty");
  if (p->cwd == NULL || p->cwd[0] != '/')
    return hacher_error(err, 0, "cwd \"%s\" is not an absolute path", p->cwd ? p->cwd : "");
  /* runc's console rules */
  if (p->terminal && o->detach && o->console_socket == NULL)
    return hacher_error(err, 0,
                        "cannot allocate tty if runc will detach without setting console socket");
  if (o->console_socket != NULL && (!p->terminal || !o->detach))
    return hacher_error(err, 0,
                        "cannot use console socket if runc will not detach or allocate tty");
  return 0;
}

static int check_container(const struct hacher_container *c, bool ignore_paused,
                           hacher_error_t *err)
{
  const char *st = hacher_container_status(c);

  if (strcmp(st, "stopped") == 0)
    return hacher_error(err, 0, "cannot exec in a stopped container");
  if (strcmp(st, "paused") == 0 && !ignore_paused)
    return hacher_error(err, 0,
                        "cannot exec in a paused container (use --ignore-paused to override)");
  if (strcmp(st, "created") == 0 || strcmp(st, "creating") == 0)
    return hacher_error(err, 0,
                        "cannot exec in a container that is not started yet: its trustlet takes "
                        "exec requests once it runs");
  return 0;
}

static volatile sig_atomic_t proxy_pid;
static int console_master = -1;

/* Signals to a foreground exec go to the proxy, which hands them on; a
 * window change of our terminal resizes the exec's. */
static void forward(int sig)
{
  int saved = errno;

  if (sig == SIGWINCH && console_master >= 0) {
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
      ioctl(console_master, TIOCSWINSZ, &ws);
  } else if (proxy_pid > 0) {
    kill((pid_t)proxy_pid, sig);
  }
  errno = saved;
}

static void forward_signals(void)
{
  catch_forwarded_signals(forward);
}

static int wait_proxy(pid_t pid)
{
  return wait_status(pid, EXEC_FAILED);
}

/* "S" once the trustlet took the request; "E" and the reason otherwise. */
static int wait_started(int fd, pid_t pid, hacher_error_t *err)
{
  char buf[EXEC_MSG_TEXT_MAX + 256];

  if (read_verdict(fd, 'S', buf, sizeof(buf)))
    return 0;
  wait_proxy(pid);
  if (buf[0] == 'E' && buf[1] != '\0')
    return hacher_error(err, 0, "%s", buf + 1);
  return hacher_error(err, 0, "the exec proxy ended before the process started");
}

static int run_exec(const struct exec_opts *o, struct hacher_container *c,
                    const struct exec_proc *p, int *status, hacher_error_t *err)
{
  struct exec_request r = {
      .flags =
          (p->terminal ? EXEC_REQ_TERMINAL : 0) | (p->no_new_privs ? EXEC_REQ_NO_NEW_PRIVS : 0),
      .uid = p->uid,
      .gid = p->gid,
      .argv = p->argv,
      .env = p->env,
      .cwd = p->cwd,
      .groups = p->groups,
      .ngroups = p->ngroups,
  };
  struct hacher_console con = {-1, -1, ""};
  cleanup_free uint8_t *msg = NULL;
  char why[256];
  size_t len;
  int pipefd[2], rc = 0;
  pid_t pid;

  if (exec_msg_encode_request(&r, &msg, &len, why, sizeof(why)) < 0)
    return hacher_error(err, 0, "%s", why);
  unsigned rows = p->rows, cols = p->cols;
  struct winsize mine;
  /* in the foreground the exec's terminal starts with the size of ours */
  if (p->terminal && rows == 0 && !o->detach && o->console_socket == NULL &&
      ioctl(STDIN_FILENO, TIOCGWINSZ, &mine) == 0 && mine.ws_row > 0 && mine.ws_col > 0) {
    rows = mine.ws_row;
    cols = mine.ws_col;
  }
  if (p->terminal && hacher_console_open(&con, rows, cols, err) < 0)
    return -1;
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    hacher_console_close(&con);
    return hacher_error(err, errno, "pipe");
  }
  if (!o->detach)
    forward_signals(); /* from now on: a signal while the request is on its way is not lost */
  pid = fork();
  if (pid < 0) {
    hacher_console_close(&con);
    close(pipefd[0]);
    close(pipefd[1]);
    return hacher_error(err, errno, "fork the exec proxy");
  }
  if (pid == 0) {
    struct hacher_exec_proxy px = {.dir = c->dir,
                                   .request = msg,
                                   .request_len = len,
                                   .fds = {0, 1, 2},
                                   .nfds = 3,
                                   .tty = -1,
                                   .status_fd = pipefd[1]};
    close(pipefd[0]);
    if (p->terminal) {
      close(con.master);
      px.fds[0] = px.tty = con.slave;
      px.nfds = 1;
    }
    hacher_exec_proxy_main(&px);
  }
  close(pipefd[1]);
  proxy_pid = pid;
  if (p->terminal) {
    close(con.slave);
    con.slave = -1;
    if (o->console_socket != NULL)
      rc = hacher_console_send(&con, o->console_socket, err);
  }
  if (rc == 0)
    rc = wait_started(pipefd[0], pid, err);
  else
    kill(pid, SIGKILL), wait_proxy(pid);
  close(pipefd[0]);
  if (rc == 0 && o->pid_file != NULL) {
    cleanup_free char *text = xasprintf("%d", (int)pid);
    rc = write_file_atomic(o->pid_file, text, strlen(text), 0644, err);
  }
  if (rc < 0 || o->detach) {
    hacher_console_close(&con);
    *status = 0;
    return rc; /* the proxy lives on for the caller (its subreaper) */
  }
  if (p->terminal) {
    console_master = con.master;
    hacher_console_proxy(con.master);
  }
  *status = wait_proxy(pid);
  hacher_console_close(&con);
  return 0;
}

static int parse_opts(int argc, char **argv, struct exec_opts *o, hacher_error_t *err)
{
  enum {
    O_CONSOLE = 256,
    O_CWD,
    O_PID_FILE,
    O_LABEL,
    O_APPARMOR,
    O_NNP,
    O_PRESERVE,
    O_CGROUP,
    O_IGNORE_PAUSED,
    O_PIDFD
  };
  static const struct option opts[] = {
      {"console-socket", required_argument, NULL, O_CONSOLE},
      {"cwd", required_argument, NULL, O_CWD},
      {"env", required_argument, NULL, 'e'},
      {"tty", no_argument, NULL, 't'},
      {"user", required_argument, NULL, 'u'},
      {"additional-gids", required_argument, NULL, 'g'},
      {"process", required_argument, NULL, 'p'},
      {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, O_PID_FILE},
      {"process-label", required_argument, NULL, O_LABEL},
      {"apparmor", required_argument, NULL, O_APPARMOR},
      {"no-new-privs", no_argument, NULL, O_NNP},
      {"cap", required_argument, NULL, 'c'},
      {"preserve-fds", required_argument, NULL, O_PRESERVE},
      {"cgroup", required_argument, NULL, O_CGROUP},
      {"ignore-paused", no_argument, NULL, O_IGNORE_PAUSED},
      {"pidfd-socket", required_argument, NULL, O_PIDFD},
      {NULL, 0, NULL, 0},
  };
  int opt;

  o->env = xmalloc0((size_t)argc * sizeof(char *));
  while ((opt = getopt_long(argc, argv, "+e:tu:g:p:dc:", opts, NULL)) != -1) {
    switch (opt) {
    case O_CONSOLE: o->console_socket = optarg; break;
    case O_CWD: o->cwd = optarg; break;
    case 'e':
      if (strchr(optarg, '=') == NULL || optarg[0] == '=')
        return hacher_error(err, 0, "exec: --env \"%s\": expected KEY=VALUE", optarg);
      o->env[o->nenv++] = optarg;
      break;
    case 't': o->tty = true; break;
    case 'u': o->user = optarg; break;
    case 'g':
      if (o->ngids == TL_MAX_GROUPS || !parse_u32(optarg, &o->gids[o->ngids]))
        return hacher_error(err, 0,
                            "exec: --additional-gids \"%s\": expected a number (at most %d)",
                            optarg, TL_MAX_GROUPS);
      o->ngids++;
      break;
    case 'p': o->process_path = optarg; break;
    case 'd': o->detach = true; break;
    case O_PID_FILE: o->pid_file = optarg; break;
    case O_NNP: o->no_new_privs = true; break;
    case O_IGNORE_PAUSED: o->ignore_paused = true; break;
    case O_PRESERVE:
      if (strcmp(optarg, "0") != 0)
        return hacher_error(err, 0, "exec: --preserve-fds is not supported (stdio only)");
      break;
    case O_PIDFD: return hacher_error(err, 0, "exec: --pidfd-socket is not supported");
    case O_LABEL:
    case O_APPARMOR:
    case O_CGROUP:
    case 'c': break; /* accepted: nothing in the trustlet to apply them to */
    default: return hacher_error(err, 0, "exec: invalid option (see hacher --help)");
    }
  }
  if (optind >= argc)
    return hacher_error(err, 0, "exec: usage: hacher exec [options] ID [COMMAND [ARG...]]");
  if (o->process_path == NULL && optind + 1 >= argc)
    return hacher_error(err, 0, "exec: a command or --process is required");
  return 0;
}

static int do_exec(struct hacher_global *g, const struct exec_opts *o, char **rest, int *status,
                   hacher_error_t *err)
{
  struct hacher_container *c = NULL;
  struct oci_config *file = NULL;
  struct exec_proc p = {0};
  int rc;

  rc = hacher_container_load(g->root, rest[0], &c, err);
  if (rc == 0)
    rc = check_container(c, o->ignore_paused, err);
  if (rc == 0 && o->process_path != NULL)
    rc = proc_from_file(o->process_path, &file, &p, err);
  else if (rc == 0)
    rc =
        hacher_container_config(c, err) < 0 ? -1 : proc_from_flags(o, c->config, rest + 1, &p, err);
  if (rc == 0 && o->process_path != NULL && o->tty)
    p.terminal = true;
  if (rc == 0)
    rc = check_proc(&p, o, err);
  if (rc == 0)
    rc = run_exec(o, c, &p, status, err);
  free(p.env);
  oci_config_free(file);
  hacher_container_destroy(c, false);
  return rc;
}

int hacher_cmd_exec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct exec_opts o = {0};
  int status = 0, rc;

  if (parse_opts(argc, argv, &o, err) < 0) {
    free(o.env);
    return -1; /* usage errors: status 1 */
  }
  rc = do_exec(g, &o, argv + optind, &status, err);
  free(o.env);
  if (rc == 0)
    return status;
  /* as runc: "exec failed: ...", status 255 */
  hacher_error_wrap(err, "exec failed");
  log_error("%s", (*err)->msg);
  if (hacher_log_fd() != 2)
    fprintf(stderr, "hacher: %s\n", (*err)->msg);
  return EXEC_FAILED;
}
