/* Host-side error convention: fallible functions take hacher_error_t *err,
 * return a negative value and fill *err with an allocated {status, message}. */
#ifndef HACHER_ERROR_H
#define HACHER_ERROR_H

#include <stdarg.h>

struct hacher_error_s {
  int status; /* errno value, or 0 when the error is not an OS error */
  char *msg;
};
typedef struct hacher_error_s *hacher_error_t;

/* Set *err to "fmt...": strerror(errnum) (no suffix when errnum is 0).
 * Always returns -1 so callers can `return hacher_error(...)`. */
int hacher_error(hacher_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with context: "ctx: old message". Returns -1. */
int hacher_error_wrap(hacher_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void hacher_error_release(hacher_error_t *err);

#endif
