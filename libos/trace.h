/* The trace mode (hacher --debug, annotation io.hacher.trace): one
 * strace-like line per syscall through the monitor's log. */
#ifndef LOS_TRACE_H
#define LOS_TRACE_H

#include "syscall.h"

#define LOS_TRACE_TEXT 384

/* One call in progress: what must be read before it runs (strings, input
 * buffers) is formatted at entry, so the line written after the call shows
 * the arguments as the call saw them. Lives on the caller's stack, so a call
 * that blocks keeps its own. */
struct los_trace_call {
  uint64_t nr, a[6];
  uint16_t off[6], len[6]; /* argument i's captured text in text[] (len 0: none) */
  uint16_t used;
  char text[LOS_TRACE_TEXT];
};

/* Called only when los_proc.trace is set (syscall.c tests it once). */
void los_trace_enter(struct los_trace_call *t, const struct los_regs *r);
void los_trace_exit(struct los_trace_call *t, int64_t ret);

#endif
