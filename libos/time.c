/* Clocks from the TSC, based on the monitor's calibration in tl_shared. */
#include "los.h"

static uint64_t rdtsc(void)
{
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

static uint64_t since_base(const struct tl_clock *c)
{
  uint64_t now = rdtsc();
  uint64_t delta = now > c->tsc ? now - c->tsc : 0;
  return (uint64_t)(((unsigned __int128)delta * c->mult) >> c->shift);
}

uint64_t los_time_realtime_ns(void)
{
  const struct tl_clock *c = &los_shared->clock;
  return c->realtime_ns + since_base(c);
}

uint64_t los_time_monotonic_ns(void)
{
  const struct tl_clock *c = &los_shared->clock;
  return c->monotonic_ns + since_base(c);
}
