/* Sealed secrets: ECDH P-384 with the node key, HKDF-SHA384, AES-256-GCM;
 * the policy (name, allowed measurements) is authenticated as AAD. */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>

#include "../common/util.h"
#include "attest.h"

#define SEAL_MAGIC 0x43455348u /* "HSEC" */
#define SEAL_VERSION 1
#define SEAL_MAX_MEASUREMENTS 64
#define POINT_SIZE 97 /* uncompressed P-384 point */
#define IV_SIZE 12
#define TAG_SIZE 16
#define FIXED_SIZE (12 + 32 + POINT_SIZE + IV_SIZE)
#define SEAL_INFO "hacher-secret-v1"

/* The parsed header; pointers into the blob. */
struct sealed {
  const uint8_t *key_id, *point, *iv, *name, *meas, *ct, *tag;
  size_t name_len, count, ct_len, aad_len;
};

static uint32_t get_le(const uint8_t *p, int n)
{
  uint32_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static int parse(const char *name, const uint8_t *b, size_t size, struct sealed *s,
                 hacher_error_t *err)
{
  size_t off = FIXED_SIZE;

  if (size < FIXED_SIZE || get_le(b, 4) != SEAL_MAGIC)
    return hacher_error(err, 0, "secret \"%s\": not a sealed secret (bad magic or too short)",
                        name);
  if (get_le(b + 4, 2) != SEAL_VERSION)
    return hacher_error(err, 0, "secret \"%s\": sealed-secret version %u, expected %u", name,
                        get_le(b + 4, 2), SEAL_VERSION);
  s->name_len = get_le(b + 6, 2);
  s->count = get_le(b + 8, 2);
  s->key_id = b + 12;
  s->point = b + 44;
  s->iv = b + 44 + POINT_SIZE;
  s->name = b + off;
  if (s->count == 0 || s->count > SEAL_MAX_MEASUREMENTS ||
      size - off < s->name_len + s->count * TL_MEASUREMENT_SIZE + 4 + TAG_SIZE)
    return hacher_error(err, 0, "secret \"%s\": sealed blob is corrupted (truncated)", name);
  off += s->name_len;
  s->meas = b + off;
  off += s->count * TL_MEASUREMENT_SIZE;
  s->ct_len = get_le(b + off, 4);
  off += 4;
  s->aad_len = off;
  if (size - off != s->ct_len + TAG_SIZE)
    return hacher_error(err, 0, "secret \"%s\": sealed blob is corrupted (bad length)", name);
  s->ct = b + off;
  s->tag = b + off + s->ct_len;
  return 0;
}

/* ECDH between priv and peer, then HKDF-SHA384 to an AES-256 key. */
static int derive(EVP_PKEY *priv, EVP_PKEY *peer, const uint8_t key_id[32],
                  const uint8_t point[POINT_SIZE], uint8_t aes[32])
{
  EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(priv, NULL), *kc = NULL;
  uint8_t shared[48], info[sizeof(SEAL_INFO) - 1 + POINT_SIZE];
  size_t slen = sizeof(shared), alen = 32;
  int ok;

  memcpy(info, SEAL_INFO, sizeof(SEAL_INFO) - 1);
  memcpy(info + sizeof(SEAL_INFO) - 1, point, POINT_SIZE);
  ok = dc != NULL && EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, peer) == 1 &&
       EVP_PKEY_derive(dc, shared, &slen) == 1 &&
       (kc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) != NULL && EVP_PKEY_derive_init(kc) == 1 &&
       EVP_PKEY_CTX_set_hkdf_md(kc, EVP_sha384()) == 1 &&
       EVP_PKEY_CTX_set1_hkdf_salt(kc, key_id, 32) == 1 &&
       EVP_PKEY_CTX_set1_hkdf_key(kc, shared, (int)slen) == 1 &&
       EVP_PKEY_CTX_add1_hkdf_info(kc, info, sizeof(info)) == 1 &&
       EVP_PKEY_derive(kc, aes, &alen) == 1 && alen == 32;
  OPENSSL_cleanse(shared, sizeof(shared));
  EVP_PKEY_CTX_free(dc);
  EVP_PKEY_CTX_free(kc);
  return ok ? 0 : -1;
}

/* AES-256-GCM; enc: in -> out and tag written, else tag checked. */
static int gcm(bool enc, const uint8_t key[32], const uint8_t *iv, const uint8_t *aad,
               size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n = 0, ok;

  ok = c != NULL && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) == 1 &&
       EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
       (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1) &&
       (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_SIZE, tag) == 1) &&
       EVP_CipherFinal_ex(c, out + (len ? n : 0), &n) == 1 &&
       (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_SIZE, tag) == 1);
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : -1;
}

bool hacher_secret_name_ok(const char *n)
{
  size_t len = strlen(n);

  if (len == 0 || len > 64 || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
    return false;
  for (const char *p = n; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          strchr("._-", *p)))
      return false;
  return true;
}

int hacher_secret_seal(const struct hacher_secret_policy *p, EVP_PKEY *node_pub,
                       const uint8_t *plain, size_t plain_size, uint8_t **out, size_t *out_size,
                       hacher_error_t *err)
{
  size_t nlen = strlen(p->name), off = FIXED_SIZE, plen = 0;
  size_t total = FIXED_SIZE + nlen + p->count * TL_MEASUREMENT_SIZE + 4 + plain_size + TAG_SIZE;
  EVP_PKEY *eph = NULL;
  uint8_t aes[32], *b;
  int rc = -1;

  if (!hacher_secret_name_ok(p->name))
    return hacher_error(err, 0, "secret name \"%s\": use 1-64 of [A-Za-z0-9._-]", p->name);
  if (p->count == 0 || p->count > SEAL_MAX_MEASUREMENTS)
    return hacher_error(err, 0, "secret \"%s\": give 1 to %d measurements", p->name,
                        SEAL_MAX_MEASUREMENTS);
  if (plain_size > (64u << 20))
    return hacher_error(err, 0, "secret \"%s\": larger than 64 MiB", p->name);
  b = xmalloc0(total);
  put_le(b, SEAL_MAGIC, 4);
  put_le(b + 4, SEAL_VERSION, 2);
  put_le(b + 6, (uint32_t)nlen, 2);
  put_le(b + 8, (uint32_t)p->count, 2);
  memcpy(b + off, p->name, nlen);
  off += nlen;
  for (size_t i = 0; i < p->count; i++, off += TL_MEASUREMENT_SIZE)
    memcpy(b + off, p->measurements[i], TL_MEASUREMENT_SIZE);
  put_le(b + off, (uint32_t)plain_size, 4);
  off += 4;
  if (hacher_key_id(node_pub, b + 12, err) < 0)
    goto out;
  if ((eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")) == NULL ||
      EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, b + 44, POINT_SIZE,
                                      &plen) != 1 ||
      plen != POINT_SIZE || RAND_bytes(b + 44 + POINT_SIZE, IV_SIZE) != 1 ||
      derive(eph, node_pub, b + 12, b + 44, aes) < 0 ||
      gcm(true, aes, b + 44 + POINT_SIZE, b, off, plain, plain_size, b + off,
          b + off + plain_size) < 0) {
    hacher_error(err, 0, "secret \"%s\": sealing failed (OpenSSL)", p->name);
    goto out;
  }
  *out = b;
  *out_size = total;
  b = NULL;
  rc = 0;
out:
  OPENSSL_cleanse(aes, sizeof(aes));
  EVP_PKEY_free(eph);
  free(b);
  return rc;
}

static bool allowed(const struct sealed *s, const uint8_t m[TL_MEASUREMENT_SIZE])
{
  for (size_t i = 0; i < s->count; i++)
    if (memcmp(s->meas + i * TL_MEASUREMENT_SIZE, m, TL_MEASUREMENT_SIZE) == 0)
      return true;
  return false;
}

int hacher_secret_unseal(const char *name, const uint8_t measurement[TL_MEASUREMENT_SIZE],
                         EVP_PKEY *node_key, const uint8_t *blob, size_t blob_size, uint8_t **plain,
                         size_t *plain_size, hacher_error_t *err)
{
  struct sealed s = {0};
  uint8_t id[32], aes[32];
  EVP_PKEY *peer = NULL;
  uint8_t *pt;
  int rc = -1;

  if (parse(name, blob, blob_size, &s, err) < 0 || hacher_key_id(node_key, id, err) < 0)
    return -1;
  if (memcmp(id, s.key_id, sizeof(id)) != 0)
    return hacher_error(err, 0, "secret \"%s\": sealed for another node key", name);
  if (s.name_len != strlen(name) || memcmp(s.name, name, s.name_len) != 0) {
    /* the blob is not authenticated yet: show its name only if it is one */
    cleanup_free char *other = xmalloc(s.name_len + 1);
    memcpy(other, s.name, s.name_len);
    other[s.name_len] = '\0';
    if (!hacher_secret_name_ok(other))
      return hacher_error(err, 0, "secret \"%s\": sealed blob is corrupted (bad name)", name);
    return hacher_error(err, 0, "secret \"%s\": sealed under the name \"%s\"", name, other);
  }
  if (!allowed(&s, measurement))
    return hacher_error(err, 0, "secret \"%s\": sealed for other measurements", name);
  pt = xmalloc(s.ct_len + 1);
  if ((peer = EVP_PKEY_new()) == NULL || EVP_PKEY_copy_parameters(peer, node_key) != 1 ||
      EVP_PKEY_set1_encoded_public_key(peer, s.point, POINT_SIZE) != 1 ||
      derive(node_key, peer, s.key_id, s.point, aes) < 0 ||
      gcm(false, aes, s.iv, blob, s.aad_len, s.ct, s.ct_len, pt, (uint8_t *)s.tag) < 0) {
    OPENSSL_cleanse(pt, s.ct_len);
    free(pt);
    hacher_error(err, 0, "secret \"%s\": sealed blob is corrupted or was tampered with", name);
    goto out;
  }
  *plain = pt;
  *plain_size = s.ct_len;
  rc = 0;
out:
  OPENSSL_cleanse(aes, sizeof(aes));
  EVP_PKEY_free(peer);
  return rc;
}
