/* `hacher exec` requests: taken from the monitor (TL_HC_EXEC_TAKE) where the
 * LibOS looks for host signals, checked, and handed to los_spawn; the end
 * of the process goes back with TL_HC_EXEC_DONE. Until the LibOS has
 * processes, the weak los_spawn below refuses, so the whole path up to
 * the spawn is exercised: the caller sees the message and status 126. */
#include "exec_req.h"

#define STATUS_CANNOT_RUN 126 /* as shells: found but cannot be run */
#define STATUS_NOT_FOUND 127

__attribute__((weak)) int los_spawn(const struct los_spawn_req *req)
{
  (void)req;
  return -ENOSYS;
}

__attribute__((weak)) void los_spawn_signal(uint32_t id, int sig)
{
  (void)id;
  (void)sig;
}

void los_exec_exited(uint32_t id, int status, int signal)
{
  struct tl_hc req = {.nr = TL_HC_EXEC_DONE};

  req.u.exec.id = id;
  req.u.exec.status = (uint32_t)status & 0xff;
  req.u.exec.signal = (uint32_t)signal;
  los_hc(&req);
}

/* The request cannot run: say why on its stderr, as runc's exec would. */
static void refuse(const struct los_spawn_req *req, int err)
{
  char msg[512];
  int n;

  if (err == -ENOSYS)
    n = los_snprintf(msg, sizeof(msg),
                     "hacher exec: processes are not supported inside this trustlet yet\n");
  else
    n = los_snprintf(msg, sizeof(msg), "hacher exec: \"%s\": cannot start the process (error %d)\n",
                     req->argv[0], -err);
  los_host_write((int)req->slot[2], msg, (uint64_t)LOS_MIN(n, (int)sizeof(msg) - 1));
  los_exec_exited(req->id, err == -ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN, 0);
}

static void start(const void *buf, uint64_t size)
{
  const struct tl_exec_event *ev = buf;
  struct los_spawn_req req;
  const char **argv, **envp;
  int rc;

  if (los_exec_parse(buf, size, &req, NULL, NULL) < 0) {
    los_log("exec %u: malformed request from the host, refused", ev->id);
    if (ev->id != 0)
      los_exec_exited(ev->id, STATUS_CANNOT_RUN, 0);
    return;
  }
  argv = kmalloc(((size_t)ev->argc + 1) * sizeof(char *));
  envp = kmalloc(((size_t)ev->envc + 1) * sizeof(char *));
  if (argv == NULL || envp == NULL || los_exec_parse(buf, size, &req, argv, envp) < 0) {
    los_log("exec %u: out of memory for the request", ev->id);
    los_exec_exited(ev->id, STATUS_CANNOT_RUN, 0);
  } else if ((rc = los_spawn(&req)) < 0) {
    refuse(&req, rc);
  }
  kfree(argv);
  kfree(envp);
}

void los_exec_pending(void)
{
  static bool busy; /* los_spawn may block and look for signals itself */

  if (busy || los_shared->exec_pending == 0)
    return;
  busy = true;
  while (los_shared->exec_pending != 0) {
    uint32_t size = los_shared->exec_size;
    struct tl_hc req = {.nr = TL_HC_EXEC_TAKE};
    uint64_t *buf;
    int64_t rc;

    if (size < sizeof(struct tl_exec_event) ||
        size > sizeof(struct tl_exec_event) + TL_EXEC_STRINGS_MAX) {
      los_log("exec: the host announces an event of %u bytes; ignored", size);
      break;
    }
    buf = kmalloc(size);
    if (buf == NULL)
      break;
    req.u.exec.buf.gpa = los_gpa(buf);
    req.u.exec.len = size;
    rc = los_hc(&req);
    if (rc == (int64_t)size) {
      const struct tl_exec_event *ev = (const void *)buf;
      if (ev->kind == TL_EXEC_SIGNAL && ev->signo >= 1 && ev->signo <= 64)
        los_spawn_signal(ev->id, (int)ev->signo);
      else
        start(buf, size);
    }
    kfree(buf);
    if (rc < 0 && rc != -ENOSPC) /* ENOSPC: the size changed, ask again */
      break;
  }
  busy = false;
}
