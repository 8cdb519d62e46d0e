/* The launch measurement: SHA-384 over a versioned, length-prefixed encoding
 * of everything that decides a trustlet's behaviour (docs/attestation.md). */
#ifndef HACHER_MEASURE_H
#define HACHER_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "monitor.h"

#define MON_MEASURE_TAG "hacher-launch-measurement"
#define MON_MEASURE_VERSION 3

/* Measure cfg with the embedded LibOS and the rounded memory size. Fails
 * only when the memory size is out of range or hashing fails. */
int mon_measure(const struct mon_config *cfg, uint8_t out[TL_MEASUREMENT_SIZE],
                hacher_error_t *err);

/* The same over given LibOS bytes and a final memory size (unit tests). */
int mon_measure_raw(const struct mon_config *cfg, const void *libos, size_t libos_size,
                    uint64_t ram_size, uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void mon_hex(const uint8_t *in, size_t n, char *out);

#endif
