/* The exec event the monitor writes into LibOS memory (struct
 * tl_exec_event and its strings), checked before use: it is host input.
 * Portable C, so host unit tests and the fuzzer run it too. */
#ifndef LOS_EXEC_PARSE_H
#define LOS_EXEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/tl_abi.h"

/* A process to start. Every pointer points into a buffer freed when
 * los_spawn returns: copy what the process keeps. */
struct los_spawn_req {
  uint32_t id;      /* the monitor's exec id: pass it to los_exec_exited */
  uint32_t slot[3]; /* host stdio slots for fds 0, 1, 2 (los_host_read/write/ioctl) */
  bool terminal;    /* the three slots are one terminal */
  bool no_new_privs;
  uint32_t uid, gid;
  uint32_t ngroups;
  const uint32_t *groups;
  uint32_t argc, envc;
  const char *const *argv; /* argc entries, then NULL */
  const char *const *envp; /* envc entries, then NULL */
  const char *cwd;         /* absolute */
};

/* Check a TL_EXEC_START event of size bytes at buf (8-byte aligned) and
 * fill req; argv and envp need room for ev->argc + 1 and ev->envc + 1
 * pointers (the caller sizes them from the header, which this checks
 * first: call with argv == NULL to check the header alone). 0, or -1 for
 * a malformed event. */
int los_exec_parse(const void *buf, uint64_t size, struct los_spawn_req *req, const char **argv,
                   const char **envp);

#endif
