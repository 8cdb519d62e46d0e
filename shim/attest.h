/* The node attestation key (ECDSA P-384) and its self-signed certificate,
 * the per-boot report counter, and sealed secrets (docs/attestation.md). */
#ifndef HACHER_ATTEST_H
#define HACHER_ATTEST_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/tl_abi.h"

#define HACHER_ATTEST_DIR_DEFAULT "/var/lib/hacher/attest"
#define HACHER_NODE_KEY_FILE "node-key.pem"
#define HACHER_NODE_CERT_FILE "node-cert.pem"
#define HACHER_COUNTER_FILE "report-counter"
/* io.hacher.secret.NAME=PATH: place the sealed secret PATH at /run/secrets/NAME */
#define HACHER_SECRET_ANNOTATION "io.hacher.secret."
#define HACHER_MEASUREMENT_ANNOTATION "io.hacher.measurement"

/* The node key, created with its certificate on first use (directory 0700,
 * key 0600, each written atomically, creation under a lock). Caller frees
 * *key with EVP_PKEY_free. */
int hacher_node_key(const char *dir, EVP_PKEY **key, hacher_error_t *err);

/* DIR/node-cert.pem, creating the key first when needed. Caller frees. */
int hacher_node_cert_path(const char *dir, char **path, hacher_error_t *err);

/* The public key of the PEM certificate at path. Caller frees. */
int hacher_cert_public_key(const char *path, EVP_PKEY **key, hacher_error_t *err);

/* SHA-256 of the key's DER SubjectPublicKeyInfo: names a node key. */
int hacher_key_id(EVP_PKEY *key, uint8_t id[32], hacher_error_t *err);

/* The node's boot id (/proc/sys/kernel/random/boot_id) as 16 bytes. */
int hacher_boot_id(uint8_t id[16], hacher_error_t *err);

/* Open DIR/report-counter read-write (created 0600). Returns the fd. */
int hacher_report_counter_open(const char *dir, hacher_error_t *err);

/* Parse exactly 2n hex digits into out. -1 when s is not that. */
int hacher_parse_hex(const char *s, uint8_t *out, size_t n);

/* A secret name: 1-64 of [A-Za-z0-9._-], not "." or "..". */
bool hacher_secret_name_ok(const char *name);

/* Sealed secrets: the blob format is in docs/attestation.md. */
struct hacher_secret_policy {
  const char *name;
  const uint8_t (*measurements)[TL_MEASUREMENT_SIZE];
  size_t count;
};

/* Seal plaintext for the node whose certificate key is node_pub. *out is
 * allocated. */
int hacher_secret_seal(const struct hacher_secret_policy *p, EVP_PKEY *node_pub,
                       const uint8_t *plain, size_t plain_size, uint8_t **out, size_t *out_size,
                       hacher_error_t *err);

/* Check the blob's policy against name and measurement, then decrypt with
 * the node key. Errors name the secret and never show its content;
 * *plain is allocated and must be wiped (OPENSSL_cleanse) before free. */
int hacher_secret_unseal(const char *name, const uint8_t measurement[TL_MEASUREMENT_SIZE],
                         EVP_PKEY *node_key, const uint8_t *blob, size_t blob_size, uint8_t **plain,
                         size_t *plain_size, hacher_error_t *err);

#endif
