/* ELF loader for static and static-PIE x86-64 executables from the image,
 * and the initial process stack (argv, envp, auxv). */
#include <linux/auxvec.h>
#include <linux/elf.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "elf_load.h"
#include "syscall.h"
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

/* Pick the file for argv[0] the way runc does: PATH search without a slash. */
static void resolve_program(const struct los_exec *ex, char *path, size_t size)
{
  const char *arg0 = ex->argv[0], *pathvar = NULL;

  if (strchr(arg0, '/') != NULL) {
    los_snprintf(path, size, "%s", arg0);
    return;
  }
  for (size_t i = 0; i < ex->envc; i++)
    if (strncmp(ex->envp[i], "PATH=", 5) == 0)
      pathvar = ex->envp[i] + 5;
  if (pathvar == NULL)
    pathvar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (find_in_path(arg0, pathvar, path, size) < 0)
    los_abort("exec \"%s\": executable file not found in $PATH", arg0);
}

static void check_header(const char *path, const Elf64_Ehdr *eh, int64_t got)
{
  if (got < 4 || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
    los_abort("exec \"%s\": not an ELF executable", path);
  if (eh->e_ident[EI_CLASS] != ELFCLASS64)
    los_abort("exec \"%s\": 32-bit ELF executables are not supported", path);
  if (got < (int64_t)sizeof(*eh) || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    los_abort("exec \"%s\": truncated or big-endian ELF header", path);
  if (eh->e_machine != EM_X86_64)
    los_abort("exec \"%s\": ELF machine %u is not x86-64", path, eh->e_machine);
  if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
    los_abort("exec \"%s\": ELF type %u is not an executable", path, eh->e_type);
  if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64)
    los_abort("exec \"%s\": bad ELF program headers", path);
}

/* Reserve the span of all PT_LOAD segments once (segments may share pages),
 * then copy each one from the image. */
static void load_segments(const char *path, struct los_file *f, const Elf64_Ehdr *eh,
                          const Elf64_Phdr *ph, struct los_image_info *info)
{
  uint64_t lo = ~0ULL, hi = 0, bias = 0;

  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_INTERP)
      los_abort("exec \"%s\": dynamically linked executables are not supported yet", path);
    if (ph[i].p_type != PT_LOAD)
      continue;
    if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr)
      los_abort("exec \"%s\": bad ELF segment %d", path, i);
    lo = LOS_MIN(lo, LOS_ALIGN_DOWN(ph[i].p_vaddr, LOS_PAGE));
    hi = LOS_MAX(hi, LOS_ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, LOS_PAGE));
  }
  if (hi <= lo)
    los_abort("exec \"%s\": no loadable ELF segments", path);
  if (eh->e_type == ET_DYN)
    bias = PIE_BASE - lo;
  if (los_mm_alloc_fixed(lo + bias, hi - lo, LOS_PROT_READ | LOS_PROT_WRITE | LOS_PROT_EXEC,
                         VMA_APP, false) < 0)
    los_abort("exec \"%s\": segments at 0x%lx-0x%lx do not fit in trustlet memory", path, lo + bias,
              hi + bias);
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD)
      continue;
    void *dst = (void *)(ph[i].p_vaddr + bias);
    if (vfs_read(f, dst, ph[i].p_filesz, ph[i].p_offset) != (int64_t)ph[i].p_filesz)
      los_abort("exec \"%s\": cannot read ELF segment %d", path, i);
  }
  info->entry = eh->e_entry + bias;
  info->phnum = eh->e_phnum;
  info->phdr = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_PHDR)
      info->phdr = ph[i].p_vaddr + bias;
    else if (ph[i].p_type == PT_LOAD && info->phdr == 0 && eh->e_phoff >= ph[i].p_offset &&
             eh->e_phoff - ph[i].p_offset < ph[i].p_filesz)
      info->phdr = ph[i].p_vaddr + bias + (eh->e_phoff - ph[i].p_offset);
  }
  info->brk = hi + bias;
}

void los_elf_load(const struct los_exec *ex, struct los_image_info *info)
{
  static char path[LOS_PATH_MAX];
  static Elf64_Phdr ph[64];
  Elf64_Ehdr eh;
  struct los_file *f;
  struct los_kstat st;
  int rc;

  resolve_program(ex, path, sizeof(path));
  los_seccomp_exec(path); /* execve is filtered before it looks at the file */
  rc = vfs_open(AT_FDCWD, path, O_RDONLY, 0, &f);
  if (rc == -ENOENT || rc == -ENOTDIR)
    los_abort("exec \"%s\": no such file or directory", path);
  if (rc < 0)
    los_abort("exec \"%s\": cannot open (error %d)", path, -rc);
  if (vfs_stat(&f->vn, &st) < 0 || !S_ISREG(st.mode))
    los_abort("exec \"%s\": not a regular file", path);
  if ((st.mode & 0111) == 0)
    los_abort("exec \"%s\": permission denied", path);
  memset(&eh, 0, sizeof(eh));
  check_header(path, &eh, vfs_read(f, &eh, sizeof(eh), 0));
  if (vfs_read(f, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff) !=
      (int64_t)(eh.e_phnum * sizeof(Elf64_Phdr)))
    los_abort("exec \"%s\": truncated ELF program headers", path);
  load_segments(path, f, &eh, ph, info);
  los_snprintf(los_proc.exe_path, sizeof(los_proc.exe_path), "%s", f->path);
  los_set_comm(path);
  file_put(f);
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
    los_abort("too many arguments or environment variables");
  execfn = sp = push_bytes(sp, los_proc.exe_path, strlen(los_proc.exe_path) + 1);
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
      AT_BASE,         0,
      AT_FLAGS,        0,
      AT_ENTRY,        info->entry,
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
