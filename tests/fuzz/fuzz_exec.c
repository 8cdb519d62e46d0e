/* libFuzzer target: what an exec proxy sends the monitor (exec_msg_from_proxy,
 * the first byte choosing how many fds came with it) and the exec event the
 * LibOS checks (los_exec_parse). Whatever they accept must be consistent:
 * every string NUL-terminated inside the message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/exec_msg.h"
#include "exec_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct exec_msg m;
  char why[256];
  uint64_t *copy;

  if (size < 1 || size > EXEC_MSG_MAX + 1)
    return 0;
  copy = malloc(size + 8);
  memcpy(copy, data + 1, size - 1);
  if (exec_msg_from_proxy((const uint8_t *)copy, size - 1, data[0] % 4, &m, why, sizeof(why)) ==
          0 &&
      m.type == EXEC_MSG_REQUEST) {
    size_t total = 0;
    for (uint32_t i = 0; i < m.argc; i++)
      total += strlen(m.argv[i]) + 1;
    for (uint32_t i = 0; i < m.envc; i++)
      total += strlen(m.env[i]) + 1;
    total += strlen(m.cwd) + 1;
    if (total != m.strings_size || m.argv[m.argc] != NULL || m.env[m.envc] != NULL)
      abort();
  }
  exec_msg_clear(&m);
  /* the same bytes as an event in LibOS memory (8-byte aligned) */
  {
    struct los_spawn_req req;
    if (los_exec_parse(copy, size - 1, &req, NULL, NULL) == 0) {
      const struct tl_exec_event *ev = (const void *)copy;
      const char **argv = malloc((ev->argc + 1) * sizeof(char *));
      const char **envp = malloc((ev->envc + 1) * sizeof(char *));
      if (los_exec_parse(copy, size - 1, &req, argv, envp) != 0 || strlen(req.cwd) == 0)
        abort();
      for (uint32_t i = 0; i < req.argc; i++)
        (void)strlen(req.argv[i]);
      free(argv);
      free(envp);
    }
  }
  free(copy);
  return 0;
}
