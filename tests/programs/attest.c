/* attest --probe: print how /dev/attestation answers edge cases.
 * attest NONCE_HEX [SECRET_NAME MESSAGE]: write the nonce to
 * /dev/attestation/user_report_data, print the attestation type and the
 * report (hex); with a secret, print HMAC-SHA256(secret, MESSAGE) of
 * /run/secrets/SECRET_NAME. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The project's own SHA-256, compiled into this static program (the host
 * side checks the HMAC with OpenSSL). */
#include "../../common/sha256.c"

static void hmac(const uint8_t *key, size_t klen, const char *msg, uint8_t out[32])
{
  uint8_t k[64] = {0}, pad[64], inner[32];
  struct sha256_ctx s;
  if (klen > 64) {
    sha256_init(&s);
    sha256_update(&s, key, klen);
    sha256_final(&s, k);
  } else {
    memcpy(k, key, klen);
  }
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  sha256_init(&s);
  sha256_update(&s, pad, 64);
  sha256_update(&s, (const uint8_t *)msg, strlen(msg));
  sha256_final(&s, inner);
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  sha256_init(&s);
  sha256_update(&s, pad, 64);
  sha256_update(&s, inner, 32);
  sha256_final(&s, out);
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
