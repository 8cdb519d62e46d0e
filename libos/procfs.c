/* /proc: the processes (today the function alone, pid 1) and the trustlet
 * as Linux shows them, generated from LibOS state when a file is opened. */
#include "synth.h"
#include "task.h"

#define USER_HZ 100
#define NS_PER_TICK (1000000000ULL / USER_HZ)
#define KB(bytes) ((bytes) >> 10)
#define MOUNT_ID(i) SYNTH_MOUNT_ID(i)
#define TTY_NR ((136 << 8) | 0) /* /dev/pts/0 */
#define PID_MAX 32768           /* Linux's default */
#define NGROUPS_MAX 65536

static const struct tl_boot *boot(void)
{
  return &los_shared->boot;
}

/* Seconds with two decimals, as /proc/uptime and /proc/loadavg print them. */
static void put_centi(struct sbuf *b, uint64_t hundredths)
{
  sb_printf(b, "%lu.%02lu", hundredths / 100, hundredths % 100);
}

/* Escapes what mountinfo escapes in paths (space, tab, newline, backslash). */
static void put_path(struct sbuf *b, const char *p)
{
  for (; *p; p++) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
      sb_printf(b, "\\%c%c%c", '0' + ((*p >> 6) & 7), '0' + ((*p >> 3) & 7), '0' + (*p & 7));
    else
      sb_put(b, p, 1);
  }
}

/* What /proc/PID shows of a process: the one place that knows where a
 * process's state lives (the process table, process.c). Zombies show too. */
struct pview {
  uint32_t pid, ppid, pgid, sid, threads;
  const char *comm;
  const struct los_process *p;
};

static bool pview(uint32_t pid, struct pview *v)
{
  const struct los_process *p = los_process_find((int)pid);

  if (p == NULL)
    return false;
  *v = (struct pview){.pid = (uint32_t)p->pid,
                      .ppid = p->parent != NULL ? (uint32_t)p->parent->pid : 0,
                      .pgid = (uint32_t)p->pgid,
                      .sid = (uint32_t)p->sid,
                      .threads = (uint32_t)LOS_MAX(p->nthreads, 1),
                      .comm = p->comm,
                      .p = p};
  return true;
}

uint32_t synth_self_pid(void)
{
  return (uint32_t)los_curproc->pid;
}

uint32_t synth_self_tid(void)
{
  return (uint32_t)los_cur->tid;
}

/* The smallest pid (tid of pid) at least from, or 0. */
uint32_t synth_pid_next(uint32_t from)
{
  uint32_t best = 0;
  for (const struct los_process *p = los_process_first(); p != NULL; p = p->all_next)
    if ((uint32_t)p->pid >= from && (best == 0 || (uint32_t)p->pid < best))
      best = (uint32_t)p->pid;
  return best;
}

uint32_t synth_tid_next(uint32_t pid, uint32_t from)
{
  uint32_t best = 0;
  for (const struct los_task *t = los_task_first(); t != NULL; t = t->all_next)
    if ((uint32_t)t->proc->pid == pid && (uint32_t)t->tid >= from &&
        (best == 0 || (uint32_t)t->tid < best))
      best = (uint32_t)t->tid;
  if (best == 0 && from <= pid && los_process_find((int)pid) != NULL)
    best = pid; /* a zombie: its main thread */
  return best;
}

/* Texts that are structure, not state. */
enum { T_SELF_MOUNTS, T_ROOT, T_OSTYPE, T_OSRELEASE, T_VERSION, T_FILESYSTEMS, T_OVERCOMMIT };
static const char *const texts[] = {
    [T_SELF_MOUNTS] = "self/mounts",
    [T_ROOT] = "/",
    [T_OSTYPE] = "Linux\n",
    [T_OSRELEASE] = LOS_UNAME_RELEASE "\n",
    [T_VERSION] = "Linux version " LOS_UNAME_RELEASE " (hacher LibOS) " LOS_UNAME_VERSION "\n",
    /* what the LibOS itself implements */
    [T_FILESYSTEMS] = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tcgroup\nnodev\tcgroup2\n"
                      "nodev\tdevpts\nnodev\tmqueue\nnodev\toverlay\n\terofs\n",
    /* mmap never reserves more than the trustlet's memory: strict accounting */
    [T_OVERCOMMIT] = "2\n",
};

static void gen_text(struct sbuf *b, uint32_t which, uint32_t pid)
{
  sb_printf(b, "%s", texts[which]);
}

static void gen_number(struct sbuf *b, uint32_t n, uint32_t pid)
{
  sb_printf(b, "%u\n", n);
}

static void gen_self(struct sbuf *b, uint32_t thread, uint32_t pid)
{
  sb_printf(b, "%u", synth_self_pid());
  if (thread)
    sb_printf(b, "/task/%u", synth_self_tid());
}

/* argv (env 0) or the environment (env 1) the function started with. */
static void gen_strings(struct sbuf *b, uint32_t env, uint32_t pid)
{
  const char *p = (const char *)boot()->args.gpa;
  struct pview v;

  if (!env && pview(pid, &v) && v.p->cmdline != NULL) {
    sb_put(b, v.p->cmdline, v.p->cmdline_len); /* argv of its last execve */
    return;
  }

  for (uint32_t i = 0; i < boot()->argc + boot()->envc; i++) {
    size_t n = strlen(p) + 1;
    if ((i >= boot()->argc) == (env != 0))
      sb_put(b, p, n);
    p += n;
  }
}

static void gen_comm(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct pview v;
  if (pview(pid, &v))
    sb_printf(b, "%s\n", v.comm);
}

static void gen_exe(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct pview v;
  if (pview(pid, &v))
    sb_printf(b, "%s", v.p->exe_path);
}

static void gen_cwd(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct pview v;
  if (pview(pid, &v))
    sb_printf(b, "%s", v.p->cwd);
}

static void gen_hostname(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  sb_printf(b, "%s\n", los_proc.hostname);
}

static void gen_cgroup(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  size_t n = 0;

  if (!los_cgroup_is_v1()) {
    sb_printf(b, "0::/\n");
    return;
  }
  while (los_cgroup_v1[n] != NULL)
    n++;
  for (size_t i = n; i-- > 0;) /* highest hierarchy first, as Linux lists them */
    sb_printf(b, "%zu:%s:/\n", i + 1, los_cgroup_v1[i]);
}

static void gen_cgroups(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  bool v1 = los_cgroup_is_v1();

  sb_printf(b, "#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
  for (size_t i = 0; los_cgroup_v1[i] != NULL; i++)
    sb_printf(b, "%s\t%zu\t1\t1\n", los_cgroup_v1[i], v1 ? i + 1 : 0);
}

/* The nearest earlier mount whose path holds m's. */
static uint32_t parent_id(uint32_t i)
{
  const struct los_mount *m = los_vfs_mount(i);

  for (uint32_t j = i; j-- > 0;) {
    const char *p = los_vfs_mount(j)->path;
    size_t n = strlen(p);
    if (n == 1 || (strncmp(m->path, p, n) == 0 && m->path[n] == '/'))
      return MOUNT_ID(j);
  }
  return MOUNT_ID(i); /* the root is its own parent */
}

static void gen_mountinfo(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  const struct los_mount *m;

  for (uint32_t i = 0; (m = los_vfs_mount(i)) != NULL; i++) {
    sb_printf(b, "%u %u 0:%u / ", MOUNT_ID(i), parent_id(i), MOUNT_ID(i));
    put_path(b, m->path);
    sb_printf(b, " %s - %s ", m->ro ? "ro" : "rw", m->fstype);
    put_path(b, m->source);
    sb_printf(b, " rw%s%s\n", m->opts ? "," : "", m->opts ? m->opts : "");
  }
}

static void gen_mounts(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  const struct los_mount *m;

  for (uint32_t i = 0; (m = los_vfs_mount(i)) != NULL; i++) {
    put_path(b, m->source);
    sb_put(b, " ", 1);
    put_path(b, m->path);
    sb_printf(b, " %s %s%s%s 0 0\n", m->fstype, m->ro ? "ro" : "rw", m->opts ? "," : "",
              m->opts ? m->opts : "");
  }
}

/* Address-space totals from the LibOS's table of mapped ranges. Every mapped
 * page counts as resident: the LibOS does not see which ones the host backs. */
struct vm_totals {
  uint64_t size, exec, stack;
};

static struct vm_totals vm_totals(void)
{
  struct vm_totals t = {0};
  uint64_t s, e;
  uint32_t prot;
  enum los_vma_kind kind;

  for (int i = 0; los_mm_vma(i, &s, &e, &prot, &kind); i++) {
    t.size += e - s;
    t.exec += (prot & LOS_PROT_EXEC) ? e - s : 0;
    t.stack += kind == VMA_STACK ? e - s : 0;
  }
  return t;
}

/* One line of /proc/PID/maps in Linux's layout: the name (NULL for none) in
 * a column after the fixed fields. File mappings will pass their path. */
static void put_map(struct sbuf *b, uint64_t start, uint64_t end, uint32_t prot, uint64_t off,
                    const char *name)
{
  uint64_t at = b->len;

  sb_printf(b, "%08lx-%08lx %c%c%cp %08lx 00:00 0 ", start, end, (prot & LOS_PROT_READ) ? 'r' : '-',
            (prot & LOS_PROT_WRITE) ? 'w' : '-', (prot & LOS_PROT_EXEC) ? 'x' : '-', off);
  if (name != NULL) {
    while (b->len - at < 72 && !b->oom)
      sb_put(b, " ", 1);
    sb_printf(b, " %s", name);
  }
  sb_put(b, "\n", 1);
}

static void gen_maps(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  static const char *const names[] = {
      [VMA_STACK] = "[stack]", [VMA_BRK] = "[heap]", [VMA_HEAP] = "[libos]"};
  struct pview v;
  uint64_t s, e;
  uint32_t prot;
  enum los_vma_kind kind;

  if (!pview(pid, &v))
    return;
  for (int i = 0; los_mm_vma(i, &s, &e, &prot, &kind); i++) {
    uint64_t s2, e2;
    uint32_t prot2;
    enum los_vma_kind kind2;
    /* adjacent ranges of one kind and protection are one mapping, as Linux merges them */
    const char *file = los_mm_vma_name(i);
    while (los_mm_vma(i + 1, &s2, &e2, &prot2, &kind2) && s2 == e && prot2 == prot &&
           kind2 == kind && kind != VMA_APP) {
      e = e2;
      i++;
    }
    put_map(b, s, e, prot, 0, file ? file : kind < LOS_ARRAY_SIZE(names) ? names[kind] : NULL);
  }
}

static uint64_t sigset(int want)
{
  uint64_t set = 0;
  for (int sig = 1; sig <= 64; sig++)
    if (los_curproc->sig_handlers[sig] == want)
      set |= 1ULL << (sig - 1);
  return set;
}

static void gen_status(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct vm_totals t = vm_totals();
  uint32_t um = los_proc.umask, u = los_proc.uid, g = los_proc.gid;
  struct pview v;

  if (!pview(pid, &v))
    return;
  sb_printf(b, "Name:\t%s\nUmask:\t0%c%c%c\nState:\tR (running)\n", v.comm, '0' + ((um >> 6) & 7),
            '0' + ((um >> 3) & 7), '0' + (um & 7));
  sb_printf(b, "Tgid:\t%u\nNgid:\t0\nPid:\t%u\nPPid:\t%u\nTracerPid:\t0\n", v.pid, v.pid, v.ppid);
  sb_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", u, u, u, u, g, g, g, g);
  sb_printf(b, "FDSize:\t%u\nGroups:\t", LOS_MAX_FDS);
  for (uint32_t i = 0; i < los_proc.ngroups; i++)
    sb_printf(b, "%u ", los_proc.groups[i]);
  sb_printf(b, "\nNStgid:\t%u\nNSpid:\t%u\nNSpgid:\t%u\nNSsid:\t%u\n", v.pid, v.pid, v.pgid, v.sid);
  sb_printf(
      b, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n",
      KB(t.size), KB(t.size), KB(t.size - t.exec - t.stack), KB(t.stack), KB(t.exec));
  sb_printf(b, "Threads:\t%u\nSigQ:\t0/%lu\n", v.threads,
            los_proc.rlim_cur[11]); /* RLIMIT_SIGPENDING */
  sb_printf(b,
            "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
            los_sigpending(), 0UL, los_sigmask(), sigset(1), sigset(2));
  sb_printf(b,
            "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\nCapAmb:\t%016lx\n",
            los_proc.caps[TL_CAP_INHERITABLE], los_proc.caps[TL_CAP_PERMITTED],
            los_proc.caps[TL_CAP_EFFECTIVE], los_proc.caps[TL_CAP_BOUNDING],
            los_proc.caps[TL_CAP_AMBIENT]);
  sb_printf(b, "NoNewPrivs:\t1\nCpus_allowed:\t%x\nCpus_allowed_list:\t0",
            (1u << synth_ncpus()) - 1);
  if (synth_ncpus() > 1)
    sb_printf(b, "-%u", synth_ncpus() - 1);
  sb_put(b, "\n", 1);
  sb_printf(b, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
}

/* The 52 fields of /proc/PID/stat, in proc(5)'s order. */
static void gen_stat(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct vm_totals t = vm_totals();
  bool tty = los_tty_node() != NULL;
  struct pview v;

  if (!pview(pid, &v))
    return;
  /* pid (comm) state ppid pgrp session tty_nr tpgid flags, faults */
  sb_printf(b, "%u (%s) R %u %u %u %u %d 4194304 0 0 0 0 ", v.pid, v.comm, v.ppid, v.pgid, v.sid,
            tty ? TTY_NR : 0, tty ? (int)v.pgid : -1);
  /* utime stime cutime cstime priority nice num_threads itrealvalue starttime */
  sb_printf(b, "%lu 0 0 0 20 0 %u 0 0 ", (uint64_t)(synth_times().busy / NS_PER_TICK), v.threads);
  /* vsize rss rsslim startcode endcode startstack kstkesp kstkeip */
  sb_printf(b, "%lu %lu %lu 0 0 %lu 0 0 ", t.size, (uint64_t)(t.size / LOS_PAGE),
            los_proc.rlim_cur[5], v.p->stack_start); /* RLIMIT_RSS */
  /* signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor */
  sb_printf(b, "%lu %lu %lu %lu 0 0 0 17 0 ", los_sigpending(), los_sigmask(), sigset(1),
            sigset(2));
  /* rt_priority policy blkio guest_time cguest_time, data, brk, args, env, exit_code */
  sb_printf(b, "0 0 0 0 0 0 0 0 0 0 0 0 0\n");
}

static void gen_statm(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct vm_totals t = vm_totals();
  struct pview v;

  if (!pview(pid, &v))
    return;
  uint64_t size = (uint64_t)(t.size / LOS_PAGE), text = (uint64_t)(t.exec / LOS_PAGE);

  sb_printf(b, "%lu %lu 0 %lu 0 %lu 0\n", size, size, text, size - text);
}

static void gen_limits(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  static const char *const names[16][2] = {
      {"Max cpu time", "seconds"},     {"Max file size", "bytes"},
      {"Max data size", "bytes"},      {"Max stack size", "bytes"},
      {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
      {"Max processes", "processes"},  {"Max open files", "files"},
      {"Max locked memory", "bytes"},  {"Max address space", "bytes"},
      {"Max file locks", "locks"},     {"Max pending signals", "signals"},
      {"Max msgqueue size", "bytes"},  {"Max nice priority", ""},
      {"Max realtime priority", ""},   {"Max realtime timeout", "us"},
  };
  char v[24];

  sb_col(b, "Limit", 26);
  sb_col(b, "Soft Limit", 21);
  sb_col(b, "Hard Limit", 21);
  sb_col(b, "Units", 10);
  sb_put(b, "\n", 1);
  for (size_t i = 0; i < LOS_ARRAY_SIZE(names); i++) {
    sb_col(b, names[i][0], 26);
    for (int hard = 0; hard < 2; hard++) {
      uint64_t x = hard ? los_proc.rlim_max[i] : los_proc.rlim_cur[i];
      if (x == ~0ULL)
        los_snprintf(v, sizeof(v), "unlimited");
      else
        los_snprintf(v, sizeof(v), "%lu", x);
      sb_col(b, v, 21);
    }
    sb_col(b, names[i][1], 10);
    sb_put(b, "\n", 1);
  }
}

static void gen_meminfo(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  /* no swap and no page cache: the image is mapped by the host */
  const struct {
    const char *name;
    uint64_t bytes;
  } rows[] = {
      {"MemTotal:", boot()->ram_size},
      {"MemFree:", synth_mem_free()},
      {"MemAvailable:", synth_mem_free()},
      {"Buffers:", 0},
      {"Cached:", 0},
      {"SwapCached:", 0},
      {"SwapTotal:", 0},
      {"SwapFree:", 0},
  };

  for (size_t i = 0; i < LOS_ARRAY_SIZE(rows); i++) {
    sb_col(b, rows[i].name, 15);
    sb_printf(b, "%8lu kB\n", KB(rows[i].bytes));
  }
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* cpuid bits worth naming: leaf, register (0 eax .. 3 edx), bit, name. */
static const struct {
  uint32_t leaf;
  uint8_t reg, bit;
  const char *name;
} cpu_flags[] = {
    {1, 3, 0, "fpu"},
    {1, 3, 4, "tsc"},
    {1, 3, 8, "cx8"},
    {1, 3, 15, "cmov"},
    {1, 3, 23, "mmx"},
    {1, 3, 24, "fxsr"},
    {1, 3, 25, "sse"},
    {1, 3, 26, "sse2"},
    {0x80000001, 3, 11, "syscall"},
    {0x80000001, 3, 20, "nx"},
    {0x80000001, 3, 27, "rdtscp"},
    {0x80000001, 3, 29, "lm"},
    {1, 2, 0, "pni"},
    {1, 2, 1, "pclmulqdq"},
    {1, 2, 9, "ssse3"},
    {1, 2, 12, "fma"},
    {1, 2, 13, "cx16"},
    {1, 2, 19, "sse4_1"},
    {1, 2, 20, "sse4_2"},
    {1, 2, 22, "movbe"},
    {1, 2, 23, "popcnt"},
    {1, 2, 25, "aes"},
    {1, 2, 26, "xsave"},
    {1, 2, 28, "avx"},
    {1, 2, 29, "f16c"},
    {1, 2, 30, "rdrand"},
    {1, 2, 31, "hypervisor"},
    {0x80000001, 2, 0, "lahf_lm"},
    {0x80000001, 2, 5, "abm"},
    {7, 1, 0, "fsgsbase"},
    {7, 1, 3, "bmi1"},
    {7, 1, 5, "avx2"},
    {7, 1, 8, "bmi2"},
    {7, 1, 9, "erms"},
    {7, 1, 16, "avx512f"},
    {7, 1, 18, "rdseed"},
    {7, 1, 19, "adx"},
    {7, 1, 29, "sha_ni"},
};

/* The one vCPU, as cpuid describes it (in ring 3 it reports the host CPU). */
static void gen_cpuinfo(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  uint32_t r[4], v[4], brand[13] = {0};
  uint32_t khz = los_shared->clock.tsc_khz;

  cpuid(0, 0, v);
  cpuid(1, 0, r);
  uint32_t family = (r[0] >> 8) & 0xf, model = (r[0] >> 4) & 0xf;
  if (family == 0xf)
    family += (r[0] >> 20) & 0xff;
  if (family == 6 || family >= 0xf)
    model += ((r[0] >> 16) & 0xf) << 4;
  cpuid(0x80000000, 0, r);
  if (r[0] >= 0x80000004)
    for (uint32_t i = 0; i < 3; i++)
      cpuid(0x80000002 + i, 0, &brand[i * 4]);
  char *name = (char *)brand; /* without the padding some CPUs put around it */
  while (*name == ' ')
    name++;
  for (size_t n = strlen(name); n > 0 && name[n - 1] == ' '; n--)
    name[n - 1] = '\0';
  for (uint32_t cpu = 0; cpu < synth_ncpus(); cpu++) {
    sb_printf(b, "processor\t: %u\nvendor_id\t: ", cpu);
    sb_put(b, (const char *)&v[1], 4);
    sb_put(b, (const char *)&v[3], 4);
    sb_put(b, (const char *)&v[2], 4);
    sb_printf(b, "\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n", family, model, name);
    cpuid(1, 0, r);
    sb_printf(b, "stepping\t: %u\ncpu MHz\t\t: %u.%03u\n", r[0] & 0xf, khz / 1000, khz % 1000);
    sb_printf(b, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n",
              synth_ncpus(), cpu, synth_ncpus());
    sb_printf(b, "apicid\t\t: %u\nfpu\t\t: yes\nflags\t\t:", cpu);
    for (size_t i = 0; i < LOS_ARRAY_SIZE(cpu_flags); i++) {
      cpuid(cpu_flags[i].leaf, 0, r);
      if ((r[cpu_flags[i].reg] >> cpu_flags[i].bit) & 1)
        sb_printf(b, " %s", cpu_flags[i].name);
    }
    sb_printf(b, "\nbogomips\t: %u.%02u\n\n", khz / 500, (khz % 500) / 5);
  }
}

static void gen_uptime(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct synth_times t = synth_times();

  put_centi(b, t.up / NS_PER_TICK);
  sb_put(b, " ", 1);
  put_centi(b, t.idle / NS_PER_TICK);
  sb_put(b, "\n", 1);
}

static void gen_kstat(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  struct synth_times t = synth_times();
  uint64_t busy = t.busy / NS_PER_TICK, idle = t.idle / NS_PER_TICK;

  uint32_t n = synth_ncpus(), procs = 0;

  sb_printf(b, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", busy, idle);
  for (uint32_t i = 0; i < n; i++) /* the vCPUs share the one measured split */
    sb_printf(b, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", i, busy / n, idle / n);
  for (uint32_t p = synth_pid_next(1); p != 0; p = synth_pid_next(p + 1))
    procs++;
  sb_printf(b, "intr 0\nctxt 0\nbtime %lu\nprocesses %u\nprocs_running 1\nprocs_blocked 0\n",
            (uint64_t)(los_proc.start_real_ns / 1000000000ULL), procs);
}

/* Linux's load averages (fixed point, one sample per 5 s) over the
 * function's running time: between two reads it ran for a known fraction. */
#define FSHIFT 11
#define FIXED_1 (1ULL << FSHIFT)
#define LOAD_FREQ (5ULL * 1000000000ULL)

static void gen_loadavg(struct sbuf *b, uint32_t arg, uint32_t pid)
{
  static const uint64_t exps[3] = {1884, 2014, 2037}; /* 1, 5, 15 minutes */
  static uint64_t loads[3], sampled_up, sampled_busy;
  struct synth_times t = synth_times();
  uint64_t up = t.up, busy = t.busy;
  uint64_t n = (up - sampled_up) / LOAD_FREQ;

  if (n > 0) {
    uint64_t active = (busy - sampled_busy) * FIXED_1 / (up - sampled_up);
    for (uint64_t k = 0; k < LOS_MIN(n, 2000); k++)
      for (int i = 0; i < 3; i++)
        loads[i] = (loads[i] * exps[i] + active * (FIXED_1 - exps[i]) + FIXED_1 / 2) >> FSHIFT;
    sampled_up += n * LOAD_FREQ;
    sampled_busy = busy;
  }
  for (int i = 0; i < 3; i++) {
    put_centi(b, (loads[i] >> FSHIFT) * 100 + (((loads[i] & (FIXED_1 - 1)) * 100) >> FSHIFT));
    sb_put(b, " ", 1);
  }
  uint32_t procs = 0, last = 0;
  for (uint32_t p = synth_pid_next(1); p != 0; p = synth_pid_next(p + 1), procs++)
    last = p;
  sb_printf(b, "1/%u %u\n", procs, last);
}

/* /proc/PID/task/TID shows the same files as /proc/PID but "task": it is
 * the tail of the process's table. */
static const struct snode pid_dir[] = {
    {"task", SN_TASKS, 0555, 0, NULL, NULL},
    SYN_FILE("cgroup", 0444, 0, gen_cgroup),
    SYN_FILE("cmdline", 0444, 0, gen_strings),
    SYN_FILE("comm", 0644, 0, gen_comm),
    SYN_LINK("cwd", 0, gen_cwd),
    SYN_FILE("environ", 0400, 1, gen_strings),
    SYN_LINK("exe", 0, gen_exe),
    {"fd", SN_FDDIR, 0500, 0, NULL, NULL},
    {"fdinfo", SN_FDINFO, 0500, 0, NULL, NULL},
    SYN_FILE("limits", 0444, 0, gen_limits),
    SYN_FILE("maps", 0444, 0, gen_maps),
    SYN_FILE("mountinfo", 0444, 0, gen_mountinfo),
    SYN_FILE("mounts", 0444, 0, gen_mounts),
    SYN_LINK("root", T_ROOT, gen_text),
    SYN_FILE("stat", 0444, 0, gen_stat),
    SYN_FILE("statm", 0444, 0, gen_statm),
    SYN_FILE("status", 0444, 0, gen_status),
    SYN_END,
};

const struct snode los_procfs_pid = SYN_DIR("", 0555, pid_dir);
const struct snode los_procfs_tid = SYN_DIR("", 0555, pid_dir + 1);

static const struct snode sys_kernel[] = {
    SYN_FILE("hostname", 0644, 0, gen_hostname),
    SYN_FILE("ngroups_max", 0444, NGROUPS_MAX, gen_number),
    SYN_FILE("osrelease", 0444, T_OSRELEASE, gen_text),
    SYN_FILE("ostype", 0444, T_OSTYPE, gen_text),
    SYN_FILE("pid_max", 0644, PID_MAX, gen_number),
    SYN_END,
};
static const struct snode sys_vm[] = {SYN_FILE("overcommit_memory", 0644, T_OVERCOMMIT, gen_text),
                                      SYN_END};
static const struct snode sys_dir[] = {SYN_DIR("kernel", 0555, sys_kernel),
                                       SYN_DIR("vm", 0555, sys_vm), SYN_END};

static const struct snode proc_root[] = {
    SYN_FILE("cgroups", 0444, 0, gen_cgroups),
    SYN_FILE("cpuinfo", 0444, 0, gen_cpuinfo),
    SYN_FILE("filesystems", 0444, T_FILESYSTEMS, gen_text),
    SYN_FILE("loadavg", 0444, 0, gen_loadavg),
    SYN_FILE("meminfo", 0444, 0, gen_meminfo),
    SYN_LINK("mounts", T_SELF_MOUNTS, gen_text),
    SYN_LINK("self", 0, gen_self),
    SYN_FILE("stat", 0444, 0, gen_kstat),
    SYN_DIR("sys", 0555, sys_dir),
    SYN_LINK("thread-self", 1, gen_self),
    SYN_FILE("uptime", 0444, 0, gen_uptime),
    SYN_FILE("version", 0444, T_VERSION, gen_text),
    SYN_END,
};

const struct snode los_procfs_root = {"", SN_PIDS, 0555, 0, NULL, proc_root};
