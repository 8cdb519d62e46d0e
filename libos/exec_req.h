/* `hacher exec` inside the trustlet: the monitor queues exec events in the
 * shared page (tl_shared.exec_pending); the LibOS takes them where it checks
 * for host signals and hands each request to los_spawn. */
#ifndef LOS_EXEC_REQ_H
#define LOS_EXEC_REQ_H

#include "exec_parse.h"
#include "los.h"

/* Start the process: 0 when it runs (its end is reported with
 * los_exec_exited), or a negative errno when it cannot start (the request
 * is then answered with a message on its stderr and status 126, 127 for
 * -ENOENT). The default (weak) one answers -ENOSYS: no processes yet. */
int los_spawn(const struct los_spawn_req *req);

/* A signal from the exec's proxy for the process of exec id (weak default:
 * ignored, as there is no such process). */
void los_spawn_signal(uint32_t id, int sig);

/* The process of exec id ended: exit status, or killed by signal (then
 * status is ignored). The exec's slots are closed by the monitor. */
void los_exec_exited(uint32_t id, int status, int signal);

/* Take and handle the exec events the monitor holds (cheap when none). */
void los_exec_pending(void);

#endif
