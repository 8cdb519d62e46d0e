/* Fuzz target: sealed secret blobs (shim/secret.c), which come from files
 * named in a bundle's annotations. The key is a fixed test key, so the seed
 * corpus (sealed with it for measurement ab..ab, name "s") decrypts; any
 * mutation must give a clean error, never a crash or a plaintext. */
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim/attest.h"

static const char test_key[] = "-----BEGIN EC PRIVATE KEY-----\n"
                               "MIGkAgEBBDD5NJDUf9fK4H94X7ezR2gdFqIlDhIBKfIuX3lqw4V2zOmYAfQapuio\n"
                               "a2jmyRm7JRigBwYFK4EEACKhZANiAAQMxIALWc92eBczpy/P9WrmfAM+paFJkRok\n"
                               "/WmtF08TlUAAMxtRGQ8BHBc8IAYX2abYkwWlYXRvgg3XVN6otJ23GRuHR4l8XAbL\n"
                               "3Znxy8zRUrPWmmW4XBcUSXJzBTZm2pY=\n"
                               "-----END EC PRIVATE KEY-----\n";

static EVP_PKEY *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  BIO *b = BIO_new_mem_buf(test_key, -1);
  key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
  BIO_free(b);
  return key == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t m[TL_MEASUREMENT_SIZE];
  uint8_t *plain = NULL;
  size_t plain_size = 0;
  hacher_error_t err = NULL;

  memset(m, 0xab, sizeof(m));
  if (hacher_secret_unseal("s", m, key, data, size, &plain, &plain_size, &err) == 0) {
    OPENSSL_cleanse(plain, plain_size);
    free(plain);
  } else {
    hacher_error_release(&err);
  }
  return 0;
}
