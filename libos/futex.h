#ifndef LOS_FUTEX_H
#define LOS_FUTEX_H
#include "los.h"
/* Wake up to n waiters on uaddr whose bitset meets bitset; how many woke. */
int los_futex_wake(uint64_t uaddr, int n, uint32_t bitset);
#endif
