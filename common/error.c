/* hacher_error_t: allocated error values with context wrapping. */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int hacher_error(hacher_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start(ap, fmt);
  msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (err == NULL) {
    free(msg);
    return -1;
  }
  hacher_error_release(err);
  *err = xmalloc0(sizeof(**err));
  (*err)->status = errnum;
  if (errnum != 0) {
    (*err)->msg = xasprintf("%s: %s", msg, strerror(errnum));
    free(msg);
  } else {
    (*err)->msg = msg;
  }
  return -1;
}

int hacher_error_wrap(hacher_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *ctx, *msg;

  if (err == NULL || *err == NULL)
    return -1;
  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  msg = xasprintf("%s: %s", ctx, (*err)->msg);
  free(ctx);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void hacher_error_release(hacher_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}
