/* Loading the application (elf.c). */
#ifndef LOS_ELF_LOAD_H
#define LOS_ELF_LOAD_H

#include "los.h"

struct los_exec {
  const char *path; /* execve's path; NULL: argv[0], searched in PATH */
  const char *const *argv;
  size_t argc;
  const char *const *envp;
  size_t envc;
};

struct los_image_info {
  uint64_t entry;    /* first instruction: the interpreter's entry, or the program's */
  uint64_t at_entry; /* the program's entry (AT_ENTRY) */
  uint64_t at_base;  /* where the interpreter is loaded (AT_BASE), 0 without one */
  uint64_t phdr, phnum, brk;
};

/* Find, check and load the program; start-up errors end the trustlet with a
 * message for the user (los_abort). */
void los_elf_load(const struct los_exec *ex, struct los_image_info *info);
/* execve: load into the current (new) address space and build the stack;
 * 0 or -errno (ENOENT, EACCES, ENOEXEC, ENOMEM, E2BIG). */
int los_elf_exec(const struct los_exec *ex, struct los_image_info *info, uint64_t top,
                 uint64_t *sp);
int los_elf_find(const struct los_exec *ex, char *path, size_t size);
/* Build the initial stack below top; returns the initial stack pointer. */
uint64_t los_build_stack(const struct los_exec *ex, const struct los_image_info *info,
                         uint64_t top);

#endif
