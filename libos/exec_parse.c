/* Checking an exec event from the monitor (exec_parse.h). */
#include "exec_parse.h"

/* Split n NUL-terminated strings off [*p, end); false when one runs out. */
static bool take_strings(const char **p, const char *end, uint32_t n, const char **out)
{
  for (uint32_t i = 0; i < n; i++) {
    const char *s = *p;
    while (*p < end && **p != '\0')
      (*p)++;
    if (*p == end)
      return false;
    (*p)++;
    if (out != NULL)
      out[i] = s;
  }
  if (out != NULL)
    out[n] = NULL;
  return true;
}

int los_exec_parse(const void *buf, uint64_t size, struct los_spawn_req *req, const char **argv,
                   const char **envp)
{
  const struct tl_exec_event *ev = buf;
  const char *p, *end, *cwd;

  if (size < sizeof(*ev) || ev->kind != TL_EXEC_START || ev->id == 0)
    return -1;
  if (ev->strings_size > TL_EXEC_STRINGS_MAX || size != sizeof(*ev) + ev->strings_size)
    return -1;
  /* every string takes at least its NUL: the counts stay below the size */
  if (ev->argc == 0 || (uint64_t)ev->argc + ev->envc + 1 > ev->strings_size ||
      ev->ngroups > TL_MAX_GROUPS || (ev->flags & ~(TL_EXEC_TERMINAL | TL_EXEC_NO_NEW_PRIVS)))
    return -1;
  for (int i = 0; i < 3; i++)
    if (ev->slot[i] < 3 || ev->slot[i] >= TL_SLOTS_MAX)
      return -1;
  p = (const char *)(ev + 1);
  end = p + ev->strings_size;
  if (!take_strings(&p, end, ev->argc, argv) || !take_strings(&p, end, ev->envc, envp))
    return -1;
  cwd = p;
  if (!take_strings(&p, end, 1, NULL) || p != end || cwd[0] != '/')
    return -1;
  if (((const char *)(ev + 1))[0] == '\0') /* argv[0] */
    return -1;
  *req = (struct los_spawn_req){
      .id = ev->id,
      .slot = {ev->slot[0], ev->slot[1], ev->slot[2]},
      .terminal = ev->flags & TL_EXEC_TERMINAL,
      .no_new_privs = ev->flags & TL_EXEC_NO_NEW_PRIVS,
      .uid = ev->uid,
      .gid = ev->gid,
      .ngroups = ev->ngroups,
      .groups = ev->groups,
      .argc = ev->argc,
      .envc = ev->envc,
      .argv = argv,
      .envp = envp,
      .cwd = cwd,
  };
  return 0;
}
