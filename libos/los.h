/* LibOS core: freestanding helpers, logging, hypercalls, memory, VFS. */
#ifndef LOS_H
#define LOS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/errno.h>

#include "../common/tl_abi.h"

#define LOS_PAGE 4096ULL
#define LOS_ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define LOS_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define LOS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LOS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LOS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define LOS_UNUSED __attribute__((unused))

/* lib.c: freestanding string and formatting functions */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int los_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int los_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* hc.c: hypercalls and messages to the monitor */
extern struct tl_shared *los_shared;
extern uint64_t los_phys_base;
/* Guest-physical address of a LibOS or application pointer. */
uint64_t los_gpa(const void *p);
int64_t los_hc(struct tl_hc *req);
/* Log one line through the monitor (prefixed by the monitor). */
void los_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up failure: the message reaches the user (create/run fail, status 1). */
__attribute__((noreturn)) void los_abort(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* A LibOS bug: ends the trustlet. */
__attribute__((noreturn)) void los_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void los_exit(int status, int signal);
int64_t los_host_write(int fd, const void *buf, uint64_t len);
/* A terminal request on stdio (TL_HC_IOCTL); len is the argument size. */
int64_t los_host_ioctl(int fd, uint32_t cmd, void *buf, uint64_t len);
int64_t los_host_read(int fd, void *buf, uint64_t len);
void los_discard(uint64_t start, uint64_t len);
void los_sleep_ns(uint64_t ns);
extern uint64_t los_idle_ns; /* time spent blocked in the monitor's sleep */

/* time.c */
uint64_t los_time_realtime_ns(void);
uint64_t los_time_monotonic_ns(void);

/* random.c: ChaCha20 stream seeded by the monitor */
void los_random_init(const uint8_t seed[32]);
void los_random(void *buf, size_t len);

/* mm.c: the application's address space and the LibOS heap */
#define LOS_PROT_READ 1
#define LOS_PROT_WRITE 2
#define LOS_PROT_EXEC 4
enum los_vma_kind { VMA_FREE, VMA_APP, VMA_HEAP, VMA_STACK, VMA_BRK, VMA_LIBOS };
#define LOS_MAP_SHARED 1              /* vma flag: a fork shares the pages */
#define LOS_APP_TOP 0x7ffffffff000ULL /* the top of every address space, as on Linux */
/* Frames from [lo, hi); the first address space becomes the current one. */
void los_mm_init(uint64_t lo, uint64_t hi);
struct los_mm;
struct los_mm *los_mm_new(void);
struct los_mm *los_mm_current(void);
/* A copy of src for a forked child; NULL when out of memory. */
struct los_mm *los_mm_fork(struct los_mm *src);
void los_mm_get(struct los_mm *mm);
void los_mm_put(struct los_mm *mm);
void los_mm_switch(struct los_mm *mm);
/* As los_mm_alloc/_fixed with vma flags (LOS_MAP_SHARED). */
uint64_t los_mm_map(uint64_t len, uint32_t prot, enum los_vma_kind kind, uint16_t flags);
int los_mm_map_fixed(uint64_t addr, uint64_t len, uint32_t prot, enum los_vma_kind kind,
                     bool replace, uint16_t flags);
void los_mm_mark_written(uint64_t addr, uint64_t len);
int los_mm_map_image(uint64_t addr, uint64_t len, uint32_t prot, const uint64_t *gpa);
void los_mm_write_page(uint64_t va, const void *src, uint64_t len);
int los_mm_protect_quiet(uint64_t addr, uint64_t len, uint32_t prot);
void los_mm_discard(uint64_t addr, uint64_t len);
/* The LibOS's view of a guest-physical address (the physmap). */
void *los_phys_va(uint64_t pa);
/* Reserve len bytes (page multiple) anywhere; 0 when out of memory. */
uint64_t los_mm_alloc(uint64_t len, uint32_t prot, enum los_vma_kind kind);
/* Reserve exactly [addr, addr+len); replaces what was there when replace. */
int los_mm_alloc_fixed(uint64_t addr, uint64_t len, uint32_t prot, enum los_vma_kind kind,
                       bool replace);
int los_mm_free(uint64_t addr, uint64_t len);
int los_mm_protect(uint64_t addr, uint64_t len, uint32_t prot);
/* True when [addr, addr+len) touches none of the LibOS heap: what munmap and
 * MAP_FIXED may change. */
bool los_mm_app_range(uint64_t addr, uint64_t len);
bool los_mm_covered(uint64_t addr, uint64_t len);
/* True when [addr, addr+len) is mapped application memory (user pointer check). */
bool los_user_ok(const void *addr, uint64_t len, bool write);
void los_brk_init(uint64_t start);
uint64_t los_brk(uint64_t want);
uint64_t los_stack_top_addr(void);
/* Bytes of the memory pool (application and LibOS heap) and how many are mapped. */
uint64_t los_mm_pool_size(void);
uint64_t los_mm_mapped(void);
/* The i-th mapped range in address order; false past the end. */
bool los_mm_vma(int i, uint64_t *start, uint64_t *end, uint32_t *prot, enum los_vma_kind *kind);
const char *los_mm_vma_name(int i);
void los_mm_set_name(uint64_t addr, uint64_t len, const char *path);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
char *kstrdup(const char *s);

/* Boot parameters, decoded once. */
struct los_proc {
  uint32_t uid, gid, umask;
  uint32_t ngroups;
  uint32_t groups[TL_MAX_GROUPS];
  const char *hostname;
  char domainname[65];
  bool readonly_root;
  bool trace;
  uint64_t rlim_cur[16], rlim_max[16];
  uint64_t caps[TL_CAP_SETS]; /* reported; the file permission checks honour them */
  uint64_t brk_start;
  uint64_t start_mono_ns, start_real_ns; /* when the trustlet started */
};
extern struct los_proc los_proc;

/* sys_proc.c: what uname and /proc/version say; the name */
#define LOS_UNAME_RELEASE "6.1.0-hacher"
#define LOS_UNAME_VERSION "#1 SMP hacher trustlet"
const char *los_comm(void);
void los_set_comm(const char *path); /* from the program's path, as execve does */
uint64_t los_sigmask(void);          /* signal.c: blocked signals */
uint64_t los_sigpending(void);       /* signal.c: pending signals */

#endif
