/* Processes inside one trustlet: fork/vfork/clone without CLONE_THREAD,
 * execve from the image, exit and zombies, wait4/waitid, process groups and
 * sessions. Each process has its own address space (page tables), fd table,
 * dispositions, cwd and name; pid 1 is the container's init: when it ends,
 * the trustlet ends. */
#include <linux/fcntl.h>

#include "elf_load.h"
#include "exec_req.h"
#include "iofile.h"
#include "task.h"
#include "vfs.h"

#define CLONE_VM_ 0x100ULL
#define CLONE_FILES_ 0x400ULL
#define CLONE_SIGHAND_ 0x800ULL
#define CLONE_VFORK_ 0x4000ULL
#define CLONE_PARENT_ 0x8000ULL
#define CLONE_SETTLS_ 0x80000ULL
#define CLONE_PARENT_SETTID_ 0x100000ULL
#define CLONE_CHILD_CLEARTID_ 0x200000ULL
#define CLONE_CHILD_SETTID_ 0x1000000ULL
#define SIGCHLD_ 17
#define CLD_EXITED_ 1
#define CLD_KILLED_ 2
#define WNOHANG_ 1
#define WEXITED_ 4
#define WNOWAIT_ 0x01000000
#define P_ALL_ 0
#define P_PID_ 1
#define P_PGID_ 2
#define MAX_ARG_BYTES (2u << 20)

struct los_process *los_init_proc;
static struct los_process *all_procs;

static struct los_process *proc_alloc(void)
{
  struct los_process *p = kzalloc(sizeof(*p));
  if (p != NULL) {
    p->all_next = all_procs;
    all_procs = p;
  }
  return p;
}

void los_process_init(void)
{
  struct los_process *p = proc_alloc();

  if (p == NULL || (p->files = los_fdtab_new()) == NULL)
    los_panic("out of memory");
  p->pid = p->pgid = p->sid = 1;
  p->mm = los_mm_current();
  p->exit_signal = SIGCHLD_;
  memcpy(p->cwd, "/", 2);
  memcpy(p->comm, "app", 4);
  p->nthreads = 1;
  los_init_proc = p;
  los_cur->proc = p;
}

struct los_process *los_process_find(int pid)
{
  for (struct los_process *p = all_procs; p != NULL; p = p->all_next)
    if (p->pid == pid)
      return p;
  return NULL;
}

struct los_process *los_process_first(void)
{
  return all_procs;
}

void los_process_free(struct los_process *p)
{
  for (struct los_process **pp = &all_procs; *pp != NULL; pp = &(*pp)->all_next)
    if (*pp == p) {
      *pp = p->all_next;
      break;
    }
  kfree(p->cmdline);
  kfree(p);
}

static void unlink_child(struct los_process *c)
{
  struct los_process **pp = &c->parent->children;
  while (*pp != NULL && *pp != c)
    pp = &(*pp)->sibling;
  if (*pp == c)
    *pp = c->sibling;
}

static void add_child(struct los_process *parent, struct los_process *c)
{
  c->parent = parent;
  c->sibling = parent->children;
  parent->children = c;
}

/* Undo a process that never ran: its references, its place in the tree. */
static void proc_discard(struct los_process *p)
{
  if (p->parent != NULL)
    unlink_child(p);
  los_fdtab_put(p->files);
  los_mm_put(p->mm);
  los_process_free(p);
}

/* The other threads of p end at their next chance (exit_group, execve). */
static void kill_other_threads(struct los_process *p)
{
  for (struct los_task *t = los_task_first(); t != NULL; t = t->all_next)
    if (t->proc == p && t != los_cur) {
      t->killed = true;
      los_make_runnable(t, WAKE_SIGNAL);
    }
}

/* The last thread of p is ending: close its files, hand its children to
 * init, tell the parent. The address space goes once nothing runs in it. */
void los_process_dead(struct los_process *p)
{
  struct los_process *parent = p->parent;
  int sig = p->wstatus & 0x7f, status = sig ? sig : (p->wstatus >> 8) & 0xff;

  los_fdtab_put(p->files);
  p->files = NULL;
  while (p->children != NULL) {
    struct los_process *c = p->children;
    p->children = c->sibling;
    add_child(los_init_proc, c);
    if (c->zombie)
      los_wake(&los_init_proc->child_wq);
  }
  p->vfork_done = true;
  los_wake(&p->vfork_wq);
  if (p->exec_id != 0)
    los_exec_exited(p->exec_id, status, sig);
  if (parent == NULL) {
    p->zombie = true; /* nobody waits: freed once its task is reaped */
    return;
  }
  if (los_signal_autoreap(parent)) {
    unlink_child(p);
    p->parent = NULL;
    p->zombie = true; /* freed when its task is reaped: see los_process_reaped */
    return;
  }
  p->zombie = true;
  los_signal_child(parent, p->exit_signal, sig ? CLD_KILLED_ : CLD_EXITED_, p->pid, status);
  los_wake(&parent->child_wq);
}

void los_process_exit(int status, int sig)
{
  struct los_process *p = los_curproc;

  if (p == los_init_proc)
    los_exit(status, sig); /* the container's init: the trustlet ends */
  if (!p->exiting) {
    p->exiting = true;
    p->wstatus = sig ? (sig & 0x7f) : (status & 0xff) << 8;
    kill_other_threads(p);
  }
  los_task_exit();
}

/* Write a 32-bit value into another address space (CLONE_CHILD_SETTID). */
static void poke_child(struct los_process *c, uint64_t addr, int32_t v)
{
  struct los_mm *mine = los_mm_current();

  los_mm_switch(c->mm);
  if (USER_OK(addr, 4, true))
    *(int32_t *)addr = v;
  los_mm_switch(mine);
}

int64_t los_fork(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                 uint64_t tls)
{
  struct los_process *parent = los_curproc, *c;
  struct los_regs regs = *los_cur_regs;
  struct los_task *t;

  if (flags & CLONE_SIGHAND_)
    return -EINVAL; /* shared dispositions between processes: not provided */
  if ((flags & CLONE_PARENT_SETTID_) && !USER_OK(parent_tid, 4, true))
    return -EFAULT;
  c = proc_alloc();
  if (c == NULL)
    return -EAGAIN;
  if (flags & CLONE_VM_) {
    c->mm = los_mm_current();
    los_mm_get(c->mm);
  } else {
    c->mm = los_mm_fork(los_mm_current());
  }
  if (flags & CLONE_FILES_) {
    c->files = parent->files;
    los_fdtab_get(c->files);
  } else {
    c->files = los_fdtab_dup(parent->files);
  }
  if (c->mm == NULL || c->files == NULL) {
    proc_discard(c);
    return -ENOMEM;
  }
  memcpy(c->sigacts, parent->sigacts, sizeof(c->sigacts));
  memcpy(c->sig_handlers, parent->sig_handlers, sizeof(c->sig_handlers));
  memcpy(c->comm, parent->comm, sizeof(c->comm));
  memcpy(c->exe_path, parent->exe_path, sizeof(c->exe_path));
  memcpy(c->cwd, parent->cwd, sizeof(c->cwd));
  if (parent->cmdline != NULL && (c->cmdline = kmalloc(parent->cmdline_len)) != NULL) {
    memcpy(c->cmdline, parent->cmdline, parent->cmdline_len);
    c->cmdline_len = parent->cmdline_len;
  }
  c->pgid = parent->pgid;
  c->sid = parent->sid;
  c->stack_start = parent->stack_start;
  c->start_mono_ns = los_time_monotonic_ns();
  c->exit_signal = (int)(flags & 0xff);
  add_child((flags & CLONE_PARENT_) && parent->parent ? parent->parent : parent, c);
  regs.rax = 0;
  if (stack != 0)
    regs.rsp = stack;
  t = los_task_create(c, &regs);
  if (t == NULL) {
    proc_discard(c);
    return -EAGAIN;
  }
  c->pid = t->tid;
  if (!(flags & CLONE_VM_) || (flags & CLONE_VFORK_))
    t->altstack = los_cur->altstack;
  if (flags & CLONE_SETTLS_)
    t->fsbase = tls;
  if (flags & CLONE_PARENT_SETTID_)
    *(int32_t *)parent_tid = t->tid;
  if (flags & CLONE_CHILD_SETTID_)
    poke_child(c, child_tid, t->tid);
  if (flags & CLONE_CHILD_CLEARTID_)
    t->clear_child_tid = child_tid;
  if (flags & CLONE_VFORK_) {
    /* the parent waits until the child exec'd or ended; signals do not end
     * the wait early (the child uses the parent's memory) */
    while (!c->vfork_done)
      los_wait_nosig(&c->vfork_wq);
  }
  return t->tid;
}

SYSDEF(fork)
{
  return los_fork(SIGCHLD_, 0, 0, 0, 0);
}

SYSDEF(vfork)
{
  return los_fork(CLONE_VM_ | CLONE_VFORK_ | SIGCHLD_, 0, 0, 0, 0);
}

/* ---- wait ---- */

static bool matches(const struct los_process *c, int idtype, int id)
{
  switch (idtype) {
  case P_ALL_: return true;
  case P_PID_: return c->pid == id;
  case P_PGID_: return c->pgid == id;
  default: return false;
  }
}

struct siginfo_chld {
  int32_t signo, errno_, code, pad;
  int32_t pid;
  uint32_t uid;
  int32_t status;
  uint8_t rest[100];
};

/* Wait for a child matching (idtype, id) to end; its pid, 0 (WNOHANG) or
 * -errno. wstatus gets the wait status; reap removes the zombie. */
static int64_t do_wait(int idtype, int id, int options, int *wstatus, bool reap)
{
  struct los_process *me = los_curproc;

  for (;;) {
    bool any = false;
    for (struct los_process *c = me->children; c != NULL; c = c->sibling) {
      if (!matches(c, idtype, id))
        continue;
      any = true;
      if (!c->zombie)
        continue;
      int pid = c->pid;
      *wstatus = c->wstatus;
      if (reap) {
        unlink_child(c);
        los_process_free(c);
      }
      return pid;
    }
    if (!any)
      return -ECHILD;
    if (options & WNOHANG_)
      return 0;
    if (los_wait(&me->child_wq, 0) == -EINTR)
      return -ERESTARTSYS;
  }
}

SYSDEF(wait4)
{
  int pid = (int)a0, status = 0, idtype = P_PID_, id = pid;
  int64_t rc;

  if (a2 & ~(uint64_t)(WNOHANG_ | 2 /* WUNTRACED */ | 8 /* WCONTINUED */ | 0x40000000 | 0x80000000 |
                       0x20000000))
    return -EINVAL;
  if (a1 != 0 && !USER_OK(a1, 4, true))
    return -EFAULT;
  if (a3 != 0 && !USER_OK(a3, 144, true))
    return -EFAULT;
  if (pid == -1)
    idtype = P_ALL_;
  else if (pid == 0)
    idtype = P_PGID_, id = los_curproc->pgid;
  else if (pid < -1)
    idtype = P_PGID_, id = -pid;
  rc = do_wait(idtype, id, (int)a2, &status, true);
  if (rc > 0 && a1 != 0)
    *(int32_t *)a1 = status;
  if (rc > 0 && a3 != 0)
    memset((void *)a3, 0, 144); /* struct rusage: no accounting per child yet */
  return rc;
}

SYSDEF(waitid)
{
  struct siginfo_chld *si = (struct siginfo_chld *)a2;
  int status = 0, options = (int)a3;
  int64_t rc;

  if (!(options & WEXITED_))
    return -EINVAL;
  if (a0 > P_PGID_)
    return -EINVAL;
  if (a2 != 0 && !USER_OK(a2, 128, true))
    return -EFAULT;
  rc = do_wait((int)a0, (int)a1, options, &status, !(options & WNOWAIT_));
  if (rc < 0)
    return rc;
  if (si != NULL) {
    memset(si, 0, 128);
    if (rc > 0) {
      si->signo = SIGCHLD_;
      si->code = (status & 0x7f) ? CLD_KILLED_ : CLD_EXITED_;
      si->pid = (int32_t)rc;
      si->uid = los_proc.uid;
      si->status = (status & 0x7f) ? (status & 0x7f) : (status >> 8) & 0xff;
    }
  }
  return 0;
}

/* ---- identity ---- */

int32_t los_cur_pid(void)
{
  return los_curproc->pid;
}

SYSDEF(getpid)
{
  return los_curproc->pid;
}

SYSDEF(getppid)
{
  return los_curproc->parent != NULL ? los_curproc->parent->pid : 0;
}

SYSDEF(getpgrp)
{
  return los_curproc->pgid;
}

SYSDEF(getpgid)
{
  struct los_process *p = a0 == 0 ? los_curproc : los_process_find((int)a0);
  return p == NULL ? -ESRCH : p->pgid;
}

SYSDEF(setpgid)
{
  struct los_process *p = a0 == 0 ? los_curproc : los_process_find((int)a0);
  int pgid = (int)a1;

  if (pgid < 0)
    return -EINVAL;
  if (p == NULL || (p != los_curproc && p->parent != los_curproc))
    return -ESRCH;
  if (p->pid == p->sid)
    return -EPERM; /* a session leader */
  p->pgid = pgid == 0 ? p->pid : pgid;
  return 0;
}

SYSDEF(getsid)
{
  struct los_process *p = a0 == 0 ? los_curproc : los_process_find((int)a0);
  return p == NULL ? -ESRCH : p->sid;
}

SYSDEF(setsid)
{
  struct los_process *me = los_curproc;

  for (struct los_process *p = all_procs; p != NULL; p = p->all_next)
    if (p->pgid == me->pid)
      return -EPERM; /* already a group leader */
  me->sid = me->pgid = me->pid;
  return me->sid;
}

/* ---- execve ---- */

void los_process_set_cmdline(const char *const *argv, size_t argc)
{
  struct los_process *me = los_curproc;
  uint64_t len = 0;

  for (size_t i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  kfree(me->cmdline);
  me->cmdline = kmalloc(LOS_MAX(len, 1));
  me->cmdline_len = 0;
  if (me->cmdline == NULL)
    return;
  for (size_t i = 0; i < argc; i++) {
    size_t l = strlen(argv[i]) + 1;
    memcpy(me->cmdline + me->cmdline_len, argv[i], l);
    me->cmdline_len += l;
  }
}

/* Copy a NULL-terminated array of strings out of the caller's memory. */
static int copy_strv(uint64_t uv, char **buf, uint32_t *used, uint32_t *cap, const char ***vec,
                     size_t *n)
{
  size_t count = 0;

  *vec = NULL;
  *n = 0;
  if (uv == 0)
    return 0;
  for (;; count++) {
    if (!USER_OK(uv + count * 8, 8, false))
      return -EFAULT;
    if (((const uint64_t *)uv)[count] == 0)
      break;
    if (count > 65536)
      return -E2BIG;
  }
  *vec = kmalloc((count + 1) * sizeof(char *));
  if (*vec == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < count; i++) {
    uint64_t sp = ((const uint64_t *)uv)[i];
    size_t len;
    if (!USER_OK(sp, 1, false))
      return -EFAULT;
    for (len = 0; USER_OK(sp + len, 1, false) && ((const char *)sp)[len]; len++)
      if (*used + len + 1 > MAX_ARG_BYTES)
        return -E2BIG;
    if (!USER_OK(sp + len, 1, false))
      return -EFAULT;
    if (*used + len + 1 > *cap) {
      /* offsets, not pointers: the buffer may move */
      uint32_t ncap = LOS_MAX(*cap * 2, *used + (uint32_t)len + 1 + 4096);
      char *nb = krealloc(*buf, ncap);
      if (nb == NULL)
        return -ENOMEM;
      *buf = nb;
      *cap = ncap;
    }
    memcpy(*buf + *used, (const char *)sp, len + 1);
    (*vec)[i] = (const char *)(uintptr_t)*used;
    *used += (uint32_t)len + 1;
  }
  (*vec)[count] = NULL;
  *n = count;
  return 0;
}

static void fix_strv(const char **vec, size_t n, const char *base)
{
  for (size_t i = 0; i < n; i++)
    vec[i] = base + (uintptr_t)vec[i];
}

/* "#!interpreter [arg]" in the first line: the interpreter runs with the
 * script's path. 1: a script (interp and arg filled), 0: not, or -errno. */
static int read_shebang(const char *path, char *interp, size_t isize, char *arg, size_t asize)
{
  struct los_file *f;
  char line[256];
  int64_t n;
  int rc = vfs_open(AT_FDCWD, path, O_RDONLY, 0, &f);

  if (rc < 0)
    return rc;
  n = vfs_read(f, line, sizeof(line) - 1, 0);
  file_put(f);
  if (n < 2 || line[0] != '#' || line[1] != '!')
    return 0;
  line[n] = 0;
  char *p = line + 2, *e = strchr(p, '\n');
  if (e != NULL)
    *e = 0;
  while (*p == ' ' || *p == '\t')
    p++;
  char *q = p;
  while (*q && *q != ' ' && *q != '\t')
    q++;
  char *a = *q ? q + 1 : q;
  *q = 0;
  while (*a == ' ' || *a == '\t')
    a++;
  for (char *t = a + strlen(a); t > a && (t[-1] == ' ' || t[-1] == '\t');)
    *--t = 0;
  if (*p == 0)
    return -ENOEXEC;
  los_snprintf(interp, isize, "%s", p);
  los_snprintf(arg, asize, "%s", a);
  return 1;
}

/* A #! script at path: ex becomes its interpreter with the script's path
 * (*xargv holds the new argv, the caller frees it). 0 or -errno. */
static int script_args(struct los_exec *ex, const char *path, char *interp, size_t isize,
                       char *iarg, size_t asize, const char ***xargv)
{
  int rc = read_shebang(path, interp, isize, iarg, asize);
  const char **v;
  size_t k = 0;

  *xargv = NULL;
  if (rc <= 0)
    return rc;
  v = kmalloc((ex->argc + 3) * sizeof(char *));
  if (v == NULL)
    return -ENOMEM;
  v[k++] = interp;
  if (iarg[0])
    v[k++] = iarg;
  v[k++] = path;
  for (size_t i = 1; i < ex->argc; i++)
    v[k++] = ex->argv[i];
  v[k] = NULL;
  ex->argv = v;
  ex->argc = k;
  ex->path = interp;
  *xargv = v;
  return 0;
}

/* Load ex (path: its program) into the running process's fresh address
 * space: the stack, the ELF (a #! script's interpreter), brk, and /proc's
 * command line; *entry and *sp for its first instruction. 0 or -errno. */
static int load_program(struct los_exec ex, const char *path, uint64_t *entry, uint64_t *sp)
{
  static char interp[256], iarg[256];
  const char **xargv = NULL;
  struct los_image_info info;
  int rc = script_args(&ex, path, interp, sizeof(interp), iarg, sizeof(iarg), &xargv);

  if (rc == 0)
    rc = los_stack_reserve(sp);
  if (rc == 0)
    rc = los_elf_exec(&ex, &info, *sp, sp);
  if (rc == 0) {
    los_brk_init(info.brk);
    los_curproc->stack_start = *sp;
    los_process_set_cmdline(ex.argv, ex.argc);
    *entry = info.entry;
  }
  kfree(xargv);
  return rc;
}

static int64_t do_execve(int dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
  struct los_process *me = los_curproc;
  char path[LOS_PATH_MAX];
  char *buf = NULL;
  uint32_t used = 0, cap = 0;
  const char **argv = NULL, **envp = NULL;
  size_t argc = 0, envc = 0;
  struct los_exec ex;
  struct los_mm *old = los_mm_current(), *nmm;
  uint64_t sp, entry;
  int64_t rc;

  if ((rc = los_copy_str(path, upath, sizeof(path))) < 0)
    return rc;
  if (dirfd != AT_FDCWD && path[0] != '/')
    return -ENOSYS; /* execveat relative to a directory fd: not provided */
  if ((rc = copy_strv(uargv, &buf, &used, &cap, &argv, &argc)) < 0 ||
      (rc = copy_strv(uenvp, &buf, &used, &cap, &envp, &envc)) < 0)
    goto out;
  fix_strv(argv, argc, buf);
  fix_strv(envp, envc, buf);
  ex = (struct los_exec){.path = path, .argv = argv, .argc = argc, .envp = envp, .envc = envc};
  if (argc == 0) { /* Linux supplies an empty argv[0] */
    static const char *const empty[] = {"", NULL};
    ex.argv = empty;
    ex.argc = 1;
  }
  nmm = los_mm_new();
  los_mm_switch(nmm);
  me->mm = nmm;
  if ((rc = load_program(ex, path, &entry, &sp)) < 0) {
    me->mm = old;
    los_mm_switch(old);
    los_mm_put(nmm);
    goto out;
  }
  /* past the point of no return */
  kill_other_threads(me);
  los_mm_put(old);
  los_fdtab_exec(me->files);
  los_signal_exec();
  if (!me->vfork_done) {
    me->vfork_done = true;
    los_wake(&me->vfork_wq);
  }
  los_cur->clear_child_tid = 0;
  __asm__ volatile("wrfsbase %0" : : "r"(0ULL));
  *los_cur_regs = (struct los_regs){.rsp = sp, .rip = entry, .rflags = 0x202};
  rc = 0;
out:
  kfree(argv);
  kfree(envp);
  kfree(buf);
  return rc;
}

SYSDEF(close_range)
{
  if (a2 & ~(uint64_t)(2 | 4) || a0 > a1) /* CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC */
    return -EINVAL;
  return fd_close_range((unsigned)a0, (unsigned)LOS_MIN(a1, 0xffffffffULL), (a2 & 4) != 0);
}

SYSDEF(execve)
{
  return do_execve(AT_FDCWD, a0, a1, a2);
}

SYSDEF(execveat)
{
  if (a4 != 0)
    return -EINVAL;
  return do_execve((int)a0, a1, a2, a3);
}

/* ---- hacher exec ---- */

/* A new process for `hacher exec`: its own address space, the exec's stdio
 * slots as fds 0-2, no parent inside the trustlet (its end is reported to
 * the monitor, as a process runc joins to a container has its parent
 * outside). */
int los_spawn(const struct los_spawn_req *req)
{
  struct los_process *me = los_curproc, *p = proc_alloc();
  struct los_mm *mine = los_mm_current();
  struct los_exec ex = {
      .path = NULL, .argv = req->argv, .argc = req->argc, .envp = req->envp, .envc = req->envc};
  static char path[LOS_PATH_MAX];
  struct los_regs regs;
  struct los_task *t;
  uint64_t sp, entry;
  int rc;

  if (p == NULL)
    return -ENOMEM;
  if ((p->files = los_fdtab_new()) == NULL) {
    proc_discard(p);
    return -ENOMEM;
  }
  p->mm = los_mm_new();
  p->exit_signal = SIGCHLD_;
  p->exec_id = req->id;
  p->start_mono_ns = los_time_monotonic_ns();
  memcpy(p->comm, "exec", 5);
  los_snprintf(p->cwd, sizeof(p->cwd), "%s", req->cwd);
  /* load as p: the loader works on the running process and address space */
  los_cur->proc = p;
  los_mm_switch(p->mm);
  if (req->terminal) {
    char name[32];
    struct mnode *pty = los_pty_node(req->id);
    los_snprintf(name, sizeof(name), "/dev/pts/%u", req->id);
    for (int fd = 0; fd < 3; fd++)
      fd_install(file_stdio_pty((int)req->slot[fd], pty, name), false, fd);
  } else {
    for (int fd = 0; fd < 3; fd++)
      fd_install(file_stdio((int)req->slot[fd], fd == 0 ? O_RDONLY : O_WRONLY), false, fd);
  }
  rc = los_elf_find(&ex, path, sizeof(path));
  if (rc == 0) {
    ex.path = path;
    rc = load_program(ex, path, &entry, &sp);
  }
  los_cur->proc = me;
  los_mm_switch(mine);
  if (rc < 0) {
    proc_discard(p);
    return rc;
  }
  regs = (struct los_regs){.rsp = sp, .rip = entry, .rflags = 0x202};
  t = los_task_create(p, &regs);
  if (t == NULL) {
    proc_discard(p);
    return -ENOMEM;
  }
  t->fsbase = t->gsbase = 0;
  t->sig_blocked = 0;
  p->pid = p->pgid = p->sid = t->tid;
  return 0;
}

void los_spawn_signal(uint32_t id, int sig)
{
  for (struct los_process *p = all_procs; p != NULL; p = p->all_next)
    if (p->exec_id == id && !p->zombie)
      los_signal_send(p, sig);
}
