/* The host/guest contract between monitor/ (host) and libos/ (guest).
 * Fixed-width types only; new fields are appended, never reordered.
 * Bump TL_ABI_VERSION on any incompatible change. */
#ifndef HACHER_TL_ABI_H
#define HACHER_TL_ABI_H

#include <stdint.h>

#define TL_ABI_VERSION 5

/* A guest-physical address. The host must translate it through the monitor's
 * checked-access helper; being a struct, it cannot be dereferenced by accident. */
typedef struct {
  uint64_t gpa;
} tl_gptr_t;

/* Guest-physical layout. RAM is one slot at [0, ram_size); the image is a
 * read-only slot at TL_IMAGE_GPA. Low RAM is identity-mapped (VA == GPA) for
 * the application; the LibOS is linked at TL_LOS_VA and mapped to the top of RAM. */
#define TL_PAGE_SIZE 4096ULL
#define TL_GDT_GPA 0x1000ULL    /* GDT + TSS (supervisor) */
#define TL_IDT_GPA 0x2000ULL    /* IDT (supervisor) */
#define TL_STUBS_GPA 0x3000ULL  /* ring-0 trap stubs (supervisor) */
#define TL_KSTACK_GPA 0x4000ULL /* ring-0 stack for traps, 16 KiB (supervisor) */
#define TL_KSTACK_SIZE 0x4000ULL
#define TL_SHARED_GPA 0x10000ULL /* struct tl_shared (user, read-write) */
#define TL_PT_GPA 0x20000ULL     /* page tables (supervisor) */
#define TL_PT_END 0x100000ULL
#define TL_ARGS_GPA 0x100000ULL /* packed boot strings (user, read-only) */
#define TL_ARGS_SIZE 0x100000ULL
#define TL_APP_BASE 0x200000ULL       /* first byte the application may use */
#define TL_IMAGE_GPA 0x4000000000ULL  /* 256 GiB */
#define TL_MOUNTS_GPA 0x5000000000ULL /* host-provided files, read-only */
#define TL_POLICY_GPA 0x6000000000ULL /* seccomp policy (struct tl_policy), read-only */
#define TL_RAM_MAX 0x2000000000ULL    /* 128 GiB */
#define TL_LOS_VA 0xffffffff80000000ULL
/* ABI 5: all of RAM, user read-write and not executable, for the LibOS's
 * page tables, heap and copies between address spaces. */
#define TL_PHYSMAP_VA 0xffffff8000000000ULL
#define TL_LOS_RESERVE 0x800000ULL /* LibOS text/data/bss/stack at the top of RAM */

/* GDT selectors (Linux's layout). */
#define TL_SEL_KCODE 0x10
#define TL_SEL_KDATA 0x18
#define TL_SEL_UDATA 0x2b
#define TL_SEL_UCODE 0x33
#define TL_SEL_TSS 0x40

/* The guest raises a hypercall with a 32-bit store of the guest-physical
 * address of a struct tl_hc to TL_HC_DOORBELL: a page that is mapped in the
 * guest page tables but backed by no memory, so the store exits to the
 * monitor. (Port I/O from ring 3 depends on IOPL, which some KVM variants do
 * not preserve.) Ring-0 trap stubs report faults with `outl %eax, %dx` to
 * TL_EXC_PORT where eax is the vector; the trap frame is on the ring-0 stack. */
#define TL_MMIO_GPA 0x3000000000ULL /* 192 GiB, 2 MiB, no memory behind it */
#define TL_HC_DOORBELL TL_MMIO_GPA
#define TL_EXC_PORT 0x501

enum tl_hc_nr {
  TL_HC_WRITE = 1,     /* io: write to container stdio fd */
  TL_HC_READ = 2,      /* io: read from container stdio fd */
  TL_HC_EXIT = 3,      /* exit: the function ended */
  TL_HC_ABORT = 4,     /* msg: start-up failed; message for the user */
  TL_HC_LOG = 5,       /* msg: one LibOS log line */
  TL_HC_SLEEP = 6,     /* sleep: block for ns nanoseconds */
  TL_HC_DISCARD = 7,   /* range: pages no longer used; host frees them */
  TL_HC_CLOCK = 8,     /* clock: refresh the clock base in tl_shared */
  TL_HC_READY = 9,     /* the program is loaded; returns when the container is started */
  TL_HC_IOCTL = 10,    /* ioctl: a terminal request on container stdio */
  TL_HC_POLL = 11,     /* poll: wait until container stdio is ready */
  TL_HC_REPORT = 12,   /* report: a signed attestation report binding 64 guest bytes */
  TL_HC_ALARM = 13,    /* alarm: the monitor's ITIMER_REAL; its SIGALRM reaches the guest */
  TL_HC_TICK = 14,     /* sleep: a reschedule request every ns of guest CPU time; 0 stops */
  TL_HC_MMU = 15,      /* mmu: load CR3 (switch address space, flushing the TLB) */
  TL_HC_DISCARDV = 16, /* discardv: several page ranges back to the host, then maybe MMU */
  /* ABI 5: hacher exec */
  TL_HC_EXEC_TAKE = 17, /* exec: copy the next exec event (struct tl_exec_event) to buf */
  TL_HC_EXEC_DONE = 18, /* exec: the exec'd process ended (id, status, signal) */
  TL_HC_MAX
};

/* Host stdio slots (ABI 5): requests name a slot of the monitor's table.
 * Slots 0-2 are the container's stdio; each `hacher exec` gets three more
 * (its stdin, stdout, stderr), numbered in struct tl_exec_event. */
#define TL_EXEC_MAX 64 /* exec'd processes at a time */
#define TL_SLOTS_MAX (3 + 3 * TL_EXEC_MAX)

struct tl_hc_io {
  uint32_t fd; /* a stdio slot (0-2: the container's) */
  uint32_t _pad;
  tl_gptr_t buf;
  uint64_t len;
};

struct tl_hc_exit {
  uint32_t status; /* exit code 0..255 when signal is 0 */
  uint32_t signal; /* killed by this signal, or 0 */
};

/* Only terminal requests with a fixed argument size (the monitor's table);
 * len must be that size: 36 for TCGETS/TCSETS* (the kernel's struct
 * termios), 8 for TIOC[GS]WINSZ, 4 for FIONREAD. */
struct tl_hc_ioctl {
  uint32_t fd; /* a stdio slot */
  uint32_t cmd;
  tl_gptr_t buf;
  uint64_t len;
};

#define TL_POLL_SLOTS 1u /* tl_hc_poll.flags: events[i] is for slot[i], not slot i */
struct tl_hc_poll {
  uint16_t events[3];  /* POLLIN / POLLOUT wanted on stdio 0..2; 0: not polled */
  uint16_t revents[3]; /* written by the monitor */
  uint32_t flags;      /* TL_POLL_SLOTS (ABI 5), else 0 */
  int64_t timeout_ns;  /* < 0: until ready or a signal */
  uint16_t slot[3];    /* with TL_POLL_SLOTS: the slot events[i] is for */
  uint16_t _pad;
};

/* The old values come back in the slot. set 0: only read them. */
struct tl_hc_alarm {
  uint64_t value_ns;    /* first expiry from now; 0 disarms */
  uint64_t interval_ns; /* then every interval_ns; 0: once */
  uint32_t set;
  uint32_t _pad;
};

/* TAKE: the next exec event goes to [buf, buf + len); ret is its size,
 * -ENOSPC when len is below tl_shared.exec_size, -EAGAIN when there is none.
 * DONE: the process of exec id ended with status (0-255) or signal. */
struct tl_hc_exec {
  tl_gptr_t buf;
  uint64_t len;
  uint32_t id;
  uint32_t status;
  uint32_t signal;
  uint32_t _pad;
};

struct tl_hc_msg {
  tl_gptr_t buf;
  uint64_t len;
  uint32_t status; /* TL_MSG_* (LOG only) */
  uint32_t _pad;
};
/* A trace-mode line: logged at info level whatever the runtime's log level
 * (the container asked for it with io.hacher.trace). */
#define TL_MSG_TRACE 1u

struct tl_hc_sleep {
  uint64_t ns;
};

struct tl_hc_range {
  tl_gptr_t start;
  uint64_t len;
};

/* ABI 5: the LibOS keeps one set of page tables per process. */
struct tl_hc_mmu {
  uint64_t cr3; /* guest-physical PML4 in RAM, page-aligned */
};

#define TL_DISCARDV_MAX 64
struct tl_hc_discardv {
  tl_gptr_t ranges; /* count struct tl_hc_range in guest memory */
  uint32_t count;   /* at most TL_DISCARDV_MAX */
  uint32_t _pad;
  uint64_t cr3; /* then load this CR3 (a TLB flush); 0: do not */
};

/* Attestation: the launch measurement is SHA-384 (docs/attestation.md). */
#define TL_MEASUREMENT_SIZE 48
#define TL_REPORT_DATA_SIZE 64

/* The guest's 64 bytes of report data in, a struct tl_report out; ret is
 * the report's size. out_len below sizeof(struct tl_report) is -EINVAL;
 * -ENODEV when the node has no attestation key. */
struct tl_hc_report {
  tl_gptr_t data; /* TL_REPORT_DATA_SIZE bytes */
  tl_gptr_t out;
  uint64_t out_len;
};

/* A signed report, little-endian, 256 bytes; the signature covers every
 * byte before it. Layout version TL_REPORT_VERSION; docs/attestation.md. */
#define TL_REPORT_MAGIC 0x50455248u /* "HREP" */
#define TL_REPORT_VERSION 1
#define TL_REPORT_PLATFORM_KVM "hacher-kvm" /* node key, no hardware root of trust */
struct tl_report {
  uint32_t magic;
  uint16_t version;
  uint16_t _reserved; /* 0 */
  char platform[16];  /* NUL-padded */
  uint8_t measurement[TL_MEASUREMENT_SIZE];
  uint8_t report_data[TL_REPORT_DATA_SIZE];
  uint8_t boot_id[16];   /* the node's boot (/proc/sys/kernel/random/boot_id) */
  uint64_t counter;      /* per node boot, incremented for every report */
  uint8_t signature[96]; /* ECDSA P-384 over SHA-384: r then s, 48 bytes big-endian each */
};
#define TL_REPORT_SIGNED_SIZE 160 /* offsetof(struct tl_report, signature) */
_Static_assert(sizeof(struct tl_report) == 256, "the report is 256 bytes");

struct tl_hc {
  uint32_t nr;
  uint32_t _pad;
  int64_t ret; /* >= 0 result, or a negated Linux errno chosen by the monitor */
  union {
    struct tl_hc_io io;
    struct tl_hc_exit exit;
    struct tl_hc_msg msg;
    struct tl_hc_sleep sleep;
    struct tl_hc_range range;
    struct tl_hc_ioctl ioctl;
    struct tl_hc_poll poll;
    struct tl_hc_report report;
    struct tl_hc_alarm alarm;
    struct tl_hc_mmu mmu;
    struct tl_hc_discardv discardv;
    struct tl_hc_exec exec;
    uint64_t raw[8];
  } u;
};

/* General registers of an interrupted vCPU (struct kvm_regs order). */
struct tl_regs {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
};

/* An application fault handed to the LibOS; signo 0: none. */
struct tl_fault {
  uint32_t signo;
  int32_t code;  /* si_code */
  uint64_t addr; /* si_addr: CR2 for #PF, else the faulting rip */
  uint32_t vector;
  uint32_t _pad;
  uint64_t error;
};

/* Clock base: time = base + (rdtsc - tsc) * mult >> shift. */
struct tl_clock {
  uint64_t tsc;
  uint64_t realtime_ns;
  uint64_t monotonic_ns;
  uint64_t mult;
  uint32_t shift;
  uint32_t tsc_khz;
};

#define TL_BOOT_READONLY_ROOT (1u << 0)
#define TL_BOOT_TRACE (1u << 1)
#define TL_BOOT_TERMINAL (1u << 2) /* stdio 0-2 are one terminal (process.terminal) */

struct tl_rlimit {
  uint32_t resource; /* RLIMIT_* number */
  uint32_t _pad;
  uint64_t soft, hard;
};

#define TL_MAX_RLIMITS 16
#define TL_MAX_GROUPS 32

enum tl_cap_set {
  TL_CAP_BOUNDING,
  TL_CAP_EFFECTIVE,
  TL_CAP_INHERITABLE,
  TL_CAP_PERMITTED,
  TL_CAP_AMBIENT,
  TL_CAP_SETS
};

/* Cgroup views the LibOS can show (the host's mode, chosen by the runtime). */
enum tl_cgroup_view {
  TL_CGROUP_V1 = 1, /* one hierarchy per controller: /sys/fs/cgroup/memory/... */
  TL_CGROUP_V2 = 2, /* the unified hierarchy: /sys/fs/cgroup/memory.max ... */
};

/* A limit the config does not set. */
#define TL_UNLIMITED UINT64_MAX

/* linux.resources as the function sees them; set by the runtime, shown by
 * the LibOS, enforced by the host (guest memory size, the monitor's cgroup). */
struct tl_limits {
  uint32_t cgroup_view; /* enum tl_cgroup_view */
  uint32_t _pad;
  uint64_t memory_limit; /* bytes or TL_UNLIMITED */
  uint64_t memory_low;   /* memory.reservation: bytes, 0 unset, or TL_UNLIMITED */
  uint64_t memory_swap;  /* memory + swap (OCI's memory.swap): bytes or TL_UNLIMITED */
  uint64_t cpu_shares;   /* 2..262144, or 0 when unset */
  uint64_t cpu_quota;    /* microseconds per period, or TL_UNLIMITED */
  uint64_t cpu_period;   /* microseconds (100000 unless set) */
  uint64_t pids_limit;   /* or TL_UNLIMITED */
};

/* Written by the monitor before the first instruction; read by the LibOS. */
struct tl_boot {
  uint32_t abi_version;
  uint32_t flags; /* TL_BOOT_* */
  uint64_t ram_size;
  uint64_t los_phys; /* where the LibOS reserve starts in RAM */
  uint64_t image_gpa;
  uint64_t image_size; /* bytes mapped (the whole file) */
  uint8_t seed[32];    /* per-trustlet random seed */
  /* strings in the TL_ARGS area: argc strings then envc strings, each NUL-terminated */
  uint32_t argc, envc;
  tl_gptr_t args;     /* start of packed strings */
  uint64_t args_size; /* bytes used */
  tl_gptr_t cwd;      /* NUL-terminated, in the args area */
  tl_gptr_t hostname; /* NUL-terminated, in the args area */
  uint32_t uid, gid;
  uint32_t umask;
  uint32_t ngroups;
  uint32_t groups[TL_MAX_GROUPS];
  uint32_t nrlimits;
  uint32_t _pad;
  struct tl_rlimit rlimits[TL_MAX_RLIMITS];
  /* The image is [EROFS: image_data_size][verity superblock at
   * image_hash_offset][hash tree]; image_root is the trusted root hash. */
  uint64_t image_data_size;
  uint64_t image_hash_offset;
  uint8_t image_root[32];
  /* Host-provided mounts copied in at create time (struct tl_mounts at
   * TL_MOUNTS_GPA, mounts_size bytes; 0 when there are none). */
  uint64_t mounts_size;
  uint8_t mounts_digest[32]; /* SHA-256 of the blob */
  /* process.capabilities, as bit masks of CAP_* numbers (reported, never
   * granting anything the LibOS would not do anyway) */
  uint64_t caps[TL_CAP_SETS];
  /* The container's resource limits and the cgroup view the LibOS shows
   * (/proc/self/cgroup, /sys/fs/cgroup, /proc/meminfo). */
  struct tl_limits limits;
  /* seccomp: linux.seccomp compiled by the runtime (struct tl_policy at
   * TL_POLICY_GPA, policy_size bytes; 0 when the config has none). */
  uint64_t policy_size;
  uint8_t policy_digest[32]; /* SHA-256 of the blob */
  /* --- attestation (keep together) --- the launch measurement the
   * monitor computed (docs/attestation.md), as reports carry it. */
  uint8_t measurement[TL_MEASUREMENT_SIZE];
  /* --- end attestation --- */
};

/* The mounts blob: a header, then entries each followed by the path bytes
 * (no NUL) and the data bytes, each entry 8-byte aligned. Masked and
 * read-only paths come after every mount, as runc applies them last. */
#define TL_MOUNTS_MAGIC 0x544e4d48u /* "HMNT" */
enum tl_mount_kind {
  TL_MOUNT_FILE = 1,     /* regular file with data */
  TL_MOUNT_DIR = 2,      /* directory */
  TL_MOUNT_SYMLINK = 3,  /* data is the target */
  TL_MOUNT_TMPFS = 4,    /* empty writable directory */
  TL_MOUNT_SPECIAL = 5,  /* a file system the LibOS provides; data is its type:
                            proc, sysfs, cgroup, cgroup2, devpts, mqueue */
  TL_MOUNT_MASKED = 6,   /* linux.maskedPaths entry: no data */
  TL_MOUNT_READONLY = 7, /* linux.readonlyPaths entry: no data */
  TL_MOUNT_WHITEOUT = 8  /* TL_MOUNT_LAYER only: the image's entry is deleted */
};
#define TL_MOUNT_ROOT (1u << 0) /* the entry is a mount point: hides the image below */
#define TL_MOUNT_RO (1u << 1)   /* read-only inside the trustlet */
/* Part of the rootfs itself (the upper layer of an overlay rootfs, whose
 * lower layers are the image), merged like an overlay upper: no mount point,
 * directories merge with the image's unless TL_MOUNT_OPAQUE. */
#define TL_MOUNT_LAYER (1u << 2)
#define TL_MOUNT_OPAQUE (1u << 3)

struct tl_mounts {
  uint32_t magic;
  uint32_t count;
  uint64_t size; /* whole blob */
};

struct tl_mount_entry {
  uint32_t kind;
  uint32_t flags;
  uint32_t mode;
  uint32_t uid, gid;
  uint32_t path_len;
  uint64_t data_len;
  int64_t mtime_sec;
  int64_t mtime_nsec;
};

/* The seccomp policy blob: the header with a per-syscall index, then
 * nrules rules, then nconds conditions. The rules of syscall n are
 * [first[n], first[n + 1]); each rule's conditions are ANDed. An action is
 * kind << 16 | data, kinds numbered in the kernel's precedence order. */
#define TL_POLICY_MAGIC 0x4c4f5048u /* "HPOL" */
#define TL_POLICY_NR 512            /* syscall numbers the index covers */
#define TL_POLICY_MAX_RULES 16384
#define TL_POLICY_MAX_CONDS 16384
#define TL_POLICY_LOG (1u << 0)    /* SECCOMP_FILTER_FLAG_LOG: log all but allow */
#define TL_POLICY_ENOSYS (1u << 1) /* runc's stub: numbers above enosys_above: ENOSYS */
enum tl_policy_kind {
  TL_SC_ALLOW = 0,
  TL_SC_LOG = 1,
  TL_SC_TRACE = 2, /* no tracer: ENOSYS */
  TL_SC_ERRNO = 3, /* data: errno, at most 4095 */
  TL_SC_TRAP = 4,
  TL_SC_KILL_THREAD = 5,
  TL_SC_KILL_PROCESS = 6,
};
#define TL_SC_ACTION(kind, data) ((uint32_t)(kind) << 16 | (uint32_t)(data))
#define TL_SC_KIND(action) ((action) >> 16)
#define TL_SC_DATA(action) ((action)&0xffffu)
enum tl_policy_op {
  TL_SC_NE = 1,
  TL_SC_LT = 2,
  TL_SC_LE = 3,
  TL_SC_EQ = 4,
  TL_SC_GE = 5,
  TL_SC_GT = 6,
  TL_SC_MASKED_EQ = 7, /* (arg & value) == value_two */
};

struct tl_policy {
  uint32_t magic;
  uint32_t flags; /* TL_POLICY_* */
  uint64_t size;  /* whole blob */
  uint32_t default_action;
  uint32_t enosys_above;
  uint32_t nrules;
  uint32_t nconds;
  uint16_t first[TL_POLICY_NR + 1];
  uint16_t _pad[3];
};

struct tl_policy_rule {
  uint32_t action;
  uint16_t cond_first, cond_count;
};

struct tl_policy_cond {
  uint8_t arg; /* 0..5 */
  uint8_t op;  /* enum tl_policy_op */
  uint16_t _pad0;
  uint32_t _pad1;
  uint64_t value;
  uint64_t value_two;
};

/* An exec event, followed (TL_EXEC_START) by strings_size bytes: argc
 * argument strings, envc environment strings and the cwd, each
 * NUL-terminated. The LibOS checks all of it: it comes from the host. */
enum tl_exec_kind {
  TL_EXEC_START = 1,  /* run a new process (hacher exec) */
  TL_EXEC_SIGNAL = 2, /* a signal for exec id's process (from its proxy) */
};
#define TL_EXEC_TERMINAL (1u << 0)       /* the three slots are one terminal */
#define TL_EXEC_NO_NEW_PRIVS (1u << 1)   /* process.noNewPrivileges */
#define TL_EXEC_STRINGS_MAX (128u << 10) /* argv + env + cwd */
struct tl_exec_event {
  uint32_t kind; /* enum tl_exec_kind */
  uint32_t id;   /* the monitor's exec id, never 0 */
  uint32_t signo;
  uint32_t flags;   /* TL_EXEC_* */
  uint32_t slot[3]; /* the process's stdin, stdout, stderr */
  uint32_t uid, gid;
  uint32_t argc, envc;
  uint32_t ngroups;
  uint32_t groups[TL_MAX_GROUPS];
  uint32_t strings_size;
  uint32_t _pad;
};

/* The page at TL_SHARED_GPA. */
struct tl_shared {
  struct tl_boot boot;
  struct tl_clock clock;
  struct tl_hc hc; /* the request slot of vCPU 0 */
  /* ABI 4: host signals for the function. The monitor ORs in bit (N - 1)
   * for signal N while the vCPU is stopped; the LibOS takes the bits (and
   * clears the word) at syscall exits and after blocking requests, and
   * decides: default action, ignore or handler. A blocking request returns
   * -EINTR at once while the word is non-zero. */
  uint64_t sig_pending;
  /* ABI 4, written by the LibOS: signals whose action is to end the function
   * and that are not blocked. The monitor ends the trustlet (128+N) on such a
   * host signal at once, so a function that makes no syscalls still stops. */
  uint64_t sig_fatal;
  /* ABI 4: when a host signal stops the vCPU in application code, the
   * monitor saves its registers here and resumes it at the LibOS's
   * signal_entry, so handlers run without waiting for a syscall. */
  struct tl_regs intr;
  /* ABI 4, written by the LibOS: signals with a handler that are not
   * blocked. An application fault whose signal is one of them goes to the
   * LibOS (intr + fault) instead of ending the function. */
  uint64_t sig_caught;
  struct tl_fault fault;
  /* ABI 5: set by the monitor when the tick (TL_HC_TICK) fired; the LibOS
   * clears it and switches tasks. Like a signal, the tick interrupts
   * application code through signal_entry. */
  uint32_t resched;
  uint32_t _pad5;
  /* ABI 5: the exec mailbox. exec_pending counts the exec events the
   * monitor holds for the guest, exec_size is the size of the first (header
   * and strings); the LibOS takes them with TL_HC_EXEC_TAKE. While it is
   * non-zero a blocking request returns -EINTR at once, as for sig_pending. */
  uint32_t exec_pending;
  uint32_t exec_size;
};
_Static_assert(sizeof(struct tl_shared) <= TL_PAGE_SIZE, "the shared block is one page");

#endif

#ifndef HACHER_TL_ABI_LOS_HEADER
#define HACHER_TL_ABI_LOS_HEADER
/* First bytes of the LibOS image, at TL_LOS_VA. */
#define TL_LOS_MAGIC 0x534f4c48u /* "HLOS" */
struct tl_los_header {
  uint32_t magic;
  uint32_t abi_version;
  uint64_t boot_entry;    /* VA; called with rdi = TL_SHARED_GPA */
  uint64_t syscall_entry; /* VA; the LSTAR target */
  uint64_t signal_entry;  /* VA; resumes an interrupted application (tl_shared.intr) */
};
#endif
