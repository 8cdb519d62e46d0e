/* hacher start: let a created container's program run (opens exec.fifo). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "commands.h"
#include "container.h"
#include "hooks.h"

static int stop_after_hook(const struct hacher_container *c)
{
  if (c->pid > 0)
    kill(c->pid, SIGKILL);
  return -1;
}

/* Write into exec.fifo, whose reader is the waiting monitor; without a
 * reader (the monitor is gone) the open fails at once with ENXIO. */
int hacher_start_container(struct hacher_container *c, hacher_error_t *err)
{
  cleanup_free char *fifo = hacher_container_fifo(c);
  const char *status = hacher_container_status(c);
  cleanup_close int lock = -1, fd = -1;

  if (strcmp(status, "stopped") == 0)
    return hacher_error(err, 0, "cannot start a container that has stopped");
  if (strcmp(status, "created") != 0)
    return hacher_error(err, 0, "cannot start an already running container");
  if ((lock = hacher_container_lock(c, err)) < 0 || hacher_container_config(c, err) < 0)
    return -1;
  fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return hacher_error(err, 0, "cannot start an already running container");
  if (fd < 0 && errno == ENXIO)
    return hacher_error(err, 0, "cannot start a container that has stopped");
  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", fifo);
  /* startContainer hooks run before the function, poststart ones after it
   * started; a failure of either ends the container, as with runc */
  if (hacher_hooks_run(c, OCI_HOOK_START_CONTAINER, "created", err) < 0)
    return stop_after_hook(c);
  unlink(fifo);
  if (write(fd, "0", 1) != 1)
    return hacher_error(err, errno, "write \"%s\"", fifo);
  if (hacher_container_save(c, "running", err) < 0)
    return -1;
  if (hacher_hooks_run(c, OCI_HOOK_POSTSTART, "running", err) < 0)
    return stop_after_hook(c);
  return 0;
}

int hacher_cmd_start(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct hacher_container *c;
  int rc;

  if (argc != 2)
    return hacher_error(err, 0, "start: expected exactly one container id");
  if (hacher_container_load(g->root, argv[1], &c, err) < 0)
    return -1;
  rc = hacher_start_container(c, err);
  hacher_container_destroy(c, false);
  return rc;
}
