/* hacher start: let a created container's program run (opens exec.fifo). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "commands.h"
#include "container.h"

int hacher_start_container(struct hacher_container *c, hacher_error_t *err)
{
  cleanup_free char *fifo = hacher_container_fifo(c);
  const char *status = hacher_container_status(c);
  cleanup_close int lock = -1, fd = -1;
  char b;

  if (strcmp(status, "stopped") == 0)
    return hacher_error(err, 0, "cannot start a container that has stopped");
  if (strcmp(status, "created") != 0)
    return hacher_error(err, 0, "cannot start an already running container");
  if ((lock = hacher_container_lock(c, err)) < 0)
    return -1;
  fd = open(fifo, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? hacher_error(err, 0, "cannot start an already running container")
                           : hacher_error(err, errno, "open \"%s\"", fifo);
  unlink(fifo);
  if (read(fd, &b, 1) != 1)
    return hacher_error(err, 0, "cannot start a container that has stopped");
  return hacher_container_save(c, "running", err);
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
