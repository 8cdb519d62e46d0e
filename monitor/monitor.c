/* mon_run: build a trustlet, run its vCPU loop, tear it down. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "measure.h"
#include "mon.h"
#include "report.h"

#define SZ_2M (2ULL << 20)

static struct mon_vm *current_vm;
/* Forwarded signals not yet handed to the guest: bit N - 1 for signal N. */
static volatile uint64_t pending_signals;
/* Self-pipe: wakes a blocking request (TL_HC_SLEEP/POLL/READ) even when the
 * signal arrives just before the monitor blocks. */
static int wake_pipe[2] = {-1, -1};

/* Signals the monitor turns into the function's signals; the rest keep their
 * default disposition (SIGKILL/SIGSTOP cannot be caught anyway). */
static const int forwarded_signals[] = {SIGTERM, SIGINT,  SIGHUP, SIGQUIT,
                                        SIGUSR1, SIGUSR2, SIGALRM};
/* SIGIO from the exec sockets (exec.c): something to accept or read. */
static volatile int exec_io;

/* The tick (SIGPROF): a reschedule request, not a signal for the function. */
static volatile int tick_pending;

static void on_tick(int sig)
{
  (void)sig;
  tick_pending = 1;
  if (current_vm != NULL)
    plat_kick(current_vm->plat);
}

static void on_signal(int sig)
{
  int saved = errno;

  __atomic_or_fetch(&pending_signals, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
  if (wake_pipe[1] >= 0 && write(wake_pipe[1], "s", 1) < 0) {
    /* full pipe: a wake-up is already waiting */
  }
  if (current_vm != NULL)
    plat_kick(current_vm->plat);
  errno = saved;
}

/* Not the function's signal: the vCPU stops (as for a forwarded signal) so
 * the loop reads the exec sockets. SA_RESTART keeps the wait for start
 * (exec.fifo) going. */
static void on_sigio(int sig)
{
  int saved = errno;

  (void)sig;
  exec_io = 1;
  if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
    /* full pipe: a wake-up is already waiting */
  }
  if (current_vm != NULL)
    plat_kick(current_vm->plat);
  errno = saved;
}

bool mon_signal_pending(void)
{
  return pending_signals != 0;
}

int mon_signal_wake_fd(void)
{
  return wake_pipe[0];
}

int mon_signal_first(void)
{
  uint64_t p = pending_signals;
  return p == 0 ? 0 : __builtin_ctzll(p) + 1;
}

static void install_signals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    wake_pipe[0] = wake_pipe[1] = -1; /* blocking requests then rely on EINTR alone */
  for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
    sigaction(forwarded_signals[i], &sa, NULL);
  sa.sa_handler = on_tick;
  sigaction(SIGPROF, &sa, NULL);
  sa.sa_handler = on_sigio;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGIO, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE for the function */
}

int mon_ram_size(int64_t requested, uint64_t *out, hacher_error_t *err)
{
  uint64_t r;

  if (requested <= 0) {
    *out = MON_DEFAULT_RAM;
    return 0;
  }
  r = (uint64_t)requested & ~(SZ_2M - 1);
  if (r < MON_MIN_RAM)
    return hacher_error(err, 0, "memory limit %lld is below the trustlet minimum of %llu MiB",
                        (long long)requested, MON_MIN_RAM >> 20);
  *out = r > TL_RAM_MAX ? TL_RAM_MAX : r;
  return 0;
}

static int map_image(struct mon_vm *vm, const char *path, hacher_error_t *err)
{
  cleanup_close int fd =
      vm->cfg->image_fd >= 0 ? dup(vm->cfg->image_fd) : open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return hacher_error(err, errno, "open image \"%s\"", path);
  if (fstat(fd, &st) < 0)
    return hacher_error(err, errno, "stat image \"%s\"", path);
  if (st.st_size <= 0)
    return hacher_error(err, 0, "image \"%s\" is empty", path);
  vm->image_size = (uint64_t)st.st_size;
  vm->image_map_size = (vm->image_size + TL_PAGE_SIZE - 1) & ~(TL_PAGE_SIZE - 1);
  vm->image = mmap(NULL, vm->image_map_size, PROT_READ, MAP_SHARED, fd, 0);
  if (vm->image == MAP_FAILED) {
    vm->image = NULL;
    return hacher_error(err, errno, "mmap image \"%s\"", path);
  }
  return 0;
}

/* The mounts blob and the seccomp policy each get a read-only slot, like
 * the image: a page-aligned private copy of the blob. */
static int map_blob(struct mon_vm *vm, uint32_t slot, uint64_t gpa, const void *data, size_t size,
                    uint8_t **copy, uint64_t *map_size, const char *what, hacher_error_t *err)
{
  if (size == 0)
    return 0;
  *map_size = (size + TL_PAGE_SIZE - 1) & ~(TL_PAGE_SIZE - 1);
  *copy = mmap(NULL, *map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*copy == MAP_FAILED) {
    *copy = NULL;
    return hacher_error(err, errno, "allocate %zu bytes for %s", size, what);
  }
  memcpy(*copy, data, size);
  return plat_map(vm->plat, slot, gpa, *copy, *map_size, true, err);
}

static int vm_create(struct mon_vm *vm, hacher_error_t *err)
{
  vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (vm->ram == MAP_FAILED) {
    vm->ram = NULL;
    return hacher_error(err, errno, "reserve %llu MiB of guest memory",
                        (unsigned long long)(vm->ram_size >> 20));
  }
  if (map_image(vm, vm->cfg->image_path, err) < 0 || plat_create(&vm->plat, err) < 0)
    return -1;
  if (plat_map(vm->plat, 0, 0, vm->ram, vm->ram_size, false, err) < 0 ||
      plat_map(vm->plat, 1, TL_IMAGE_GPA, vm->image, vm->image_map_size, true, err) < 0 ||
      map_blob(vm, 2, TL_MOUNTS_GPA, vm->cfg->mounts, vm->cfg->mounts_size, &vm->mounts,
               &vm->mounts_map_size, "mounts", err) < 0 ||
      map_blob(vm, 3, TL_POLICY_GPA, vm->cfg->policy, vm->cfg->policy_size, &vm->policy,
               &vm->policy_map_size, "the seccomp policy", err) < 0)
    return -1;
  if (vm->cfg->mounts_wipe) /* secrets: only the guest's copy remains */
    OPENSSL_cleanse((void *)vm->cfg->mounts, vm->cfg->mounts_size);
  return mon_boot_setup(vm, err);
}

static void vm_destroy(struct mon_vm *vm)
{
  plat_destroy(vm->plat);
  if (vm->image != NULL)
    munmap(vm->image, vm->image_map_size);
  if (vm->ram != NULL)
    munmap(vm->ram, vm->ram_size);
  if (vm->mounts != NULL)
    munmap(vm->mounts, vm->mounts_map_size);
  if (vm->policy != NULL)
    munmap(vm->policy, vm->policy_map_size);
  free(vm->fault);
  free(vm->abort_msg);
}

static void fault_with_rip(struct mon_vm *vm, const char *what)
{
  struct plat_regs r;
  plat_get_regs(vm->plat, &r);
  mon_fault(vm, "%s at rip 0x%llx", what, (unsigned long long)r.rip);
}

/* A vCPU stopped in application code (not the LibOS, not the ring-0 stubs)
 * resumes at the LibOS signal entry, which delivers and then returns to the
 * saved registers; elsewhere the LibOS sees the signal at its next check. */
static void interrupt_app(struct mon_vm *vm)
{
  struct tl_regs r;

  if (vm->los_signal_entry == 0 || plat_get_gprs(vm->plat, &r) < 0 || r.rip < TL_APP_BASE ||
      r.rip >= TL_LOS_VA)
    return;
  vm->shared->intr = r;
  r.rip = vm->los_signal_entry;
  if (plat_set_gprs(vm->plat, &r) < 0)
    mon_fault(vm, "cannot resume the guest at its signal entry");
}

/* Host signals go to the guest, whose LibOS runs the function's handler or
 * the default action; SIGKILL is never forwarded and ends the monitor. */
static void deliver_signal(struct mon_vm *vm)
{
  uint64_t sigs = __atomic_exchange_n(&pending_signals, 0, __ATOMIC_SEQ_CST);
  char drain[64];

  if (tick_pending) {
    tick_pending = 0;
    vm->shared->resched = 1;
    if (sigs == 0)
      interrupt_app(vm);
  }
  if (sigs == 0)
    return;
  while (wake_pipe[0] >= 0 && read(wake_pipe[0], drain, sizeof(drain)) > 0)
    ;
  log_debug("trustlet \"%s\": host signals 0x%llx for the function", vm->cfg->id,
            (unsigned long long)sigs);
  if (sigs & vm->shared->sig_fatal) {
    vm->done = true; /* what the LibOS would do at the function's next syscall */
    vm->status = 128 + __builtin_ctzll(sigs & vm->shared->sig_fatal) + 1;
    return;
  }
  vm->shared->sig_pending |= sigs;
  interrupt_app(vm);
}

/* Exec proxies: new requests and signals become events for the guest,
 * which a vCPU in application code sees at once (as a signal). */
static void deliver_exec(struct mon_vm *vm)
{
  char drain[64];

  if (!__atomic_exchange_n(&exec_io, 0, __ATOMIC_SEQ_CST))
    return;
  while (wake_pipe[0] >= 0 && read(wake_pipe[0], drain, sizeof(drain)) > 0)
    ; /* a signal's byte may go too: its bit is still in pending_signals */
  if (mon_exec_poll(vm))
    interrupt_app(vm);
}

bool mon_signal_waiting(struct mon_vm *vm)
{
  deliver_exec(vm);
  deliver_signal(vm);
  return vm->shared->sig_pending != 0 || vm->shared->exec_pending != 0;
}

static void handle_exit(struct mon_vm *vm, const struct plat_exit *ex)
{
  char what[160];

  switch (ex->kind) {
  case PLAT_EXIT_IO:
    if (ex->port == TL_EXC_PORT)
      mon_exception(vm, ex->value);
    else {
      snprintf(what, sizeof(what), "write to unknown I/O port 0x%x", ex->port);
      fault_with_rip(vm, what);
    }
    break;
  case PLAT_EXIT_SIGNAL: deliver_signal(vm); break;
  case PLAT_EXIT_HALT: fault_with_rip(vm, "guest halted"); break;
  case PLAT_EXIT_SHUTDOWN: fault_with_rip(vm, "guest triple fault"); break;
  case PLAT_EXIT_MMIO:
    if (ex->addr == TL_HC_DOORBELL && ex->mmio_write32) {
      mon_hypercall(vm, ex->value);
      break;
    }
    snprintf(what, sizeof(what), "guest access to unmapped address 0x%llx",
             (unsigned long long)ex->addr);
    fault_with_rip(vm, what);
    break;
  case PLAT_EXIT_FAIL: fault_with_rip(vm, ex->detail); break;
  }
}

static int vm_loop(struct mon_vm *vm, hacher_error_t *err)
{
  struct plat_exit ex;

  while (!vm->done) {
    deliver_exec(vm);
    deliver_signal(vm);
    if (plat_run(vm->plat, &ex, err) < 0)
      return -1;
    handle_exit(vm, &ex);
  }
  return 0;
}

/* Before the sandbox, while OpenSSL may still open files: fetch the signing
 * algorithms and seed the random generator (signing itself is left to the
 * first report, so trustlets that never ask pay nothing more). */
static int attest_warm_up(struct mon_vm *vm, hacher_error_t *err)
{
  EVP_MD_CTX *ctx;
  uint8_t b;
  int ok;

  if (vm->cfg->attest_key == NULL)
    return 0;
  ctx = EVP_MD_CTX_new();
  ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, vm->cfg->attest_key) == 1 &&
       RAND_bytes(&b, 1) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : hacher_error(err, 0, "attestation: cannot prepare the node key for signing");
}

int mon_run(const struct mon_config *cfg, int *status, hacher_error_t *err)
{
  struct mon_vm vm = {.cfg = cfg};
  int ret = -1;

  if (mon_ram_size((int64_t)cfg->ram_size, &vm.ram_size, err) < 0 ||
      mon_measure(cfg, vm.measurement, err) < 0 || attest_warm_up(&vm, err) < 0)
    return -1;
  install_signals();
  if (vm_create(&vm, err) < 0) {
    hacher_error_wrap(err, "trustlet \"%s\"", cfg->id);
    goto out;
  }
  if (mon_exec_init(&vm, err) < 0) {
    hacher_error_wrap(err, "trustlet \"%s\"", cfg->id);
    goto out;
  }
  current_vm = &vm;
  if (mon_sandbox(err) < 0) {
    hacher_error_wrap(err, "trustlet \"%s\"", cfg->id);
    goto out;
  }
  if (vm_loop(&vm, err) < 0)
    goto out;
  if (vm.fault != NULL) {
    hacher_error(err, 0, "trustlet \"%s\": %s; trustlet ended", cfg->id, vm.fault);
    goto out;
  }
  if (vm.abort_msg != NULL) {
    hacher_error(err, 0, "%s", vm.abort_msg);
    goto out;
  }
  *status = vm.status;
  ret = 0;
out:
  current_vm = NULL;
  mon_exec_shutdown(&vm);
  vm_destroy(&vm);
  return ret;
}
