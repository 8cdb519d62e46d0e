/* attest --probe: print how /dev/attestation answers edge cases.
 * attest NONCE_HEX [SECRET_NAME MESSAGE]: write the nonce to
 * /dev/attestation/user_report_data, print the attestation type and the
 * report (hex); with a secret, print HMAC-SHA256(secret, MESSAGE) of
 * /run/secrets/SECRET_NAME. SHA-256 is written out here (no libraries). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

struct sha {
  uint32_t h[8];
  uint8_t buf[64];
  uint64_t len;
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(struct sha *s, const uint8_t *p)
{
  uint32_t w[64], v[8], t1, t2;
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  for (int i = 16; i < 64; i++)
    w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
           (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
  memcpy(v, s->h, sizeof(v));
  for (int i = 0; i < 64; i++) {
    t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
         K[i] + w[i];
    t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
         ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof(uint32_t));
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++)
    s->h[i] += v[i];
}

static void sha_init(struct sha *s)
{
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, h0, sizeof(h0));
  s->len = 0;
}

static void sha_update(struct sha *s, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    s->buf[s->len++ % 64] = p[i];
    if (s->len % 64 == 0)
      block(s, s->buf);
  }
}

static void sha_final(struct sha *s, uint8_t out[32])
{
  uint64_t bits = s->len * 8;
  uint8_t pad = 0x80, zero = 0, be[8];
  sha_update(s, &pad, 1);
  while (s->len % 64 != 56)
    sha_update(s, &zero, 1);
  for (int i = 0; i < 8; i++)
    be[i] = (uint8_t)(bits >> (56 - 8 * i));
  sha_update(s, be, 8);
  for (int i = 0; i < 32; i++)
    out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void hmac(const uint8_t *key, size_t klen, const char *msg, uint8_t out[32])
{
  uint8_t k[64] = {0}, pad[64], inner[32];
  struct sha s;
  if (klen > 64) {
    sha_init(&s);
    sha_update(&s, key, klen);
    sha_final(&s, k);
  } else {
    memcpy(k, key, klen);
  }
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  sha_init(&s);
  sha_update(&s, pad, 64);
  sha_update(&s, (const uint8_t *)msg, strlen(msg));
  sha_final(&s, inner);
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  sha_init(&s);
  sha_update(&s, pad, 64);
  sha_update(&s, inner, 32);
  sha_final(&s, out);
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
  printf("%s: ", label);
  for (size_t i = 0; i < n; i++)
    printf("%02x", p[i]);
  printf("\n");
}

static ssize_t read_all(const char *path, uint8_t *buf, size_t cap)
{
  int fd = open(path, O_RDONLY);
  ssize_t n, got = 0;
  if (fd < 0) {
    perror(path);
    return -1;
  }
  while ((size_t)got < cap && (n = read(fd, buf + got, cap - (size_t)got)) > 0)
    got += n;
  close(fd);
  return got;
}

/* Edge cases: an oversized write, reading the report data back, two
 * reports over the same data from one open each. */
static int probe(void)
{
  uint8_t big[65], back[128], r1[256], r2[256];
  struct stat st;
  int fd = open("/dev/attestation/user_report_data", O_RDWR);

  memset(big, 0x5a, sizeof(big));
  if (fd < 0)
    return 1;
  ssize_t n = write(fd, big, 65);
  printf("write 65: %zd errno %d\n", n, n < 0 ? errno : 0);
  printf("write 3: %zd\n", write(fd, "abc", 3));
  close(fd);
  printf("read back: %zd bytes, starts %.3s, byte 3 is %d\n",
         read_all("/dev/attestation/user_report_data", back, sizeof(back)), (char *)back, back[3]);
  if (stat("/dev/attestation/report", &st) < 0)
    return 1;
  printf("report: char device %d, mode %o\n", S_ISCHR(st.st_mode), st.st_mode & 0777);
  read_all("/dev/attestation/report", r1, sizeof(r1));
  read_all("/dev/attestation/report", r2, sizeof(r2));
  printf("same data, other counter: %d %d\n", memcmp(r1 + 72, r2 + 72, 64) == 0,
         memcmp(r1 + 152, r2 + 152, 8) != 0);
  return 0;
}

int main(int argc, char **argv)
{
  uint8_t nonce[64] = {0}, report[1024], secret[4096], mac[32];
  char type[64] = {0};
  size_t nlen;
  ssize_t n;
  int fd;

  if (argc == 2 && strcmp(argv[1], "--probe") == 0)
    return probe();
  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: attest NONCE_HEX [SECRET_NAME MESSAGE]\n");
    return 2;
  }
  nlen = strlen(argv[1]) / 2;
  if (nlen == 0 || nlen > sizeof(nonce))
    return 2;
  for (size_t i = 0; i < nlen; i++)
    sscanf(argv[1] + 2 * i, "%2hhx", &nonce[i]);
  if (read_all("/dev/attestation/attestation_type", (uint8_t *)type, sizeof(type) - 1) < 0)
    return 1;
  printf("type: %s", type);
  fd = open("/dev/attestation/user_report_data", O_WRONLY);
  if (fd < 0 || write(fd, nonce, sizeof(nonce)) != (ssize_t)sizeof(nonce)) {
    perror("/dev/attestation/user_report_data");
    return 1;
  }
  close(fd);
  if ((n = read_all("/dev/attestation/report", report, sizeof(report))) < 0)
    return 1;
  print_hex("report", report, (size_t)n);
  if (argc == 4) {
    char path[256];
    snprintf(path, sizeof(path), "/run/secrets/%s", argv[2]);
    if ((n = read_all(path, secret, sizeof(secret))) < 0)
      return 1;
    hmac(secret, (size_t)n, argv[3], mac);
    print_hex("hmac", mac, sizeof(mac));
  }
  return 0;
}
