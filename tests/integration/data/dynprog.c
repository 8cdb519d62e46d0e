/* A dynamically linked test program (built by dynamic.bats with gcc and
 * musl-gcc, not by build-programs.sh, which builds static programs only).
 * Usage: dynprog MODE [ARG]
 *   start    what the loader handed over: auxv, phdrs, mapping permissions
 *   dlopen L dlopen library L (dynlib.c) and use its data, bss, TLS, constructor
 *   mmap F   file mappings as ld.so and programs make them, of file F
 *   futex    the single-task futex answers
 *   addr     where the program and the loader are (differ between runs)
 * Prints one line per check; a native run prints the same. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h> is not in musl's include path. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_WAKE_OP_PRIVATE 133
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OP_ADD_2_IF_EQ_1 ((1u << 28) | (0u << 24) | (2u << 12) | 1u)

extern void _start(void);

static const char rodata[] = "read-only data of the program";

static int first_phdr(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  *(const ElfW(Phdr) **)data = info->dlpi_phdr;
  return 1; /* the program comes first */
}

/* The permissions of the /proc/self/maps line holding p (in one of four
 * buffers, so one printf can show several). */
static const char *perms(const void *p)
{
  static char bufs[4][8];
  static int next;
  char line[512], *out = bufs[next++ % 4];
  FILE *f = fopen("/proc/self/maps", "r");
  uintptr_t a = (uintptr_t)p;

  snprintf(out, sizeof(bufs[0]), "none");
  if (f == NULL)
    return "no maps";
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned long lo, hi;
    char pr[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && a >= lo && a < hi) {
      snprintf(out, sizeof(bufs[0]), "%s", pr);
      break;
    }
  }
  fclose(f);
  return out;
}

static int start(void)
{
  const ElfW(Phdr) *ph = NULL;
  const unsigned char *base = (const unsigned char *)getauxval(AT_BASE);
  const char *execfn = (const char *)getauxval(AT_EXECFN);

  dl_iterate_phdr(first_phdr, &ph);
  printf("AT_ENTRY is _start: %s\n", getauxval(AT_ENTRY) == (uintptr_t)_start ? "yes" : "no");
  printf("AT_PHDR is the program's: %s\n", getauxval(AT_PHDR) == (uintptr_t)ph ? "yes" : "no");
  printf("AT_PHNUM: %s\n",
         getauxval(AT_PHNUM) > 0 && getauxval(AT_PHENT) == sizeof(*ph) ? "ok" : "bad");
  printf("AT_BASE is an ELF header: %s\n",
         base != NULL && memcmp(base, ELFMAG, SELFMAG) == 0 ? "yes" : "no");
  printf("AT_EXECFN: %s\n", execfn != NULL ? execfn : "(none)");
  printf("AT_RANDOM: %s\n", getauxval(AT_RANDOM) != 0 ? "yes" : "no");
  printf("loader mapping: %s\n", perms(base));
  printf("libc text: %s\n", perms((const void *)(uintptr_t)printf));
  printf("program text: %s\n", perms((const void *)(uintptr_t)start));
  printf("program rodata: %s\n", perms(rodata));
  printf("stack: %s\n", perms(&ph));
  return 0;
}

static int use_lib(const char *path)
{
  void *h = dlopen(path, RTLD_NOW);
  if (h == NULL) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  const char *(*describe)(void) = (const char *(*)(void))dlsym(h, "dynlib_describe");
  int (*tls_next)(void) = (int (*)(void))dlsym(h, "dynlib_tls_next");
  if (describe == NULL || tls_next == NULL) {
    printf("dlsym: %s\n", dlerror());
    return 1;
  }
  printf("%s\n", describe());
  int a = tls_next();
  int b = tls_next();
  printf("tls: %d %d\n", a, b);
  printf("dlclose: %d\n", dlclose(h));
  return 0;
}

static void say(const char *what, long rc)
{
  printf("%s: %s\n", what, rc < 0 ? strerror(errno) : "ok");
}

static int mmaps(const char *path)
{
  int fd = open(path, O_RDONLY), wfd = open(path, O_WRONLY);
  char buf[16384];
  ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf), 0);
  long pg = sysconf(_SC_PAGESIZE);

  if (n <= pg || n >= 2 * pg) {
    printf("%s: need a file of one to two pages\n", path);
    return 1;
  }
  /* private, with a zero tail past the end of the file */
  unsigned char *p = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, fd, 0);
  say("private", p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    int tail = 1;
    for (long i = n; i < 2 * pg; i++)
      tail &= p[i] == 0;
    printf("content: %s, tail zero: %s\n", memcmp(p, buf, n) == 0 ? "same" : "differs",
           tail ? "yes" : "no");
    munmap(p, 2 * pg);
  }
  /* an offset, executable */
  p = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, pg);
  say("offset, exec", p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    printf("content at offset: %s\n", memcmp(p, buf + pg, n - pg) == 0 ? "same" : "differs");
    printf("perms: %s\n", perms(p));
    munmap(p, pg);
  }
  /* MAP_FIXED over a reserved range, as ld.so maps segments */
  unsigned char *r = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(r, 0xaa, 3 * pg);
  p = mmap(r + pg, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  say("fixed", p == MAP_FAILED ? -1 : 0);
  printf("fixed placed: %s, neighbours kept: %s, content: %s\n", p == r + pg ? "yes" : "no",
         r[pg - 1] == 0xaa && r[2 * pg] == 0xaa ? "yes" : "no",
         memcmp(r + pg, buf, pg) == 0 ? "same" : "differs");
  printf("fixed perms: %s %s %s\n", perms(r), perms(r + pg), perms(r + 2 * pg));
  munmap(r, 3 * pg);
  /* writes to a private mapping stay private */
  p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  say("private writable", p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    char again[8];
    p[0] ^= 0xff;
    printf("file unchanged: %s\n",
           pread(fd, again, 1, 0) == 1 && again[0] == buf[0] ? "yes" : "no");
    munmap(p, pg);
  }
  /* read-only first (served from the image), writable later: the write is
   * the mapping's own; another mapping of the file still reads the file */
  p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p != MAP_FAILED && mprotect(p, pg, PROT_READ | PROT_WRITE) == 0) {
    unsigned char *q;
    p[1] ^= 0xff;
    q = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    printf("writable later, private: %s\n",
           q != MAP_FAILED && q[1] == (unsigned char)buf[1] && p[1] != q[1] ? "yes" : "no");
    munmap(q, pg);
  }
  munmap(p, pg);
  /* shared read-only */
  p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
  say("shared read-only", p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    printf("shared content: %s\n", memcmp(p, buf, pg) == 0 ? "same" : "differs");
    munmap(p, pg);
  }
  say("shared writable of a read-only fd",
      mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
  say("write-only fd", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wfd, 0) == MAP_FAILED ? -1 : 0);
  say("bad fd", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED ? -1 : 0);
  say("unaligned offset", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 1) == MAP_FAILED ? -1 : 0);
  int dfd = open("/", O_RDONLY | O_DIRECTORY);
  say("directory", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dfd, 0) == MAP_FAILED ? -1 : 0);
  return 0;
}

static long futex(uint32_t *u, int op, uint32_t val, const struct timespec *ts, uint32_t val3)
{
  return syscall(SYS_futex, u, op, val, ts, NULL, val3);
}

static int futexes(void)
{
  static uint32_t word = 5, word2 = 1;
  struct timespec rel = {0, 20 * 1000 * 1000}, now, abs, t0, t1;

  say("wait, value differs", futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL, 0));
  printf("wake: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0));
  clock_gettime(CLOCK_MONOTONIC, &t0);
  say("wait, relative timeout", futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, 0));
  clock_gettime(CLOCK_MONOTONIC, &now);
  abs = now;
  abs.tv_nsec += 20 * 1000 * 1000;
  if (abs.tv_nsec >= 1000000000) {
    abs.tv_sec++;
    abs.tv_nsec -= 1000000000;
  }
  say("wait_bitset, absolute timeout",
      futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, FUTEX_BITSET_MATCH_ANY));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("waited at least 40 ms: %s\n", ms >= 40 ? "yes" : "no");
  say("wait_bitset, no bits", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, 0));
  say("unaligned", futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE_PRIVATE, 1, NULL, 0));
  /* WAKE_OP: *word2 += 2 */
  long rc = syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &word2, FUTEX_OP_ADD_2_IF_EQ_1);
  printf("wake_op: %ld, word2 %u\n", rc, word2);
  return 0;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp(argv[1], "start") == 0)
    return start();
  if (argc >= 3 && strcmp(argv[1], "dlopen") == 0)
    return use_lib(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "mmap") == 0)
    return mmaps(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "futex") == 0)
    return futexes();
  if (argc >= 2 && strcmp(argv[1], "addr") == 0) {
    printf("%p %p\n", (void *)(uintptr_t)main, (void *)getauxval(AT_BASE));
    return 0;
  }
  fprintf(stderr, "usage: dynprog start|dlopen LIB|mmap FILE|futex|addr\n");
  return 2;
}
