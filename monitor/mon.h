/* Monitor internals shared by its source files. */
#ifndef HACHER_MON_H
#define HACHER_MON_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/tl_abi.h"
#include "monitor.h"
#include "platform.h"

/* A host stdio slot the guest names in TL_HC_READ/WRITE/POLL/IOCTL: slots
 * 0-2 are the container's stdio, each exec has three more (exec.c). */
struct mon_slot {
  int fd; /* -1: closed */
  bool terminal;
};

enum mon_exec_state { MON_EXEC_FREE, MON_EXEC_CONNECTED, MON_EXEC_QUEUED, MON_EXEC_RUNNING };

/* One `hacher exec` connection and the process it asks for. */
struct mon_exec {
  enum mon_exec_state state;
  uint32_t id;
  int conn;        /* the proxy's connection, -1 once it hung up */
  uint64_t sigs;   /* signals from the proxy not yet handed to the guest */
  bool sig_queued; /* a TL_EXEC_SIGNAL event is in the queue */
  struct tl_exec_event ev;
  char *strings; /* argv, env, cwd (ev.strings_size bytes) until the guest takes them */
};

/* Exec events for the guest, oldest first: index << 1 | 1 for a signal. */
#define MON_EXEC_QUEUE (2 * TL_EXEC_MAX)

struct mon_vm {
  const struct mon_config *cfg;
  struct plat_vm *plat;
  uint8_t *ram; /* host mapping of guest RAM [0, ram_size) */
  uint64_t ram_size;
  uint8_t *image;      /* host mapping of the image slot */
  uint64_t image_size; /* bytes of the image file */
  uint64_t image_map_size;
  uint8_t *mounts; /* page-aligned copy of the mounts blob, read-only slot */
  uint64_t mounts_map_size;
  uint8_t *policy; /* page-aligned copy of the seccomp policy, read-only slot */
  uint64_t policy_map_size;
  uint64_t los_phys;
  uint64_t los_syscall_entry; /* LibOS VA */
  uint64_t los_boot_entry;
  uint64_t los_signal_entry;                /* LibOS VA */
  struct tl_shared *shared;                 /* host view of TL_SHARED_GPA */
  uint8_t measurement[TL_MEASUREMENT_SIZE]; /* computed by mon_run from cfg */
  /* How the guest ended: set once. */
  bool done;
  int status;
  char *fault;     /* non-NULL when the guest misbehaved */
  char *abort_msg; /* non-NULL when the LibOS could not start the program */
  /* exec.c: stdio slots, exec connections and the event queue for the guest */
  struct mon_slot slots[TL_SLOTS_MAX];
  struct mon_exec execs[TL_EXEC_MAX];
  uint16_t queue[MON_EXEC_QUEUE];
  uint32_t nqueue;
  uint32_t next_id;
  uint32_t exec_cursor; /* where the search for a free exec starts: slots are not reused at once */
};

/* Access kinds for the checked-access helper. */
#define MON_READ 1u
#define MON_WRITE 2u

/* The one checked guest-access helper: translate [gptr, gptr+len) to a host
 * pointer when every byte lies in memory the guest may name in a request
 * (RAM above the boot structures; the image, read-only). Otherwise record a
 * fault naming the address, the request and file:line, and return NULL; the
 * caller must then return without touching guest memory. */
void *mon_guest_checked(struct mon_vm *vm, tl_gptr_t p, uint64_t len, unsigned access,
                        const char *what, const char *file, int line);
#define MON_GUEST(vm, p, len, access, what)                                                        \
  mon_guest_checked((vm), (p), (len), (access), (what), __FILE__, __LINE__)

/* Pure range check used by mon_guest_checked (exposed for unit tests): true
 * when [addr, addr+len) lies inside [base, base+size), without overflow. */
bool mon_range_ok(uint64_t addr, uint64_t len, uint64_t base, uint64_t size);

/* End the trustlet because the guest misbehaved (first call wins). */
void mon_fault(struct mon_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Build page tables, GDT/IDT/TSS, stubs, load the LibOS and the boot block. */
int mon_boot_setup(struct mon_vm *vm, hacher_error_t *err);

/* Handle one hypercall whose request block is at gpa. */
void mon_hypercall(struct mon_vm *vm, uint32_t gpa);

/* Handle a report from the ring-0 trap stubs. */
void mon_exception(struct mon_vm *vm, uint32_t vector);

/* True when a host signal for the function is waiting to be delivered. */
bool mon_signal_pending(void);
/* The lowest such signal, or 0. */
int mon_signal_first(void);
/* Hands pending host signals to the guest; true while the guest has not
 * taken them yet (a blocking request must then return -EINTR at once). */
bool mon_signal_waiting(struct mon_vm *vm);
/* Readable when a host signal arrived (poll it with a blocking request). */
int mon_signal_wake_fd(void);

/* exec.c. Slots 0-2 from cfg->stdio; the listening socket gets SIGIO. */
int mon_exec_init(struct mon_vm *vm, hacher_error_t *err);
/* Accept connections and read requests and signals from the proxies;
 * true when new events for the guest were queued. */
bool mon_exec_poll(struct mon_vm *vm);
/* The slot a request names: NULL with *rc = -EBADF when it is closed, or
 * NULL with *rc = 0 after a fault (an index no table has: a LibOS bug). */
struct mon_slot *mon_slot(struct mon_vm *vm, uint32_t idx, const char *what, int64_t *rc);
int64_t mon_exec_take(struct mon_vm *vm, const struct tl_hc *hc);
int64_t mon_exec_done(struct mon_vm *vm, const struct tl_hc *hc);
/* The trustlet ended: every proxy learns it, every slot is closed. */
void mon_exec_shutdown(struct mon_vm *vm);

/* Confine the monitor before guest code runs (sandbox.c). */
int mon_sandbox(hacher_error_t *err);

/* Refresh the guest's clock base. */
void mon_clock_update(struct mon_vm *vm);

#endif
