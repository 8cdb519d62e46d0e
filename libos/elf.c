/* ELF loader for x86-64 executables from the image: static, static-PIE and
 * dynamically linked (the PT_INTERP interpreter is loaded too and entered
 * first, as Linux does), and the initial process stack (argv, envp, auxv). */
#include <linux/auxvec.h>
#include <linux/elf.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "elf_load.h"
#include "task.h"
#include "vfs.h"

#define PIE_BASE 0x400000ULL
#define AT_RANDOM_ 25
#define AT_EXECFN_ 31
#define AT_PLATFORM_ 15
#define AT_HWCAP_ 16
#define AT_HWCAP2_ 26
#define AT_CLKTCK_ 17
#define AT_SECURE_ 23
#define AT_MINSIGSTKSZ_ 51

/* During execve a failure returns to los_elf_exec with an errno (the old
 * program goes on); at start-up it ends the trustlet with the message. */
static uint64_t *exec_jmp;

int los_setjmp(uint64_t *buf) __attribute__((returns_twice));
__attribute__((noreturn)) void los_longjmp(uint64_t *buf, int val);
static void exec_cleanup(void);

__attribute__((noreturn, format(printf, 2, 3))) static void elf_fail(int err, const char *fmt, ...)
{
  char msg[600];
  va_list ap;

  if (exec_jmp != NULL) {
    exec_cleanup();
    los_longjmp(exec_jmp, err);
  }
  va_start(ap, fmt);
  los_vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  los_abort("%s", msg);
}

static int find_in_path(const char *name, const char *pathvar, char *out, size_t size)
{
  static struct vres r;
  const char *p = pathvar;

  while (*p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len + strlen(name) + 2 <= size) {
      memcpy(out, p, len);
      los_snprintf(out + len, size - len, "/%s", name);
      if (out[0] == '/' && vfs_resolve(AT_FDCWD, out, VFS_FOLLOW, &r) == 0 && r.exists) {
        struct los_kstat st;
        if (vfs_stat(&r.node, &st) == 0 && S_ISREG(st.mode) && (st.mode & 0111))
          return 0;
      }
    }
    p += len;
    if (*p == ':')
      p++;
  }
  return -ENOENT;
}

/* The program for argv[0] as runc picks it (PATH search without a slash):
 * 0 or -ENOENT. */
int los_elf_find(const struct los_exec *ex, char *path, size_t size)
{
  const char *arg0 = ex->argv[0], *pathvar = NULL;

  if (ex->path != NULL || strchr(arg0, '/') != NULL) {
    los_snprintf(path, size, "%s", ex->path != NULL ? ex->path : arg0);
    return 0;
  }
  for (size_t i = 0; i < ex->envc; i++)
    if (strncmp(ex->envp[i], "PATH=", 5) == 0)
      pathvar = ex->envp[i] + 5;
  if (pathvar == NULL)
    pathvar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return find_in_path(arg0, pathvar, path, size);
}

/* Pick the file for argv[0] the way runc does: PATH search without a slash. */
static void resolve_program(const struct los_exec *ex, char *path, size_t size)
{
  const char *arg0 = ex->argv[0], *pathvar = NULL;

  if (ex->path != NULL || strchr(arg0, '/') != NULL) {
    los_snprintf(path, size, "%s", ex->path != NULL ? ex->path : arg0);
    return;
  }
  if (0) {
    los_snprintf(path, size, "%s", arg0);
    return;
  }
  for (size_t i = 0; i < ex->envc; i++)
    if (strncmp(ex->envp[i], "PATH=", 5) == 0)
      pathvar = ex->envp[i] + 5;
  if (pathvar == NULL)
    pathvar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (find_in_path(arg0, pathvar, path, size) < 0)
    elf_fail(ENOENT, "exec \"%s\": executable file not found in $PATH", arg0);
}

static void check_header(const char *who, const Elf64_Ehdr *eh, int64_t got)
{
  if (got < 4 || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
    elf_fail(ENOEXEC, "%s: not an ELF executable", who);
  if (eh->e_ident[EI_CLASS] != ELFCLASS64)
    elf_fail(ENOEXEC, "%s: 32-bit ELF executables are not supported", who);
  if (got < (int64_t)sizeof(*eh) || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    elf_fail(ENOEXEC, "%s: truncated or big-endian ELF header", who);
  if (eh->e_machine != EM_X86_64)
    elf_fail(ENOEXEC, "%s: ELF machine %u is not x86-64", who, eh->e_machine);
  if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
    elf_fail(ENOEXEC, "%s: ELF type %u is not an executable", who, eh->e_type);
  if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64)
    elf_fail(ENOEXEC, "%s: bad ELF program headers", who);
}

/* One ELF file being loaded: the program or its interpreter. */
struct elf_obj {
  const char *who; /* prefix of error messages */
  struct los_file *f;
  Elf64_Ehdr eh;
  Elf64_Phdr ph[64];
  uint64_t lo, hi, align; /* page span of the PT_LOAD segments, largest p_align */
  uint64_t bias;          /* load address minus link address */
};

/* Open and check path; missing is what to say when it does not exist. */
static void elf_open(struct elf_obj *o, const char *path, const char *missing)
{
  struct los_kstat st;
  int rc = vfs_open(AT_FDCWD, path, O_RDONLY, 0, &o->f);
  int64_t got;

  if (rc == -ENOENT || rc == -ENOTDIR)
    elf_fail(ENOENT, "%s: %s", o->who, missing);
  if (rc < 0)
    elf_fail(-rc, "%s: cannot open (error %d)", o->who, -rc);
  if (vfs_stat(&o->f->vn, &st) < 0 || !S_ISREG(st.mode))
    elf_fail(EACCES, "%s: not a regular file", o->who);
  if ((st.mode & 0111) == 0)
    elf_fail(EACCES, "%s: permission denied", o->who);
  memset(&o->eh, 0, sizeof(o->eh));
  got = vfs_read(o->f, &o->eh, sizeof(o->eh), 0);
  check_header(o->who, &o->eh, got);
  if (vfs_read(o->f, o->ph, o->eh.e_phnum * sizeof(Elf64_Phdr), o->eh.e_phoff) !=
      (int64_t)(o->eh.e_phnum * sizeof(Elf64_Phdr)))
    elf_fail(ENOEXEC, "%s: truncated ELF program headers", o->who);
}

/* The page span of the PT_LOAD segments; they must be in address order and
 * map file pages to memory pages (p_vaddr = p_offset modulo the page). */
static void elf_span(struct elf_obj *o)
{
  uint64_t prev_end = 0;

  o->lo = ~0ULL;
  o->hi = 0;
  o->align = LOS_PAGE;
  for (int i = 0; i < o->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &o->ph[i];
    if (p->p_type != PT_LOAD)
      continue;
    if (p->p_filesz > p->p_memsz || p->p_vaddr + p->p_memsz < p->p_vaddr ||
        p->p_offset + p->p_filesz < p->p_offset || p->p_vaddr < prev_end ||
        ((p->p_vaddr - p->p_offset) & (LOS_PAGE - 1)) != 0 || p->p_vaddr > (1ULL << 47))
      elf_fail(ENOEXEC, "%s: bad ELF segment %d", o->who, i);
    prev_end = p->p_vaddr + p->p_memsz;
    o->lo = LOS_MIN(o->lo, LOS_ALIGN_DOWN(p->p_vaddr, LOS_PAGE));
    o->hi = LOS_MAX(o->hi, LOS_ALIGN_UP(p->p_vaddr + p->p_memsz, LOS_PAGE));
    if (p->p_align > o->align && (p->p_align & (p->p_align - 1)) == 0 && p->p_align <= (1ULL << 30))
      o->align = p->p_align;
  }
  if (o->hi <= o->lo)
    elf_fail(ENOEXEC, "%s: no loadable ELF segments", o->who);
}

static uint32_t seg_prot(uint32_t pf)
{
  return ((pf & PF_R) ? LOS_PROT_READ : 0) | ((pf & PF_W) ? LOS_PROT_WRITE : 0) |
         ((pf & PF_X) ? LOS_PROT_EXEC : 0);
}

/* The highest free range of len bytes aligned to align, below the stack
 * (where the mmap area starts, as Linux places an interpreter); 0 if none. */
static uint64_t find_free_top_down(uint64_t len, uint64_t align)
{
  uint64_t top = los_stack_top_addr(), start, end, s, e;
  uint32_t prot;
  enum los_vma_kind kind;
  int n = 0;

  while (los_mm_vma(n, &s, &e, &prot, &kind))
    n++;
  for (int i = n - 1; i >= -1; i--) {
    uint64_t gap_lo = TL_APP_BASE;
    if (i >= 0) {
      los_mm_vma(i, &start, &end, &prot, &kind);
      gap_lo = end;
    }
    if (top >= len && LOS_ALIGN_DOWN(top - len, align) >= gap_lo)
      return LOS_ALIGN_DOWN(top - len, align);
    if (i >= 0)
      top = start;
  }
  return 0;
}

/* Where a position-independent program goes: low in the application area,
 * like Linux's ELF_ET_DYN_BASE far below the mmap area (so brk has room to
 * grow), at a random offset of up to 1/16 of the memory pool. */
static uint64_t pie_base(uint64_t align)
{
  uint64_t window = LOS_MIN(los_mm_pool_size() / 16, 1ULL << 30), rnd;

  los_random(&rnd, sizeof(rnd));
  return LOS_ALIGN_UP(PIE_BASE + (window ? rnd % window : 0), align);
}

/* Reserve each segment's pages with its own protection (a page two
 * segments share gets the later one's, as with Linux's per-segment mmap),
 * then copy the file pages in; memory past p_filesz is fresh, so zero. */
static void elf_map(struct elf_obj *o)
{
  uint64_t prev_hi = 0;

  for (int i = 0; i < o->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &o->ph[i];
    if (p->p_type != PT_LOAD)
      continue;
    uint64_t lo = LOS_ALIGN_DOWN(p->p_vaddr, LOS_PAGE) + o->bias;
    uint64_t hi = LOS_ALIGN_UP(p->p_vaddr + p->p_memsz, LOS_PAGE) + o->bias;
    uint32_t prot = seg_prot(p->p_flags);
    int rc = 0;
    if (hi == lo)
      continue;
    /* writable while the file is copied in; the protection comes after */
    if (lo < prev_hi) {
      rc = los_mm_alloc_fixed(lo, LOS_MIN(prev_hi, hi) - lo, prot | LOS_PROT_WRITE, VMA_APP, true);
      lo = LOS_MIN(prev_hi, hi);
    }
    if (rc == 0 && lo < hi)
      rc = los_mm_alloc_fixed(lo, hi - lo, prot | LOS_PROT_WRITE, VMA_APP, false);
    if (rc < 0)
      elf_fail(ENOMEM, "%s: segments at 0x%lx-0x%lx do not fit in trustlet memory", o->who,
               o->lo + o->bias, o->hi + o->bias);
    prev_hi = LOS_MAX(prev_hi, hi);
  }
  for (int i = 0; i < o->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &o->ph[i];
    if (p->p_type != PT_LOAD || p->p_filesz == 0)
      continue;
    uint64_t head = p->p_offset & (LOS_PAGE - 1);
    void *dst = (void *)(p->p_vaddr - head + o->bias);
    if (vfs_read(o->f, dst, p->p_filesz + head, p->p_offset - head) !=
        (int64_t)(p->p_filesz + head))
      elf_fail(ENOEXEC, "%s: cannot read ELF segment %d", o->who, i);
    los_mm_mark_written((uint64_t)dst, p->p_filesz + head);
  }
  for (int i = 0; i < o->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &o->ph[i];
    uint64_t lo = LOS_ALIGN_DOWN(p->p_vaddr, LOS_PAGE) + o->bias;
    uint64_t hi = LOS_ALIGN_UP(p->p_vaddr + p->p_memsz, LOS_PAGE) + o->bias;
    if (p->p_type == PT_LOAD && hi > lo) {
      los_mm_protect_quiet(lo, hi - lo, seg_prot(p->p_flags));
      los_mm_set_name(lo, hi - lo, o->f->path);
    }
  }
}

/* Load o: ET_EXEC at its link address; a position-independent program low
 * (pie_base), an interpreter top-down below the stack. */
static void elf_load_at(struct elf_obj *o, bool interp)
{
  uint64_t base;

  elf_span(o);
  if (o->eh.e_type == ET_EXEC) {
    o->bias = 0;
  } else {
    base = interp ? find_free_top_down(o->hi - o->lo, o->align) : pie_base(o->align);
    if (base == 0)
      elf_fail(ENOMEM, "%s: no room for %lu bytes of segments in trustlet memory", o->who,
               o->hi - o->lo);
    o->bias = base - o->lo;
  }
  elf_map(o);
}

/* The program's PT_INTERP path, or NULL when it is statically linked. */
static const char *elf_interp(struct elf_obj *o, char *buf, size_t size)
{
  const Elf64_Phdr *ip = NULL;

  for (int i = 0; i < o->eh.e_phnum; i++) {
    if (o->ph[i].p_type != PT_INTERP)
      continue;
    if (ip != NULL)
      elf_fail(ENOEXEC, "%s: more than one ELF interpreter", o->who);
    ip = &o->ph[i];
  }
  if (ip == NULL)
    return NULL;
  if (ip->p_filesz < 2 || ip->p_filesz > size ||
      vfs_read(o->f, buf, ip->p_filesz, ip->p_offset) != (int64_t)ip->p_filesz ||
      buf[ip->p_filesz - 1] != '\0' || strlen(buf) != ip->p_filesz - 1)
    elf_fail(ENOEXEC, "%s: bad ELF interpreter path", o->who);
  return buf;
}

/* Where the program headers are in memory: PT_PHDR, or inside the mapped
 * file pages of a PT_LOAD segment. */
static uint64_t elf_phdr_addr(const struct elf_obj *o)
{
  for (int i = 0; i < o->eh.e_phnum; i++)
    if (o->ph[i].p_type == PT_PHDR)
      return o->ph[i].p_vaddr + o->bias;
  for (int i = 0; i < o->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &o->ph[i];
    uint64_t head = p->p_offset & (LOS_PAGE - 1);
    if (p->p_type == PT_LOAD && o->eh.e_phoff >= p->p_offset - head &&
        o->eh.e_phoff - (p->p_offset - head) < p->p_filesz + head)
      return p->p_vaddr + o->bias + (o->eh.e_phoff - p->p_offset);
  }
  return 0;
}

static struct elf_obj prog, interp;

static void exec_cleanup(void)
{
  if (prog.f != NULL)
    file_put(prog.f);
  if (interp.f != NULL)
    file_put(interp.f);
  prog.f = interp.f = NULL;
}

/* The program's path as execve got it (AT_EXECFN); /proc/self/exe says the
 * canonical one. */
static char exec_path[LOS_PATH_MAX];

void los_elf_load(const struct los_exec *ex, struct los_image_info *info)
{
  static char path[LOS_PATH_MAX], ipath[LOS_PATH_MAX], who[LOS_PATH_MAX + 32],
      iwho[2 * LOS_PATH_MAX + 64];
  const char *ip;

  resolve_program(ex, path, sizeof(path));
  los_seccomp_exec(path); /* execve is filtered before it looks at the file */
  los_snprintf(who, sizeof(who), "exec \"%s\"", path);
  prog.who = who;
  elf_open(&prog, path, "no such file or directory");
  ip = elf_interp(&prog, ipath, sizeof(ipath));
  elf_load_at(&prog, false);
  info->at_entry = prog.eh.e_entry + prog.bias;
  info->entry = info->at_entry;
  info->phnum = prog.eh.e_phnum;
  info->phdr = elf_phdr_addr(&prog);
  info->brk = prog.hi + prog.bias;
  info->at_base = 0;
  if (ip != NULL) {
    static char ibuf[LOS_PATH_MAX];
    los_snprintf(iwho, sizeof(iwho), "%s: interpreter \"%s\"", who, ip);
    interp.who = iwho;
    elf_open(&interp, ip, "no such file");
    if (elf_interp(&interp, ibuf, sizeof(ibuf)) != NULL)
      elf_fail(ENOEXEC, "%s: the interpreter itself has an interpreter", iwho);
    elf_load_at(&interp, true);
    info->entry = interp.eh.e_entry + interp.bias;
    info->at_base = interp.bias;
  }
  los_snprintf(los_curproc->exe_path, sizeof(los_curproc->exe_path), "%s", prog.f->path);
  los_snprintf(exec_path, sizeof(exec_path), "%s", path);
  los_set_comm(path);
  exec_cleanup();
}

/* The same for execve: 0, or -errno with nothing of the caller changed
 * except the address space it was loading into (the caller's to drop). */
int los_elf_exec(const struct los_exec *ex, struct los_image_info *info, uint64_t top, uint64_t *sp)
{
  uint64_t jb[8];
  int rc;

  prog.f = interp.f = NULL;
  if ((rc = los_setjmp(jb)) != 0) {
    exec_jmp = NULL;
    return -rc;
  }
  exec_jmp = jb;
  los_elf_load(ex, info);
  *sp = los_build_stack(ex, info, top);
  exec_jmp = NULL;
  return 0;
}

static uint64_t push_bytes(uint64_t sp, const void *data, size_t len)
{
  sp -= len;
  memcpy((void *)sp, data, len);
  return sp;
}

static uint32_t cpuid_edx1(void)
{
  uint32_t a = 1, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  return d;
}

uint64_t los_build_stack(const struct los_exec *ex, const struct los_image_info *info, uint64_t top)
{
  static uint64_t argp[4096], envpp[4096];
  uint8_t rnd[16];
  uint64_t sp = top, execfn, platform, random;
  size_t words;

  if (ex->argc >= LOS_ARRAY_SIZE(argp) || ex->envc >= LOS_ARRAY_SIZE(envpp))
    elf_fail(E2BIG, "too many arguments or environment variables");
  execfn = sp = push_bytes(sp, exec_path, strlen(exec_path) + 1);
  for (size_t i = ex->envc; i-- > 0;)
    envpp[i] = sp = push_bytes(sp, ex->envp[i], strlen(ex->envp[i]) + 1);
  for (size_t i = ex->argc; i-- > 0;)
    argp[i] = sp = push_bytes(sp, ex->argv[i], strlen(ex->argv[i]) + 1);
  platform = sp = push_bytes(sp, "x86_64", 7);
  los_random(rnd, sizeof(rnd));
  random = sp = push_bytes(LOS_ALIGN_DOWN(sp, 16), rnd, sizeof(rnd));
  uint64_t auxv[] = {
      AT_PHDR,         info->phdr,
      AT_PHENT,        sizeof(Elf64_Phdr),
      AT_PHNUM,        info->phnum,
      AT_PAGESZ,       LOS_PAGE,
      AT_BASE,         info->at_base,
      AT_FLAGS,        0,
      AT_ENTRY,        info->at_entry,
      AT_UID,          los_proc.uid,
      AT_EUID,         los_proc.uid,
      AT_GID,          los_proc.gid,
      AT_EGID,         los_proc.gid,
      AT_SECURE_,      0,
      AT_RANDOM_,      random,
      AT_EXECFN_,      execfn,
      AT_PLATFORM_,    platform,
      AT_HWCAP_,       cpuid_edx1(),
      AT_HWCAP2_,      0,
      AT_CLKTCK_,      100,
      AT_MINSIGSTKSZ_, 2048,
      AT_NULL,         0,
  };
  words = 1 + ex->argc + 1 + ex->envc + 1 + LOS_ARRAY_SIZE(auxv);
  sp = LOS_ALIGN_DOWN(sp - words * 8, 16);
  uint64_t *w = (uint64_t *)sp;
  *w++ = ex->argc;
  for (size_t i = 0; i < ex->argc; i++)
    *w++ = argp[i];
  *w++ = 0;
  for (size_t i = 0; i < ex->envc; i++)
    *w++ = envpp[i];
  *w++ = 0;
  memcpy(w, auxv, sizeof(auxv));
  return sp;
}
