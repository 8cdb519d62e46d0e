/* SHA-256 (FIPS 180-4) without a crypto library: used by the LibOS (which has
 * none) and by host code on start-up paths, where initialising OpenSSL would
 * cost more than the hashing. Freestanding. */
#ifndef HACHER_SHA256_H
#define HACHER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t fill;
};

/* The round constants (FIPS 180-4 4.2.2), 16-byte aligned for vector loads. */
extern const uint32_t sha256_k[64];

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[32]);
/* One-shot digest of a buffer. */
void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
