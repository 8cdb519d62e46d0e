/* hacher secret seal: encrypt stdin for a node key and a set of launch
 * measurements; the sealed blob goes to stdout. */
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "attest.h"
#include "commands.h"

#define SEAL_USAGE                                                                                 \
  "secret seal: usage: hacher secret seal --name NAME --measurement HEX [--measurement HEX...] "   \
  "[--cert CERT] < secret > sealed"

/* stdin, whole; wiped by the caller. */
static uint8_t *read_stdin(size_t *size)
{
  size_t cap = 4096, n = 0;
  uint8_t *buf = xmalloc(cap);
  ssize_t got;

  while ((got = read(0, buf + n, cap - n)) > 0) {
    n += (size_t)got;
    if (n == cap) {
      uint8_t *bigger = xmalloc(cap * 2);
      memcpy(bigger, buf, n);
      OPENSSL_cleanse(buf, cap);
      free(buf);
      buf = bigger;
      cap *= 2;
    }
  }
  *size = n;
  return buf;
}

static int seal(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                       {"measurement", required_argument, NULL, 'm'},
                                       {"cert", required_argument, NULL, 'c'},
                                       {NULL, 0, NULL, 0}};
  cleanup_free uint8_t(*meas)[TL_MEASUREMENT_SIZE] = xmalloc((size_t)argc * TL_MEASUREMENT_SIZE);
  struct hacher_secret_policy p = {NULL, NULL, 0};
  cleanup_free char *cert = NULL;
  uint8_t *plain, *out = NULL;
  size_t plain_size, out_size = 0;
  EVP_PKEY *pub;
  int opt, rc;

  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'n': p.name = optarg; break;
    case 'c':
      free(cert);
      cert = xstrdup(optarg);
      break;
    case 'm':
      if (hacher_parse_hex(optarg, meas[p.count++], TL_MEASUREMENT_SIZE) < 0)
        return hacher_error(err, 0, "secret seal: --measurement \"%s\": expected 96 hex digits",
                            optarg);
      break;
    default: return hacher_error(err, 0, SEAL_USAGE);
    }
  }
  if (p.name == NULL || p.count == 0 || optind != argc)
    return hacher_error(err, 0, SEAL_USAGE);
  if (isatty(1))
    return hacher_error(err, 0, "secret seal: stdout is a terminal; redirect it to a file");
  if (cert == NULL && hacher_node_cert_path(g->attest_dir, &cert, err) < 0)
    return -1;
  if (hacher_cert_public_key(cert, &pub, err) < 0)
    return -1;
  p.measurements = (const uint8_t(*)[TL_MEASUREMENT_SIZE])meas;
  plain = read_stdin(&plain_size);
  rc = hacher_secret_seal(&p, pub, plain, plain_size, &out, &out_size, err);
  OPENSSL_cleanse(plain, plain_size);
  free(plain);
  EVP_PKEY_free(pub);
  if (rc == 0 && fwrite(out, 1, out_size, stdout) != out_size)
    rc = hacher_error(err, 0, "secret seal: write to stdout failed");
  free(out);
  return rc;
}

int hacher_cmd_secret(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  if (argc >= 2 && strcmp(argv[1], "seal") == 0)
    return seal(g, argc - 1, argv + 1, err);
  return hacher_error(err, 0, "secret: usage: hacher secret seal ...");
}
