/* SHA-256 of a 4 KiB block with the SHA extensions (sha256_ni.c). */
#ifndef LOS_SHA256_NI_H
#define LOS_SHA256_NI_H

#include <stdint.h>

/* Clobbers vector registers: see sha256_ni.c. */
void los_sha256_ni_block(const void *block, uint8_t out[32]);

#endif
