/* Process, identity and limits syscalls (signals: signal.c). */
#include "task.h"
#include "vfs.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

struct los_proc los_proc;

SYSDEF(getuid)
{
  return los_proc.uid;
}

SYSDEF(geteuid)
{
  return los_proc.uid;
}

SYSDEF(getgid)
{
  return los_proc.gid;
}

SYSDEF(getegid)
{
  return los_proc.gid;
}

SYSDEF(getgroups)
{
  if ((int)a0 < 0)
    return -EINVAL;
  if (a0 == 0)
    return los_proc.ngroups;
  if (a0 < los_proc.ngroups)
    return -EINVAL;
  if (!USER_OK(a1, los_proc.ngroups * 4ULL, true))
    return -EFAULT;
  memcpy((void *)a1, los_proc.groups, los_proc.ngroups * 4ULL);
  return los_proc.ngroups;
}

static int64_t put3(uint64_t a, uint64_t b, uint64_t c, uint32_t v)
{
  if (!USER_OK(a, 4, true) || !USER_OK(b, 4, true) || !USER_OK(c, 4, true))
    return -EFAULT;
  *(uint32_t *)a = *(uint32_t *)b = *(uint32_t *)c = v;
  return 0;
}

SYSDEF(getresuid)
{
  return put3(a0, a1, a2, los_proc.uid);
}

SYSDEF(getresgid)
{
  return put3(a0, a1, a2, los_proc.gid);
}

SYSDEF(setuid)
{
  return (uint32_t)a0 == los_proc.uid ? 0 : -EPERM;
}

SYSDEF(setgid)
{
  return (uint32_t)a0 == los_proc.gid ? 0 : -EPERM;
}

SYSDEF(arch_prctl)
{
  switch (a0) {
  case ARCH_SET_FS: __asm__ volatile("wrfsbase %0" : : "r"(a1)); return 0;
  case ARCH_SET_GS: __asm__ volatile("wrgsbase %0" : : "r"(a1)); return 0;
  case ARCH_GET_FS:
  case ARCH_GET_GS: {
    uint64_t v;
    if (!USER_OK(a1, 8, true))
      return -EFAULT;
    if (a0 == ARCH_GET_FS)
      __asm__ volatile("rdfsbase %0" : "=r"(v));
    else
      __asm__ volatile("rdgsbase %0" : "=r"(v));
    *(uint64_t *)a1 = v;
    return 0;
  }
  default: return -EINVAL;
  }
}

SYSDEF(rseq)
{
  return -ENOSYS;
}

SYSDEF(pkey_alloc)
{
  return -ENOSYS;
}

struct rlimit_ {
  uint64_t cur, max;
};

static int64_t do_prlimit(uint64_t res, const struct rlimit_ *nwp, struct rlimit_ *old)
{
  struct rlimit_ copy, *nw = NULL;

  if (res >= LOS_ARRAY_SIZE(los_proc.rlim_cur))
    return -EINVAL;
  if (nwp != NULL) { /* old and new may be the same buffer */
    copy = *nwp;
    nw = &copy;
  }
  if (old != NULL) {
    old->cur = los_proc.rlim_cur[res];
    old->max = los_proc.rlim_max[res];
  }
  if (nw != NULL) {
    if (nw->cur > nw->max)
      return -EINVAL;
    if (nw->max > los_proc.rlim_max[res] && los_proc.uid != 0)
      return -EPERM;
    los_proc.rlim_cur[res] = nw->cur;
    los_proc.rlim_max[res] = nw->max;
  }
  return 0;
}

SYSDEF(prlimit64)
{
  if (a0 != 0 && a0 != 1)
    return -ESRCH;
  if ((a2 && !USER_OK(a2, 16, false)) || (a3 && !USER_OK(a3, 16, true)))
    return -EFAULT;
  return do_prlimit(a1, (const struct rlimit_ *)a2, (struct rlimit_ *)a3);
}

SYSDEF(getrlimit)
{
  if (!USER_OK(a1, 16, true))
    return -EFAULT;
  return do_prlimit(a0, NULL, (struct rlimit_ *)a1);
}

SYSDEF(setrlimit)
{
  if (!USER_OK(a1, 16, false))
    return -EFAULT;
  return do_prlimit(a0, (const struct rlimit_ *)a1, NULL);
}

struct utsname_ {
  char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSDEF(uname)
{
  struct utsname_ *u = (struct utsname_ *)a0;
  if (!USER_OK(a0, sizeof(*u), true))
    return -EFAULT;
  memset(u, 0, sizeof(*u));
  memcpy(u->sysname, "Linux", 6);
  los_snprintf(u->nodename, sizeof(u->nodename), "%s", los_proc.hostname);
  memcpy(u->release, LOS_UNAME_RELEASE, sizeof(LOS_UNAME_RELEASE));
  memcpy(u->version, LOS_UNAME_VERSION, sizeof(LOS_UNAME_VERSION));
  memcpy(u->machine, "x86_64", 7);
  los_snprintf(u->domainname, sizeof(u->domainname), "%s", los_proc.domainname);
  return 0;
}

struct sysinfo_ {
  int64_t uptime;
  uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  uint16_t procs, pad;
  uint64_t totalhigh, freehigh;
  uint32_t mem_unit;
  char f[4];
};

SYSDEF(sysinfo)
{
  struct sysinfo_ *s = (struct sysinfo_ *)a0;
  if (!USER_OK(a0, sizeof(*s), true))
    return -EFAULT;
  memset(s, 0, sizeof(*s));
  s->uptime = (int64_t)((los_time_monotonic_ns() - los_proc.start_mono_ns) / 1000000000ULL);
  s->totalram = los_shared->boot.ram_size;
  s->freeram = los_mm_pool_size() - los_mm_mapped(); /* as /proc/meminfo's MemFree */
  s->procs = (uint16_t)LOS_MIN(los_ntasks, 0xffff);  /* threads, as Linux counts them */
  s->mem_unit = 1;
  return 0;
}

SYSDEF(sched_getaffinity)
{
  if (a1 < 8)
    return -EINVAL;
  if (!USER_OK(a2, a1, true))
    return -EFAULT;
  memset((void *)a2, 0, a1);
  *(uint8_t *)a2 = 1;
  return 8;
}

SYSDEF(getrusage)
{
  uint64_t ns = los_time_monotonic_ns() - los_shared->clock.monotonic_ns;
  if (!USER_OK(a1, 144, true))
    return -EFAULT;
  memset((void *)a1, 0, 144);
  ((int64_t *)a1)[0] = (int64_t)(ns / 1000000000ULL);
  ((int64_t *)a1)[1] = (int64_t)(ns % 1000000000ULL / 1000);
  return 0;
}

#define PR_SET_PDEATHSIG_ 1
#define PR_GET_PDEATHSIG_ 2
#define PR_GET_DUMPABLE_ 3
#define PR_SET_DUMPABLE_ 4
#define PR_SET_NAME_ 15
#define PR_GET_NAME_ 16
#define PR_SET_NO_NEW_PRIVS_ 38
#define PR_GET_NO_NEW_PRIVS_ 39

#define comm (los_curproc->comm)

#define PR_CAPBSET_READ_ 23
#define PR_CAPBSET_DROP_ 24
#define PR_CAP_AMBIENT_ 47
#define PR_CAP_AMBIENT_IS_SET_ 1
#define PR_CAP_AMBIENT_CLEAR_ALL_ 4
#define CAP_SETPCAP_ 8
#define CAP_V1_ 0x19980330u
#define CAP_V2_ 0x20071026u
#define CAP_V3_ 0x20080522u
const char *los_comm(void)
{
  return comm;
}

void los_set_comm(const char *path)
{
  const char *base = strrchr(path, '/');
  los_snprintf(comm, sizeof(comm), "%s", base ? base + 1 : path);
}

SYSDEF(prctl)
{
  switch (a0) {
  case PR_SET_NAME_: {
    char name[16];
    int rc = los_copy_str(name, a1, sizeof(name));
    if (rc == -EFAULT)
      return rc;
    name[15] = '\0';
    memcpy(comm, name, sizeof(comm));
    return 0;
  }
  case PR_GET_NAME_:
    if (!USER_OK(a1, sizeof(comm), true))
      return -EFAULT;
    memcpy((void *)a1, comm, sizeof(comm));
    return 0;
  case PR_SET_PDEATHSIG_:
  case PR_SET_DUMPABLE_: return 0;
  case PR_GET_PDEATHSIG_:
    if (!USER_OK(a1, 4, true))
      return -EFAULT;
    *(int *)a1 = 0;
    return 0;
  case PR_GET_DUMPABLE_: return 1;
  case PR_SET_NO_NEW_PRIVS_: return a1 == 1 ? 0 : -EINVAL;
  case PR_GET_NO_NEW_PRIVS_: return 1; /* privileges never change inside a trustlet */
  case PR_CAPBSET_READ_:
    return a1 < 64 ? (int64_t)((los_proc.caps[TL_CAP_BOUNDING] >> a1) & 1) : -EINVAL;
  case PR_CAPBSET_DROP_:
    if (a1 >= 64)
      return -EINVAL;
    if (!(los_proc.caps[TL_CAP_EFFECTIVE] & (1ULL << CAP_SETPCAP_)))
      return -EPERM;
    los_proc.caps[TL_CAP_BOUNDING] &= ~(1ULL << a1);
    return 0;
  case PR_CAP_AMBIENT_:
    if (a1 == PR_CAP_AMBIENT_IS_SET_)
      return a2 < 64 ? (int64_t)((los_proc.caps[TL_CAP_AMBIENT] >> a2) & 1) : -EINVAL;
    if (a1 == PR_CAP_AMBIENT_CLEAR_ALL_) {
      los_proc.caps[TL_CAP_AMBIENT] = 0;
      return 0;
    }
    return -EPERM;
  default: return -EINVAL;
  }
}

/* Capabilities are what process.capabilities said, reported as Linux would;
 * they may be dropped but never gained (they guard nothing in the LibOS). */
struct cap_header_ {
  uint32_t version;
  int32_t pid;
};

struct cap_data_ {
  uint32_t effective, permitted, inheritable;
};

static int64_t cap_words(uint64_t uhdr, int *words)
{
  struct cap_header_ *h = (struct cap_header_ *)uhdr;

  if (!USER_OK(uhdr, sizeof(*h), true))
    return -EFAULT;
  if (h->version == CAP_V1_)
    *words = 1;
  else if (h->version == CAP_V2_ || h->version == CAP_V3_)
    *words = 2;
  else {
    h->version = CAP_V3_;
    return -EINVAL;
  }
  if (h->pid != 0 && h->pid != 1)
    return -ESRCH;
  return 0;
}

SYSDEF(capget)
{
  struct cap_data_ *d = (struct cap_data_ *)a1;
  int words;
  int64_t rc = cap_words(a0, &words);

  if (rc < 0 || a1 == 0)
    return rc;
  if (!USER_OK(a1, sizeof(*d) * (uint64_t)words, true))
    return -EFAULT;
  for (int i = 0; i < words; i++) {
    d[i].effective = (uint32_t)(los_proc.caps[TL_CAP_EFFECTIVE] >> (32 * i));
    d[i].permitted = (uint32_t)(los_proc.caps[TL_CAP_PERMITTED] >> (32 * i));
    d[i].inheritable = (uint32_t)(los_proc.caps[TL_CAP_INHERITABLE] >> (32 * i));
  }
  return 0;
}

SYSDEF(capset)
{
  const struct cap_data_ *d = (const struct cap_data_ *)a1;
  uint64_t eff = 0, prm = 0, inh = 0;
  int words;
  int64_t rc = cap_words(a0, &words);

  if (rc < 0)
    return rc;
  if (!USER_OK(a1, sizeof(*d) * (uint64_t)words, false))
    return -EFAULT;
  for (int i = 0; i < words; i++) {
    eff |= (uint64_t)d[i].effective << (32 * i);
    prm |= (uint64_t)d[i].permitted << (32 * i);
    inh |= (uint64_t)d[i].inheritable << (32 * i);
  }
  if ((prm & ~los_proc.caps[TL_CAP_PERMITTED]) || (eff & ~prm) ||
      (inh & ~(los_proc.caps[TL_CAP_INHERITABLE] | los_proc.caps[TL_CAP_PERMITTED])))
    return -EPERM;
  los_proc.caps[TL_CAP_EFFECTIVE] = eff;
  los_proc.caps[TL_CAP_PERMITTED] = prm;
  los_proc.caps[TL_CAP_INHERITABLE] = inh;
  los_proc.caps[TL_CAP_AMBIENT] &= prm & inh;
  return 0;
}
