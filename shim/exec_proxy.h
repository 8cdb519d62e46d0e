/* The host side of `hacher exec`: the container's exec socket and the exec
 * proxy, the host process that stands for the exec'd process (its pid is
 * the one in --pid-file; its exit status is the process's). */
#ifndef HACHER_EXEC_PROXY_H
#define HACHER_EXEC_PROXY_H

#include <stdint.h>

#include "../common/error.h"
#include "../common/exec_msg.h"

/* In the monitor child, before the sandbox: listen on DIR/exec.sock (mode
 * 0600). Returns the fd. */
int hacher_exec_listen(const char *dir, hacher_error_t *err);

struct hacher_exec_proxy {
  const char *dir; /* the container's state dir */
  const uint8_t *request;
  size_t request_len;
  int fds[3];    /* stdio to hand over (the pty slave three times with a terminal) */
  int nfds;      /* 3, or 1 with a terminal */
  int tty;       /* the pty slave to make the controlling terminal, or -1 */
  int status_fd; /* to the CLI: "S" once started, or "E" and a message */
};

/* The proxy's life (in the forked child): connect, send the request and the
 * fds, forward signals, report the start, exit with the process's status
 * (128+N after signal N; 255 when the request failed). Never returns. */
__attribute__((noreturn)) void hacher_exec_proxy_main(const struct hacher_exec_proxy *p);

#endif
