/* Launch measurement, report layout and sealed secrets: known answers
 * (computed independently from docs/attestation.md) and round trips. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "../../common/sha256.h"
#include "../../monitor/measure.h"
#include "../../monitor/report.h"
#include "../../shim/attest.h"
#include "unit.h"

static char *const kat_argv[] = {"/bin/fn", "--x"};
static char *const kat_env[] = {"PATH=/bin", "A=1"};
static char *const kat_secrets[] = {"zeta", "alpha"};

static struct mon_config kat_config(void)
{
  struct mon_config c = {0};

  c.argv = kat_argv;
  c.argc = 2;
  c.envp = kat_env;
  c.envc = 2;
  c.cwd = "/work";
  c.uid = 1000;
  c.gid = 100;
  for (int i = 0; i < 32; i++)
    c.image_root[i] = (uint8_t)i;
  c.secret_names = kat_secrets;
  c.nsecrets = 2;
  return c;
}

static void measure_hex(const struct mon_config *c, uint64_t ram, char *hex)
{
  uint8_t m[TL_MEASUREMENT_SIZE];
  hacher_error_t err = NULL;

  CHECK(mon_measure_raw(c, "LIBOS-BYTES", 11, ram, m, &err) == 0);
  mon_hex(m, sizeof(m), hex);
}

/* Known answers from hack/measure-kat.py, which encodes kat_config() after
 * docs/attestation.md without this code (version 2 gave 242ad34d...). */
TEST(measure_known_answer)
{
  struct mon_config c = kat_config();
  char hex[2 * TL_MEASUREMENT_SIZE + 1];

  measure_hex(&c, 64ULL << 20, hex);
  CHECK_EQ_STR(hex, "040ee5d2aa544bc359c78360dafe0c994d9cfadf00a89228498d8e9a2a024dbe3989b21c"
                    "0c2d713a11ec6792bc96e131");
  c.trace = true;
  measure_hex(&c, 64ULL << 20, hex);
  CHECK_EQ_STR(hex, "6ea6664f76cfd977c7504b682ea4686292245b940d57ac0f1e6ca046d6a27e1145850b50"
                    "86d91788a10544aa380ab252");
}

TEST(measure_each_input_counts)
{
  struct mon_config c = kat_config();
  char base[97], other[97];
  char *const env2[] = {"PATH=/bin", "A=2"};
  char *const secrets_swapped[] = {"alpha", "zeta"};

  measure_hex(&c, 64ULL << 20, base);
  measure_hex(&c, 66ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
  c.envp = env2;
  measure_hex(&c, 64ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
  c = kat_config();
  c.uid = 0;
  measure_hex(&c, 64ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
  c = kat_config();
  c.image_root[31] ^= 1;
  measure_hex(&c, 64ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
  c = kat_config();
  c.nsecrets = 1;
  measure_hex(&c, 64ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
  /* version 2: the process settings and the seccomp policy count too */
  {
    static const struct mon_rlimit rl = {7, 512, 1024};
    static const uint32_t groups[] = {10};
    c = kat_config();
    c.umask = 077;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    c = kat_config();
    c.rlimits = &rl;
    c.nrlimits = 1;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    c = kat_config();
    c.groups = groups;
    c.ngroups = 1;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    c = kat_config();
    c.caps[TL_CAP_BOUNDING] = 1;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    c = kat_config();
    c.readonly_root = true;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    /* version 3: the trace mode */
    c = kat_config();
    c.trace = true;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
    c = kat_config();
    c.policy = "P";
    c.policy_size = 1;
    measure_hex(&c, 64ULL << 20, other);
    CHECK(strcmp(base, other) != 0);
  }
  /* the secret policy is a set: annotation order does not matter */
  c = kat_config();
  c.secret_names = secrets_swapped;
  measure_hex(&c, 64ULL << 20, other);
  CHECK_EQ_STR(base, other);
  /* length prefixes: moving a byte between two arguments is a change */
  char *const argv2[] = {"/bin/fn-", "-x"};
  c = kat_config();
  c.argv = argv2;
  measure_hex(&c, 64ULL << 20, other);
  CHECK(strcmp(base, other) != 0);
}

TEST(measure_rounds_memory_like_the_monitor)
{
  struct mon_config a = kat_config(), b = kat_config();
  uint8_t ma[TL_MEASUREMENT_SIZE], mb[TL_MEASUREMENT_SIZE];
  hacher_error_t err = NULL;

  a.ram_size = 64ULL << 20;
  b.ram_size = (64ULL << 20) + 4096; /* rounds down to the same 2 MiB multiple */
  CHECK(mon_measure(&a, ma, &err) == 0);
  CHECK(mon_measure(&b, mb, &err) == 0);
  CHECK(memcmp(ma, mb, sizeof(ma)) == 0);
}

static void kat_report(struct tl_report *r)
{
  uint8_t m[TL_MEASUREMENT_SIZE], d[TL_REPORT_DATA_SIZE], boot[16];

  memset(m, 0xaa, sizeof(m));
  for (int i = 0; i < 64; i++)
    d[i] = (uint8_t)i;
  memset(boot, 0x11, sizeof(boot));
  mon_report_body(r, m, d, boot, 7);
}

TEST(report_layout_known_answer)
{
  struct tl_report r;
  uint8_t h[32];
  char hex[65];

  kat_report(&r);
  sha256(&r, TL_REPORT_SIGNED_SIZE, h);
  mon_hex(h, sizeof(h), hex);
  CHECK_EQ_STR(hex, "5e701c5128dd7feb2c4c979e41e615efd9e518175f9f4ec0d37aeaa7b2ec1e79");
  CHECK_EQ_INT(sizeof(r), 256);
}

TEST(report_sign_verify)
{
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  hacher_error_t err = NULL;
  struct tl_report r;

  kat_report(&r);
  CHECK(mon_report_sign(&r, key, &err) == 0);
  CHECK_EQ_INT(mon_report_verify_sig(&r, key), 1);
  CHECK_EQ_INT(mon_report_verify_sig(&r, other), 0);
  r.counter++;
  CHECK_EQ_INT(mon_report_verify_sig(&r, key), 0);
  r.counter--;
  r.signature[95] ^= 1;
  CHECK_EQ_INT(mon_report_verify_sig(&r, key), 0);
  EVP_PKEY_free(key);
  EVP_PKEY_free(other);
}

TEST(secret_seal_unseal)
{
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  uint8_t m[2][TL_MEASUREMENT_SIZE], wrong[TL_MEASUREMENT_SIZE];
  struct hacher_secret_policy p = {"db", (const uint8_t(*)[TL_MEASUREMENT_SIZE])m, 2};
  uint8_t *blob = NULL, *plain = NULL;
  size_t size = 0, plain_size = 0;
  hacher_error_t err = NULL;

  memset(m[0], 1, sizeof(m[0]));
  memset(m[1], 2, sizeof(m[1]));
  memset(wrong, 3, sizeof(wrong));
  CHECK(hacher_secret_seal(&p, key, (const uint8_t *)"s3cret", 6, &blob, &size, &err) == 0);
  CHECK(hacher_secret_unseal("db", m[1], key, blob, size, &plain, &plain_size, &err) == 0);
  CHECK(plain_size == 6 && plain != NULL && memcmp(plain, "s3cret", 6) == 0);
  free(plain);
  CHECK(hacher_secret_unseal("db", wrong, key, blob, size, &plain, &plain_size, &err) < 0);
  CHECK_EQ_STR(err ? err->msg : NULL, "secret \"db\": sealed for other measurements");
  hacher_error_release(&err);
  CHECK(hacher_secret_unseal("db", m[0], other, blob, size, &plain, &plain_size, &err) < 0);
  CHECK_EQ_STR(err ? err->msg : NULL, "secret \"db\": sealed for another node key");
  hacher_error_release(&err);
  CHECK(hacher_secret_unseal("web", m[0], key, blob, size, &plain, &plain_size, &err) < 0);
  CHECK_EQ_STR(err ? err->msg : NULL, "secret \"web\": sealed under the name \"db\"");
  hacher_error_release(&err);
  /* the policy is authenticated: allowing `wrong` by editing fails */
  memcpy(blob + 12 + 32 + 97 + 12 + 2, wrong, sizeof(wrong));
  CHECK(hacher_secret_unseal("db", wrong, key, blob, size, &plain, &plain_size, &err) < 0);
  CHECK_EQ_STR(err ? err->msg : NULL,
               "secret \"db\": sealed blob is corrupted or was tampered with");
  hacher_error_release(&err);
  CHECK(hacher_secret_unseal("db", m[0], key, blob, size - 1, &plain, &plain_size, &err) < 0);
  hacher_error_release(&err);
  free(blob);
  EVP_PKEY_free(key);
  EVP_PKEY_free(other);
}
