/* /sys and the cgroup view: the trustlet's one CPU and the container's
 * limits from the boot block, in the shape of the host's cgroup mode, so
 * runtimes that size themselves from cgroups (the JVM, Go, libuv, .NET)
 * find them where they look. */
#include "synth.h"
#include "task.h"

/* What cgroup v1 shows for "no limit": PAGE_COUNTER_MAX pages in bytes. */
#define V1_UNLIMITED ((uint64_t)9223372036854771712ULL)
#define DEFAULT_SHARES 1024
#define DEFAULT_WEIGHT 100

const char *const los_cgroup_v1[] = {"cpuset", "cpu", "cpuacct", "memory", "pids", NULL};

static const struct tl_limits *limits(void)
{
  return &los_shared->boot.limits;
}

bool los_cgroup_is_v1(void)
{
  return limits()->cgroup_view == TL_CGROUP_V1;
}

enum cg_value {
  CG_CONTROLLERS,
  CG_PROCS,
  CG_CPUS, /* the trustlet's CPUs */
  CG_MEMS,
  CG_PIDS_CURRENT,
  CG_PIDS_MAX,
  CG_ZERO, /* no swap: nothing swapped */
  CG2_CPU_MAX,
  CG2_CPU_WEIGHT,
  CG2_MEM_CURRENT,
  CG2_MEM_LOW,
  CG2_MEM_MAX,
  CG2_SWAP_MAX,
  CG1_CPU_PERIOD,
  CG1_CPU_QUOTA,
  CG1_CPU_SHARES,
  CG1_CPUACCT_USAGE,
  CG1_MEM_LIMIT,
  CG1_MEM_SOFT,
  CG1_MEM_USAGE,
  CG1_MEMSW_LIMIT,
};

/* The trustlet's vCPUs, numbered from 0, as a list. */
static void put_cpus(struct sbuf *b)
{
  uint32_t n = synth_ncpus();
  if (n > 1)
    sb_printf(b, "0-%u\n", n - 1);
  else
    sb_printf(b, "0\n");
}

/* Limits are page-granular in the kernel. */
static uint64_t pages(uint64_t v)
{
  return LOS_ALIGN_DOWN(v, LOS_PAGE);
}

static void put_max(struct sbuf *b, uint64_t v)
{
  if (v == TL_UNLIMITED)
    sb_printf(b, "max\n");
  else
    sb_printf(b, "%lu\n", v);
}

static void put_v1(struct sbuf *b, uint64_t v)
{
  sb_printf(b, "%lu\n", v == TL_UNLIMITED ? V1_UNLIMITED : pages(v));
}

/* memory.swap.max is memory.swap minus memory.limit, as runc writes it. */
static uint64_t swap_max(const struct tl_limits *l)
{
  if (l->memory_swap == TL_UNLIMITED || l->memory_limit == TL_UNLIMITED)
    return TL_UNLIMITED;
  return pages(l->memory_swap > l->memory_limit ? l->memory_swap - l->memory_limit : 0);
}

/* runc's cpu.shares -> cpu.weight mapping ([2, 262144] -> [1, 10000]). */
static uint64_t weight(uint64_t shares)
{
  return shares == 0 ? DEFAULT_WEIGHT : 1 + ((shares - 2) * 9999) / 262142;
}

static void gen_cg(struct sbuf *b, uint32_t which, uint32_t pid)
{
  const struct tl_limits *l = limits();

  switch ((enum cg_value)which) {
  case CG_CONTROLLERS: sb_printf(b, "cpuset cpu memory pids\n"); break;
  case CG_PROCS:
    for (uint32_t p = synth_pid_next(1); p != 0; p = synth_pid_next(p + 1))
      sb_printf(b, "%u\n", p);
    break;
  case CG_CPUS: put_cpus(b); break;
  case CG_MEMS: sb_printf(b, "0\n"); break;
  case CG_PIDS_CURRENT:
    sb_printf(b, "%d\n", los_ntasks);
    break; /* tasks, as the pids controller counts */
  case CG_PIDS_MAX: put_max(b, l->pids_limit); break;
  case CG_ZERO: sb_printf(b, "0\n"); break;
  case CG2_CPU_MAX:
    if (l->cpu_quota == TL_UNLIMITED)
      sb_printf(b, "max %lu\n", l->cpu_period);
    else
      sb_printf(b, "%lu %lu\n", l->cpu_quota, l->cpu_period);
    break;
  case CG2_CPU_WEIGHT: sb_printf(b, "%lu\n", weight(l->cpu_shares)); break;
  case CG2_MEM_CURRENT:
  case CG1_MEM_USAGE: sb_printf(b, "%lu\n", synth_mem_used()); break;
  case CG2_MEM_LOW:
    put_max(b, l->memory_low == TL_UNLIMITED ? TL_UNLIMITED : pages(l->memory_low));
    break;
  case CG2_MEM_MAX:
    put_max(b, l->memory_limit == TL_UNLIMITED ? TL_UNLIMITED : pages(l->memory_limit));
    break;
  case CG2_SWAP_MAX: put_max(b, swap_max(l)); break;
  case CG1_CPU_PERIOD: sb_printf(b, "%lu\n", l->cpu_period); break;
  case CG1_CPU_QUOTA:
    sb_printf(b, "%ld\n", l->cpu_quota == TL_UNLIMITED ? -1L : (int64_t)l->cpu_quota);
    break;
  case CG1_CPU_SHARES: sb_printf(b, "%lu\n", l->cpu_shares ? l->cpu_shares : DEFAULT_SHARES); break;
  case CG1_CPUACCT_USAGE: sb_printf(b, "%lu\n", synth_times().busy); break;
  case CG1_MEM_LIMIT: put_v1(b, l->memory_limit); break;
  case CG1_MEM_SOFT: put_v1(b, l->memory_low == 0 ? TL_UNLIMITED : l->memory_low); break;
  case CG1_MEMSW_LIMIT: put_v1(b, l->memory_swap); break;
  }
}

#define CG(name, perm, which) SYN_FILE(name, perm, which, gen_cg)

static const struct snode cg2[] = {
    CG("cgroup.controllers", 0444, CG_CONTROLLERS),
    CG("cgroup.procs", 0644, CG_PROCS),
    CG("cpu.max", 0644, CG2_CPU_MAX),
    CG("cpu.weight", 0644, CG2_CPU_WEIGHT),
    CG("cpuset.cpus", 0644, CG_CPUS),
    CG("cpuset.cpus.effective", 0444, CG_CPUS),
    CG("cpuset.mems", 0644, CG_MEMS),
    CG("cpuset.mems.effective", 0444, CG_MEMS),
    CG("memory.current", 0444, CG2_MEM_CURRENT),
    CG("memory.low", 0644, CG2_MEM_LOW),
    CG("memory.max", 0644, CG2_MEM_MAX),
    CG("memory.swap.current", 0444, CG_ZERO),
    CG("memory.swap.max", 0644, CG2_SWAP_MAX),
    CG("pids.current", 0444, CG_PIDS_CURRENT),
    CG("pids.max", 0644, CG_PIDS_MAX),
    SYN_END,
};

static const struct snode cg1_cpu[] = {
    CG("cgroup.procs", 0644, CG_PROCS),
    CG("cpu.cfs_period_us", 0644, CG1_CPU_PERIOD),
    CG("cpu.cfs_quota_us", 0644, CG1_CPU_QUOTA),
    CG("cpu.shares", 0644, CG1_CPU_SHARES),
    SYN_END,
};

static const struct snode cg1_cpuacct[] = {
    CG("cgroup.procs", 0644, CG_PROCS),
    CG("cpuacct.usage", 0444, CG1_CPUACCT_USAGE),
    SYN_END,
};

static const struct snode cg1_cpuset[] = {
    CG("cgroup.procs", 0644, CG_PROCS),         CG("cpuset.cpus", 0644, CG_CPUS),
    CG("cpuset.effective_cpus", 0444, CG_CPUS), CG("cpuset.effective_mems", 0444, CG_MEMS),
    CG("cpuset.mems", 0644, CG_MEMS),           SYN_END,
};

static const struct snode cg1_memory[] = {
    CG("cgroup.procs", 0644, CG_PROCS),
    CG("memory.limit_in_bytes", 0644, CG1_MEM_LIMIT),
    CG("memory.memsw.limit_in_bytes", 0644, CG1_MEMSW_LIMIT),
    CG("memory.soft_limit_in_bytes", 0644, CG1_MEM_SOFT),
    CG("memory.usage_in_bytes", 0444, CG1_MEM_USAGE),
    SYN_END,
};

static const struct snode cg1_pids[] = {
    CG("cgroup.procs", 0644, CG_PROCS),
    CG("pids.current", 0444, CG_PIDS_CURRENT),
    CG("pids.max", 0644, CG_PIDS_MAX),
    SYN_END,
};

/* One directory per entry of los_cgroup_v1. */
static const struct snode cg1[] = {
    SYN_DIR("cpu", 0755, cg1_cpu),       SYN_DIR("cpuacct", 0755, cg1_cpuacct),
    SYN_DIR("cpuset", 0755, cg1_cpuset), SYN_DIR("memory", 0755, cg1_memory),
    SYN_DIR("pids", 0755, cg1_pids),     SYN_END,
};

const struct snode *los_cgroup_kids(void)
{
  return los_cgroup_is_v1() ? cg1 : cg2;
}

const struct snode los_cgroupfs_root = {"", SN_CGROUP, 0755, 0, NULL, NULL};

static void gen_cpus(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  put_cpus(b);
}

/* The LibOS maps 4 KiB pages only. */
static void gen_thp(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  sb_printf(b, "always madvise [never]\n");
}

static const struct snode sys_cpu[] = {
    SYN_FILE("online", 0444, 0, gen_cpus),
    SYN_FILE("possible", 0444, 0, gen_cpus),
    SYN_FILE("present", 0444, 0, gen_cpus),
    SYN_END,
};
static const struct snode sys_system[] = {SYN_DIR("cpu", 0755, sys_cpu), SYN_END};
static const struct snode sys_devices[] = {SYN_DIR("system", 0755, sys_system), SYN_END};
static const struct snode sys_fs[] = {{"cgroup", SN_CGROUP, 0755, 0, NULL, NULL}, SYN_END};
static const struct snode sys_thp[] = {SYN_FILE("enabled", 0644, 0, gen_thp), SYN_END};
static const struct snode sys_mm[] = {SYN_DIR("transparent_hugepage", 0755, sys_thp), SYN_END};
static const struct snode sys_kernel[] = {SYN_DIR("mm", 0755, sys_mm), SYN_END};
static const struct snode sys_root[] = {
    SYN_DIR("devices", 0755, sys_devices),
    SYN_DIR("fs", 0755, sys_fs),
    SYN_DIR("kernel", 0755, sys_kernel),
    SYN_END,
};

const struct snode los_sysfs_root = SYN_DIR("", 0555, sys_root);
