/* hacher attest: the launch measurement of a bundle (nothing runs), the node
 * certificate, and checking or showing a trustlet's report. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "../monitor/measure.h"
#include "../monitor/report.h"
#include "attest.h"
#include "commands.h"
#include "container.h"
#include "launch.h"

/* The same preparation as create (image found or built through the cache),
 * without state, key or secrets. */
static int attest_measure(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {NULL, 0, NULL, 0}};
  const char *bundle = ".";
  struct hacher_container *c;
  struct hacher_launch l;
  int opt;

  while ((opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1)
    if (opt == 'b')
      bundle = optarg;
    else
      return hacher_error(err, 0, "attest measure: usage: hacher attest measure [--bundle DIR]");
  if (optind != argc)
    return hacher_error(err, 0, "attest measure: usage: hacher attest measure [--bundle DIR]");
  if (hacher_container_from_bundle(bundle, &c, err) < 0)
    return -1;
  if (hacher_launch_prepare(g, c, &l, err) < 0) {
    hacher_container_destroy(c, false);
    return -1;
  }
  printf("%s\n", l.measurement_hex);
  hacher_launch_release(&l);
  hacher_container_destroy(c, false);
  return 0;
}

static int attest_node_cert(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  cleanup_free char *path = NULL, *pem = NULL;

  if (argc != 1)
    return hacher_error(err, 0, "attest node-cert: usage: hacher attest node-cert");
  if (hacher_node_cert_path(g->attest_dir, &path, err) < 0 || read_file(path, &pem, NULL, err) < 0)
    return -1;
  fputs(pem, stdout);
  return 0;
}

/* A report file: the 256 raw bytes, or their hex (whitespace ignored). */
static int load_report(const char *path, struct tl_report *r, hacher_error_t *err)
{
  cleanup_free char *text = NULL, *hex = NULL;
  cleanup_free uint8_t *bytes = NULL;
  size_t size, n = 0;

  if (read_file(path, &text, &size, err) < 0)
    return -1;
  hex = xmalloc(size + 1);
  for (size_t i = 0; i < size; i++)
    if (!strchr(" \t\r\n", text[i]))
      hex[n++] = text[i];
  hex[n] = '\0';
  bytes = xmalloc(n / 2 + 1);
  if (n > 0 && n % 2 == 0 && hacher_parse_hex(hex, bytes, n / 2) == 0) {
    memcpy(text, bytes, n / 2); /* hex: what it encodes is the report */
    size = n / 2;
  }
  if (size != sizeof(*r))
    return hacher_error(err, 0,
                        "report \"%s\": %zu bytes, expected %zu (truncated or not a report)", path,
                        size, sizeof(*r));
  memcpy(r, text, sizeof(*r));
  return 0;
}

/* Report data on the command line: up to 64 bytes of hex, zero-padded. */
static int parse_report_data(const char *s, uint8_t out[TL_REPORT_DATA_SIZE])
{
  size_t n = strlen(s);
  cleanup_free char *padded = NULL;

  if (n % 2 != 0 || n > 2 * TL_REPORT_DATA_SIZE)
    return -1;
  padded = xmalloc(2 * TL_REPORT_DATA_SIZE + 1);
  memcpy(padded, s, n);
  memset(padded + n, '0', 2 * TL_REPORT_DATA_SIZE - n);
  padded[2 * TL_REPORT_DATA_SIZE] = '\0';
  return hacher_parse_hex(padded, out, TL_REPORT_DATA_SIZE);
}

static int mismatch(hacher_error_t *err, const char *what, const uint8_t *want, const uint8_t *got,
                    size_t n)
{
  char a[2 * TL_REPORT_DATA_SIZE + 1], b[2 * TL_REPORT_DATA_SIZE + 1];

  mon_hex(want, n, a);
  mon_hex(got, n, b);
  return hacher_error(err, 0, "verify: %s: expected %s, got %s", what, a, b);
}

/* Format, platform, signature, then what the verifier expects. */
static int check_report(const struct tl_report *r, EVP_PKEY *pub, const char *meas_hex,
                        const char *data_hex, hacher_error_t *err)
{
  uint8_t m[TL_MEASUREMENT_SIZE], d[TL_REPORT_DATA_SIZE];
  char platform[sizeof(r->platform) + 1] = {0};
  int sig;

  if (r->magic != TL_REPORT_MAGIC)
    return hacher_error(err, 0, "verify: magic: expected 0x%08x, got 0x%08x", TL_REPORT_MAGIC,
                        r->magic);
  if (r->version != TL_REPORT_VERSION)
    return hacher_error(err, 0, "verify: format version: expected %u, got %u", TL_REPORT_VERSION,
                        r->version);
  memcpy(platform, r->platform, sizeof(r->platform));
  if (strcmp(platform, TL_REPORT_PLATFORM_KVM) != 0)
    return hacher_error(err, 0, "verify: platform: expected \"%s\", got \"%s\"",
                        TL_REPORT_PLATFORM_KVM, platform);
  sig = mon_report_verify_sig(r, pub);
  if (sig != 1)
    return hacher_error(err, 0, "verify: signature: %s",
                        sig == 0 ? "does not match the certificate's public key"
                                 : "cannot be checked (OpenSSL error)");
  if (meas_hex != NULL && hacher_parse_hex(meas_hex, m, sizeof(m)) < 0)
    return hacher_error(err, 0, "verify: --measurement: expected 96 hex digits");
  if (meas_hex != NULL && memcmp(m, r->measurement, sizeof(m)) != 0)
    return mismatch(err, "measurement", m, r->measurement, sizeof(m));
  if (data_hex != NULL && parse_report_data(data_hex, d) < 0)
    return hacher_error(err, 0, "verify: --report-data: expected up to 128 hex digits");
  if (data_hex != NULL && memcmp(d, r->report_data, sizeof(d)) != 0)
    return mismatch(err, "report data", d, r->report_data, sizeof(d));
  return 0;
}

static int attest_verify(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"cert", required_argument, NULL, 'c'},
                                       {"measurement", required_argument, NULL, 'm'},
                                       {"report-data", required_argument, NULL, 'd'},
                                       {NULL, 0, NULL, 0}};
  const char *cert = NULL, *meas = NULL, *data = NULL;
  char hex[2 * TL_MEASUREMENT_SIZE + 1];
  struct tl_report r;
  EVP_PKEY *pub;
  int opt, rc;

  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'c': cert = optarg; break;
    case 'm': meas = optarg; break;
    case 'd': data = optarg; break;
    default:
      cert = NULL;
      optind = argc + 1;
      break;
    }
  }
  if (cert == NULL || optind + 1 != argc)
    return hacher_error(err, 0,
                        "attest verify: usage: hacher attest verify REPORT --cert CERT "
                        "[--measurement HEX] [--report-data HEX]");
  if (load_report(argv[optind], &r, err) < 0 || hacher_cert_public_key(cert, &pub, err) < 0)
    return -1;
  rc = check_report(&r, pub, meas, data, err);
  EVP_PKEY_free(pub);
  if (rc < 0)
    return -1;
  mon_hex(r.measurement, sizeof(r.measurement), hex);
  printf("report ok: platform %s (node key, no hardware root of trust), measurement %s, "
         "counter %llu\n",
         TL_REPORT_PLATFORM_KVM, hex, (unsigned long long)r.counter);
  return 0;
}

static int attest_show(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  char m[2 * TL_MEASUREMENT_SIZE + 1], d[2 * TL_REPORT_DATA_SIZE + 1], b[33], s[2 * 96 + 1];
  char platform[17] = {0};
  struct tl_report r;

  if (argc != 2)
    return hacher_error(err, 0, "attest show: usage: hacher attest show REPORT");
  if (load_report(argv[1], &r, err) < 0)
    return -1;
  memcpy(platform, r.platform, sizeof(r.platform));
  for (char *p = platform; *p; p++)
    if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
      *p = '?';
  mon_hex(r.measurement, sizeof(r.measurement), m);
  mon_hex(r.report_data, sizeof(r.report_data), d);
  mon_hex(r.boot_id, sizeof(r.boot_id), b);
  mon_hex(r.signature, sizeof(r.signature), s);
  printf("{\n  \"magic\": \"0x%08x\",\n  \"version\": %u,\n  \"platform\": \"%s\",\n"
         "  \"measurement\": \"%s\",\n  \"reportData\": \"%s\",\n  \"bootId\": \"%s\",\n"
         "  \"counter\": %llu,\n  \"signature\": \"%s\",\n  \"signatureVerified\": false\n}\n",
         r.magic, r.version, platform, m, d, b, (unsigned long long)r.counter, s);
  return 0;
}

int hacher_cmd_attest(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct {
    const char *name;
    hacher_cmd_fn fn;
  } subs[] = {{"measure", attest_measure},
              {"node-cert", attest_node_cert},
              {"verify", attest_verify},
              {"show", attest_show}};

  if (argc >= 2)
    for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
      if (strcmp(argv[1], subs[i].name) == 0)
        return subs[i].fn(g, argc - 1, argv + 1, err);
  return hacher_error(err, 0, "attest: usage: hacher attest measure|node-cert|verify|show ...");
}
