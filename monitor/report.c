/* Attestation reports: a fixed 256-byte layout (tl_abi.h), signed by the
 * node key with ECDSA P-384 over SHA-384, signature as fixed-size r || s so
 * that the report size never varies. */
#include "report.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/util.h"

void mon_report_body(struct tl_report *r, const uint8_t measurement[TL_MEASUREMENT_SIZE],
                     const uint8_t data[TL_REPORT_DATA_SIZE], const uint8_t boot_id[16],
                     uint64_t counter)
{
  memset(r, 0, sizeof(*r));
  r->magic = TL_REPORT_MAGIC;
  r->version = TL_REPORT_VERSION;
  memcpy(r->platform, TL_REPORT_PLATFORM_KVM, sizeof(TL_REPORT_PLATFORM_KVM) - 1);
  memcpy(r->measurement, measurement, TL_MEASUREMENT_SIZE);
  memcpy(r->report_data, data, TL_REPORT_DATA_SIZE);
  memcpy(r->boot_id, boot_id, sizeof(r->boot_id));
  r->counter = counter;
}

int mon_report_sign(struct tl_report *r, EVP_PKEY *key, hacher_error_t *err)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char der[160];
  const unsigned char *p = der;
  size_t len = sizeof(der);
  ECDSA_SIG *sig = NULL;
  int ok;

  ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) == 1 &&
       EVP_DigestSign(ctx, der, &len, (const unsigned char *)r, TL_REPORT_SIGNED_SIZE) == 1 &&
       (sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL &&
       BN_bn2binpad(ECDSA_SIG_get0_r(sig), r->signature, 48) == 48 &&
       BN_bn2binpad(ECDSA_SIG_get0_s(sig), r->signature + 48, 48) == 48;
  ECDSA_SIG_free(sig);
  EVP_MD_CTX_free(ctx);
  OPENSSL_cleanse(der, sizeof(der));
  return ok ? 0 : hacher_error(err, 0, "sign the attestation report: ECDSA P-384 failed");
}

int mon_report_verify_sig(const struct tl_report *r, EVP_PKEY *key)
{
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *br = BN_bin2bn(r->signature, 48, NULL), *bs = BN_bin2bn(r->signature + 48, 48, NULL);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char *der = NULL;
  int len, rc = -1;

  if (sig == NULL || br == NULL || bs == NULL || ctx == NULL || ECDSA_SIG_set0(sig, br, bs) != 1)
    goto out;
  br = bs = NULL; /* owned by sig */
  len = i2d_ECDSA_SIG(sig, &der);
  if (len <= 0 || EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) != 1)
    goto out;
  rc = EVP_DigestVerify(ctx, der, (size_t)len, (const unsigned char *)r, TL_REPORT_SIGNED_SIZE);
  rc = rc == 1 ? 1 : rc == 0 ? 0 : -1;
out:
  OPENSSL_free(der);
  EVP_MD_CTX_free(ctx);
  BN_free(br);
  BN_free(bs);
  ECDSA_SIG_free(sig);
  return rc;
}

/* The file: 16 bytes of boot id, then the last counter (u64 LE). */
int mon_report_counter(int fd, const uint8_t boot_id[16], uint64_t *out, hacher_error_t *err)
{
  uint8_t buf[24] = {0};
  uint64_t c = 0;
  ssize_t n;
  int rc = 0;

  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return hacher_error(err, errno, "lock the report counter");
  n = pread(fd, buf, sizeof(buf), 0);
  if (n == (ssize_t)sizeof(buf) && memcmp(buf, boot_id, 16) == 0)
    for (int i = 0; i < 8; i++)
      c |= (uint64_t)buf[16 + i] << (8 * i);
  c++;
  memcpy(buf, boot_id, 16);
  for (int i = 0; i < 8; i++)
    buf[16 + i] = (uint8_t)(c >> (8 * i));
  if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
    rc = hacher_error(err, errno, "write the report counter");
  flock(fd, LOCK_UN);
  *out = c;
  return rc;
}
