/* SHA-256 of one 4 KiB block with the x86 SHA extensions. This file is built
 * with SSE enabled (unlike the rest of the LibOS): callers must save the
 * application's vector registers around it (los_digest_block does). */
#include <immintrin.h>
#include <stdint.h>

#include "../common/sha256.h"
#include "sha256_ni.h"

/* state0 holds (a, b, e, f) and state1 (c, d, g, h), high lane first, the
 * layout sha256rnds2 works on. */
static void compress(__m128i *state0, __m128i *state1, const uint8_t *p)
{
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i s0 = *state0, s1 = *state1, w[4], msg;

  for (int i = 0; i < 4; i++)
    w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
  for (int g = 0; g < 16; g++) {
    __m128i cur = w[g & 3];
    if (g >= 4) {
      /* w[g] = msg2(msg1(w[g-4], w[g-3]) + (w[g-2]:w[g-1] >> 32 bits), w[g-1]) */
      __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
      t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
      cur = w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
    }
    msg = _mm_add_epi32(cur, _mm_load_si128((const __m128i *)&sha256_k[4 * g]));
    s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
    s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0e));
  }
  *state0 = _mm_add_epi32(*state0, s0);
  *state1 = _mm_add_epi32(*state1, s1);
}

void los_sha256_ni_block(const void *block, uint8_t out[32])
{
  static const uint8_t pad[64] = {0x80, [62] = 0x80}; /* length 4096 bytes = 0x8000 bits */
  __m128i abcd = _mm_set_epi32(0xa54ff53a, 0x3c6ef372, 0xbb67ae85, 0x6a09e667);
  __m128i efgh = _mm_set_epi32(0x5be0cd19, 0x1f83d9ab, 0x9b05688c, 0x510e527f);
  __m128i t = _mm_shuffle_epi32(abcd, 0xb1); /* c d a b -> (b a d c) */
  __m128i s1 = _mm_shuffle_epi32(efgh, 0x1b);
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);
  const uint8_t *p = block;

  s1 = _mm_blend_epi16(s1, t, 0xf0);
  for (int i = 0; i < 4096; i += 64)
    compress(&s0, &s1, p + i);
  compress(&s0, &s1, pad);
  t = _mm_shuffle_epi32(s0, 0x1b);
  s1 = _mm_shuffle_epi32(s1, 0xb1);
  abcd = _mm_blend_epi16(t, s1, 0xf0);
  efgh = _mm_alignr_epi8(s1, t, 8);
  abcd = _mm_shuffle_epi8(abcd, _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL));
  efgh = _mm_shuffle_epi8(efgh, _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL));
  _mm_storeu_si128((__m128i *)out, abcd);
  _mm_storeu_si128((__m128i *)(out + 16), efgh);
}
