/* process.terminal: a pty whose slave is the trustlet's stdio, and runc's
 * --console-socket protocol that hands the master to the caller. */
#ifndef HACHER_CONSOLE_H
#define HACHER_CONSOLE_H

#include <stdint.h>

#include "../common/error.h"

struct hacher_console {
  int master, slave;
  char name[64]; /* /dev/pts/N on the host */
};

/* Open a pty; a non-zero size is set on it (process.consoleSize). */
int hacher_console_open(struct hacher_console *con, uint32_t rows, uint32_t cols,
                        hacher_error_t *err);
/* Send the master to the unix socket at `path` with SCM_RIGHTS, the pty's
 * name as the message, as runc does. */
int hacher_console_send(const struct hacher_console *con, const char *path, hacher_error_t *err);
/* Copy stdin to the master and the master to stdout until the slave side is
 * closed by the container (`run` in the foreground with a terminal). */
void hacher_console_proxy(int master);
void hacher_console_close(struct hacher_console *con);

#endif
