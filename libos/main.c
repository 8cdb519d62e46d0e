/* LibOS start-up: read the boot block, set up memory, files and stdio, load
 * the program and enter it. */
#include <linux/fcntl.h>

#include "elf_load.h"
#include "task.h"
#include "vfs.h"

#define DEFAULT_STACK (8ULL << 20)
#define RLIMIT_STACK_ 3
#define RLIMIT_NOFILE_ 7
#define RLIM_INFINITY_ (~0ULL)

void los_enter_app(uint64_t entry, uint64_t sp) __attribute__((noreturn));
void los_main(struct tl_shared *shared) __attribute__((noreturn));

static const char *argv_ptrs[4096], *envp_ptrs[4096];

static void init_proc(const struct tl_boot *b)
{
  for (size_t i = 0; i < LOS_ARRAY_SIZE(los_proc.rlim_cur); i++)
    los_proc.rlim_cur[i] = los_proc.rlim_max[i] = RLIM_INFINITY_;
  los_proc.rlim_cur[RLIMIT_STACK_] = DEFAULT_STACK;
  los_proc.rlim_cur[RLIMIT_NOFILE_] = 1024;
  los_proc.rlim_max[RLIMIT_NOFILE_] = 4096;
  for (uint32_t i = 0; i < b->nrlimits && i < TL_MAX_RLIMITS; i++) {
    uint32_t r = b->rlimits[i].resource;
    if (r < LOS_ARRAY_SIZE(los_proc.rlim_cur)) {
      los_proc.rlim_cur[r] = b->rlimits[i].soft;
      los_proc.rlim_max[r] = b->rlimits[i].hard;
    }
  }
  memcpy(los_proc.caps, b->caps, sizeof(los_proc.caps));
  los_proc.uid = b->uid;
  los_proc.gid = b->gid;
  los_proc.umask = b->umask & 0777;
  los_proc.ngroups = LOS_MIN(b->ngroups, TL_MAX_GROUPS);
  memcpy(los_proc.groups, b->groups, sizeof(los_proc.groups));
  los_proc.hostname = (const char *)b->hostname.gpa;
  memcpy(los_proc.domainname, "(none)", 7);
  los_proc.readonly_root = (b->flags & TL_BOOT_READONLY_ROOT) != 0;
  los_proc.trace = (b->flags & TL_BOOT_TRACE) != 0;
}

/* argv and envp point into the boot strings area (read-only for the guest). */
static void split_args(const struct tl_boot *b, struct los_exec *ex)
{
  const char *p = (const char *)b->args.gpa;

  if (b->argc == 0 || b->argc >= LOS_ARRAY_SIZE(argv_ptrs) || b->envc >= LOS_ARRAY_SIZE(envp_ptrs))
    los_abort("bad argument count");
  for (uint32_t i = 0; i < b->argc; i++, p += strlen(p) + 1)
    argv_ptrs[i] = p;
  for (uint32_t i = 0; i < b->envc; i++, p += strlen(p) + 1)
    envp_ptrs[i] = p;
  ex->argv = argv_ptrs;
  ex->argc = b->argc;
  ex->envp = envp_ptrs;
  ex->envc = b->envc;
}

/* The main thread's stack at the top of the address space (also for
 * execve): RLIMIT_STACK, at least 128 KiB, at most a quarter of memory. */
int los_stack_reserve(uint64_t *top)
{
  uint64_t size = los_proc.rlim_cur[RLIMIT_STACK_];

  *top = los_stack_top_addr();
  size =
      LOS_ALIGN_UP(LOS_MIN(LOS_MAX(size, 128ULL << 10), los_shared->boot.ram_size / 4), LOS_PAGE);
  return los_mm_alloc_fixed(*top - size, size, LOS_PROT_READ | LOS_PROT_WRITE, VMA_STACK, false);
}

void los_main(struct tl_shared *shared)
{
  const struct tl_boot *b = &shared->boot;
  struct los_exec ex;
  struct los_image_info info;
  uint64_t top, sp;
  int rc;

  los_shared = shared;
  los_phys_base = b->los_phys;
  if (b->abi_version != TL_ABI_VERSION)
    los_abort("LibOS ABI %u, monitor ABI %u", TL_ABI_VERSION, b->abi_version);
  init_proc(b);
  los_random_init(b->seed);
  los_mm_init(TL_APP_BASE, b->los_phys);
  los_task_init();
  los_process_init();
  if (los_stack_reserve(&top) < 0)
    los_abort("cannot reserve the stack");
  los_vfs_init(b, los_proc.readonly_root);
  los_vfs_add_mounts(b);
  los_seccomp_init(b);
  fd_install(file_stdio(0, O_RDONLY), false, 0);
  fd_install(file_stdio(1, O_WRONLY), false, 1);
  fd_install(file_stdio(2, O_WRONLY), false, 2);
  if ((rc = vfs_chdir((const char *)b->cwd.gpa)) < 0)
    los_abort("cwd \"%s\": %s in the rootfs", (const char *)b->cwd.gpa,
              rc == -ENOTDIR ? "not a directory" : "no such directory");
  split_args(b, &ex);
  los_elf_load(&ex, &info);
  los_brk_init(info.brk);
  sp = los_build_stack(&ex, &info, top);
  los_curproc->stack_start = sp;
  los_process_set_cmdline(ex.argv, ex.argc);
  los_signal_init();
  {
    struct tl_hc ready = {.nr = TL_HC_READY};
    los_hc(&ready); /* blocks until `start` */
  }
  /* the function's clock (uptime, CPU time) starts now */
  los_proc.start_mono_ns = los_time_monotonic_ns();
  los_curproc->start_mono_ns = los_proc.start_mono_ns;
  los_proc.start_real_ns = los_time_realtime_ns();
  los_enter_app(info.entry, sp);
}
