/* getrandom: a ChaCha20 keystream keyed by the per-trustlet seed (RFC 8439
 * block function); the key is replaced after every request (fast key erasure). */
#include "los.h"

static uint32_t key[8];
static uint64_t counter;

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                                                             \
  a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a,                \
                  d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7)

static void chacha_block(uint32_t out[16])
{
  uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  for (int i = 0; i < 8; i++)
    s[4 + i] = key[i];
  s[12] = (uint32_t)counter;
  s[13] = (uint32_t)(counter >> 32);
  s[14] = s[15] = 0;
  counter++;
  for (int i = 0; i < 16; i++)
    out[i] = s[i];
  for (int r = 0; r < 10; r++) {
    QR(out[0], out[4], out[8], out[12]);
    QR(out[1], out[5], out[9], out[13]);
    QR(out[2], out[6], out[10], out[14]);
    QR(out[3], out[7], out[11], out[15]);
    QR(out[0], out[5], out[10], out[15]);
    QR(out[1], out[6], out[11], out[12]);
    QR(out[2], out[7], out[8], out[13]);
    QR(out[3], out[4], out[9], out[14]);
  }
  for (int i = 0; i < 16; i++)
    out[i] += s[i];
}

void los_random_init(const uint8_t seed[32])
{
  memcpy(key, seed, sizeof(key));
}

void los_random(void *buf, size_t len)
{
  uint32_t block[16];
  uint8_t *p = buf;

  while (len > 0) {
    size_t n = LOS_MIN(len, sizeof(block));
    chacha_block(block);
    memcpy(p, block, n);
    p += n;
    len -= n;
  }
  chacha_block(block);
  memcpy(key, block, sizeof(key));
  memset(block, 0, sizeof(block));
}
