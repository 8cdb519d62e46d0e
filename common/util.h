/* Allocation (aborts on OOM), scope cleanup helpers and small file utilities. */
#ifndef HACHER_UTIL_H
#define HACHER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

void *xmalloc(size_t size);
void *xmalloc0(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

static inline void cleanup_freep(void *p)
{
  free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
  if (*fd >= 0)
    close(*fd);
}
static inline void cleanup_fclosep(FILE **f)
{
  if (*f != NULL)
    fclose(*f);
}
static inline void cleanup_errorp(hacher_error_t *err)
{
  hacher_error_release(err);
}
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_error __attribute__((cleanup(cleanup_errorp)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read a whole file into a NUL-terminated buffer; *size_out excludes the NUL. */
int read_file(const char *path, char **out, size_t *size_out, hacher_error_t *err);

/* Wait for child pid (retrying on EINTR): its exit status, 128+N after
 * signal N, or on_error when it cannot be waited for. */
int wait_status(pid_t pid, int on_error);
/* Handle the signals a foreground runtime passes on to its child (TERM,
 * INT, HUP, QUIT, USR1, USR2, ALRM, WINCH) with fn, restarting syscalls. */
void catch_forwarded_signals(void (*fn)(int));
/* Read fd until EOF or until its first byte is ok: 1 then; else 0 with
 * buf holding what came (NUL-terminated), e.g. "E" and a message. */
int read_verdict(int fd, char ok, char *buf, size_t size);

/* Write data to path atomically: temporary file in the same directory, fsync, rename. */
int write_file_atomic(const char *path, const void *data, size_t size, int mode,
                      hacher_error_t *err);

/* mkdir -p with mode for every created component. */
int mkdir_p(const char *path, int mode, hacher_error_t *err);

/* rm -rf; missing path is not an error. */
int remove_tree(const char *path, hacher_error_t *err);

#endif
