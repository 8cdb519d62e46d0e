/* The launch measurement. Every item is a little-endian u64 length followed
 * by its bytes, so no two different inputs encode alike; counts are 8-byte
 * items. Order (version 1): tag, version, LibOS, argc, argv..., envc,
 * env..., cwd, uid, gid, image root, memory size, secret count, sorted
 * secret names... Changing the order or an item is a new version. */
#include "measure.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

extern const uint8_t mon_libos_start[], mon_libos_end[];

static int item(EVP_MD_CTX *ctx, const void *p, uint64_t len)
{
  uint8_t le[8];

  for (int i = 0; i < 8; i++)
    le[i] = (uint8_t)(len >> (8 * i));
  return EVP_DigestUpdate(ctx, le, 8) == 1 && EVP_DigestUpdate(ctx, p, len) == 1 ? 0 : -1;
}

static int item_u64(EVP_MD_CTX *ctx, uint64_t v)
{
  uint8_t le[8];

  for (int i = 0; i < 8; i++)
    le[i] = (uint8_t)(v >> (8 * i));
  return item(ctx, le, 8);
}

static int item_str(EVP_MD_CTX *ctx, const char *s)
{
  return item(ctx, s ? s : "", s ? strlen(s) : 0);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Secret names sorted, so the annotation order does not matter. */
static int items_secrets(EVP_MD_CTX *ctx, const struct mon_config *cfg)
{
  cleanup_free const char **names = xmalloc((cfg->nsecrets + 1) * sizeof(*names));
  int rc = item_u64(ctx, cfg->nsecrets);

  for (size_t i = 0; i < cfg->nsecrets; i++)
    names[i] = cfg->secret_names[i];
  qsort(names, cfg->nsecrets, sizeof(*names), cmp_str);
  for (size_t i = 0; i < cfg->nsecrets && rc == 0; i++)
    rc = item_str(ctx, names[i]);
  return rc;
}

static int items(EVP_MD_CTX *ctx, const struct mon_config *cfg, const void *libos,
                 size_t libos_size, uint64_t ram_size)
{
  int rc = item_str(ctx, MON_MEASURE_TAG);

  rc = rc ?: item_u64(ctx, MON_MEASURE_VERSION);
  rc = rc ?: item(ctx, libos, libos_size);
  rc = rc ?: item_u64(ctx, cfg->argc);
  for (size_t i = 0; i < cfg->argc && rc == 0; i++)
    rc = item_str(ctx, cfg->argv[i]);
  rc = rc ?: item_u64(ctx, cfg->envc);
  for (size_t i = 0; i < cfg->envc && rc == 0; i++)
    rc = item_str(ctx, cfg->envp[i]);
  rc = rc ?: item_str(ctx, cfg->cwd ? cfg->cwd : "/");
  rc = rc ?: item_u64(ctx, cfg->uid);
  rc = rc ?: item_u64(ctx, cfg->gid);
  rc = rc ?: item(ctx, cfg->image_root, sizeof(cfg->image_root));
  rc = rc ?: item_u64(ctx, ram_size);
  return rc ?: items_secrets(ctx, cfg);
}

int mon_measure_raw(const struct mon_config *cfg, const void *libos, size_t libos_size,
                    uint64_t ram_size, uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok;

  ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) == 1 &&
       items(ctx, cfg, libos, libos_size, ram_size) == 0 && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
       n == TL_MEASUREMENT_SIZE;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : hacher_error(err, 0, "launch measurement: SHA-384 failed");
}

int mon_measure(const struct mon_config *cfg, uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err)
{
  uint64_t ram;

  if (mon_ram_size((int64_t)cfg->ram_size, &ram, err) < 0)
    return -1;
  return mon_measure_raw(cfg, mon_libos_start, (size_t)(mon_libos_end - mon_libos_start), ram, out,
                         err);
}

void mon_hex(const uint8_t *in, size_t n, char *out)
{
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}
