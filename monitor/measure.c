/* The launch measurement. Every item is a little-endian u64 length followed
 * by its bytes, so no two different inputs encode alike; counts are 8-byte
 * items. Order (version 3): tag, version, LibOS, argc, argv..., envc,
 * env..., cwd, uid, gid, image root, memory size, secret count, sorted
 * secret names..., seccomp policy, readonly root, umask, group count,
 * groups..., rlimit count, (resource, soft, hard)..., the five capability
 * masks, the trace mode. Changing the order or an item is a new version. */
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

/* The items before the LibOS's: the same for every trustlet of one build. */
static int items_prefix(EVP_MD_CTX *ctx, const void *libos, size_t libos_size)
{
  int rc = item_str(ctx, MON_MEASURE_TAG);

  rc = rc ?: item_u64(ctx, MON_MEASURE_VERSION);
  return rc ?: item(ctx, libos, libos_size);
}

/* What else decides the function's behaviour, all from config.json. */
static int items_process(EVP_MD_CTX *ctx, const struct mon_config *cfg)
{
  int rc = item(ctx, cfg->policy ? cfg->policy : "", cfg->policy ? cfg->policy_size : 0);

  rc = rc ?: item_u64(ctx, cfg->readonly_root);
  rc = rc ?: item_u64(ctx, cfg->umask);
  rc = rc ?: item_u64(ctx, cfg->ngroups);
  for (size_t i = 0; i < cfg->ngroups && rc == 0; i++)
    rc = item_u64(ctx, cfg->groups[i]);
  rc = rc ?: item_u64(ctx, cfg->nrlimits);
  for (size_t i = 0; i < cfg->nrlimits && rc == 0; i++) {
    rc = item_u64(ctx, cfg->rlimits[i].resource);
    rc = rc ?: item_u64(ctx, cfg->rlimits[i].soft);
    rc = rc ?: item_u64(ctx, cfg->rlimits[i].hard);
  }
  for (int i = 0; i < TL_CAP_SETS && rc == 0; i++)
    rc = item_u64(ctx, cfg->caps[i]);
  /* version 3: tracing shows the function's data to the host */
  return rc ?: item_u64(ctx, cfg->trace);
}

static int items_config(EVP_MD_CTX *ctx, const struct mon_config *cfg, uint64_t ram_size)
{
  int rc = item_u64(ctx, cfg->argc);

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
  rc = rc ?: items_secrets(ctx, cfg);
  return rc ?: items_process(ctx, cfg);
}

/* Finish a hash whose prefix is in `prefix` (copied, so it can be reused). */
static int finish(const EVP_MD_CTX *prefix, const struct mon_config *cfg, uint64_t ram_size,
                  uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok;

  ok = ctx != NULL && EVP_MD_CTX_copy_ex(ctx, prefix) == 1 &&
       items_config(ctx, cfg, ram_size) == 0 && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
       n == TL_MEASUREMENT_SIZE;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : hacher_error(err, 0, "launch measurement: SHA-384 failed");
}

static EVP_MD_CTX *prefix_ctx(const void *libos, size_t libos_size)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();

  if (ctx != NULL && (EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) != 1 ||
                      items_prefix(ctx, libos, libos_size) != 0)) {
    EVP_MD_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

int mon_measure_raw(const struct mon_config *cfg, const void *libos, size_t libos_size,
                    uint64_t ram_size, uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err)
{
  EVP_MD_CTX *prefix = prefix_ctx(libos, libos_size);
  int rc;

  if (prefix == NULL)
    return hacher_error(err, 0, "launch measurement: SHA-384 failed");
  rc = finish(prefix, cfg, ram_size, out, err);
  EVP_MD_CTX_free(prefix);
  return rc;
}

/* The embedded LibOS is hashed once per process (create measures, then its
 * forked monitor measures again). */
int mon_measure(const struct mon_config *cfg, uint8_t out[TL_MEASUREMENT_SIZE], hacher_error_t *err)
{
  static EVP_MD_CTX *libos_prefix;
  uint64_t ram;

  if (mon_ram_size((int64_t)cfg->ram_size, &ram, err) < 0)
    return -1;
  if (libos_prefix == NULL)
    libos_prefix = prefix_ctx(mon_libos_start, (size_t)(mon_libos_end - mon_libos_start));
  if (libos_prefix == NULL)
    return hacher_error(err, 0, "launch measurement: SHA-384 failed");
  return finish(libos_prefix, cfg, ram, out, err);
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
