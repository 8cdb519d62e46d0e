/* The node attestation key and certificate under the attest directory. */
#include "attest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

#define CERT_DAYS 3650

static int ssl_error(hacher_error_t *err, const char *what, const char *path)
{
  return hacher_error(err, 0, "%s \"%s\": OpenSSL failed", what, path);
}

/* Write what a PEM writer produced into path atomically. */
static int write_bio(BIO *bio, const char *path, int mode, hacher_error_t *err)
{
  char *data;
  long len = BIO_get_mem_data(bio, &data);

  return len < 0 ? ssl_error(err, "write", path)
                 : write_file_atomic(path, data, (size_t)len, mode, err);
}

static int write_key(EVP_PKEY *key, const char *path, hacher_error_t *err)
{
  BIO *bio = BIO_new(BIO_s_secmem());
  int rc;

  if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
    rc = ssl_error(err, "write", path);
  else
    rc = write_bio(bio, path, 0600, err);
  BIO_free(bio);
  return rc;
}

static X509 *make_cert(EVP_PKEY *key)
{
  X509 *x = X509_new();
  X509_NAME *name;
  unsigned char serial[16];
  char host[64] = "";
  BIGNUM *bn = NULL;
  int ok;

  gethostname(host, sizeof(host) - 1);
  ok = x != NULL && RAND_bytes(serial, sizeof(serial)) == 1 && X509_set_version(x, 2) == 1;
  serial[0] &= 0x7f; /* a positive serial */
  ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) != NULL &&
       BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
       X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
       X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * CERT_DAYS) != NULL &&
       X509_set_pubkey(x, key) == 1 && (name = X509_get_subject_name(x)) != NULL &&
       X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"hacher", -1, -1,
                                  0) == 1 &&
       X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
                                  (const unsigned char *)"node attestation key (hacher-kvm)", -1,
                                  -1, 0) == 1 &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host, -1, -1,
                                  0) == 1 &&
       X509_set_issuer_name(x, name) == 1 && X509_sign(x, key, EVP_sha384()) > 0;
  BN_free(bn);
  if (!ok) {
    X509_free(x);
    return NULL;
  }
  return x;
}

static int write_cert(EVP_PKEY *key, const char *path, hacher_error_t *err)
{
  X509 *x = make_cert(key);
  BIO *bio = BIO_new(BIO_s_mem());
  int rc;

  if (x == NULL || bio == NULL || PEM_write_bio_X509(bio, x) != 1)
    rc = ssl_error(err, "write certificate", path);
  else
    rc = write_bio(bio, path, 0644, err);
  BIO_free(bio);
  X509_free(x);
  return rc;
}

static int read_key(const char *path, EVP_PKEY **key, hacher_error_t *err)
{
  FILE *f = fopen(path, "re");
  struct stat st;

  if (f == NULL)
    return hacher_error(err, errno, "open node key \"%s\"", path);
  if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
    fclose(f);
    return hacher_error(err, 0, "node key \"%s\": mode %o, must not be readable by group or others",
                        path, st.st_mode & 0777);
  }
  *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (*key == NULL || EVP_PKEY_get_base_id(*key) != EVP_PKEY_EC)
    return hacher_error(err, 0, "node key \"%s\": not an EC private key in PEM", path);
  return 0;
}

/* Under DIR/lock: make the key when it is missing, the certificate when it
 * is missing, and load the key. */
static int ensure_key(const char *dir, EVP_PKEY **key, hacher_error_t *err)
{
  cleanup_free char *kpath = xasprintf("%s/%s", dir, HACHER_NODE_KEY_FILE);
  cleanup_free char *cpath = xasprintf("%s/%s", dir, HACHER_NODE_CERT_FILE);
  int rc = 0;

  *key = NULL;
  if (access(kpath, F_OK) < 0) {
    *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (*key == NULL)
      return ssl_error(err, "generate node key", kpath);
    rc = write_key(*key, kpath, err);
    if (rc == 0)
      unlink(cpath); /* a certificate of an older key */
  } else {
    rc = read_key(kpath, key, err);
  }
  if (rc == 0 && access(cpath, F_OK) < 0)
    rc = write_cert(*key, cpath, err);
  if (rc < 0) {
    EVP_PKEY_free(*key);
    *key = NULL;
  }
  return rc;
}

int hacher_node_key(const char *dir, EVP_PKEY **key, hacher_error_t *err)
{
  cleanup_free char *lpath = xasprintf("%s/lock", dir);
  cleanup_close int fd = -1;

  if (mkdir_p(dir, 0700, err) < 0)
    return hacher_error_wrap(err, "attestation directory");
  fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return hacher_error(err, errno, "open \"%s\"", lpath);
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return hacher_error(err, errno, "lock \"%s\"", lpath);
  return ensure_key(dir, key, err);
}

int hacher_node_cert_path(const char *dir, char **path, hacher_error_t *err)
{
  EVP_PKEY *key;

  if (hacher_node_key(dir, &key, err) < 0)
    return -1;
  EVP_PKEY_free(key);
  *path = xasprintf("%s/%s", dir, HACHER_NODE_CERT_FILE);
  return 0;
}

int hacher_cert_public_key(const char *path, EVP_PKEY **key, hacher_error_t *err)
{
  FILE *f = fopen(path, "re");
  X509 *x;

  if (f == NULL)
    return hacher_error(err, errno, "open certificate \"%s\"", path);
  x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (x == NULL)
    return hacher_error(err, 0, "certificate \"%s\": not a PEM X.509 certificate", path);
  *key = X509_get_pubkey(x);
  X509_free(x);
  if (*key == NULL || EVP_PKEY_get_base_id(*key) != EVP_PKEY_EC) {
    EVP_PKEY_free(*key);
    return hacher_error(err, 0, "certificate \"%s\": not an EC (P-384) public key", path);
  }
  return 0;
}

int hacher_key_id(EVP_PKEY *key, uint8_t id[32], hacher_error_t *err)
{
  unsigned char *der = NULL;
  int len = i2d_PUBKEY(key, &der);
  int ok = len > 0 && EVP_Digest(der, (size_t)len, id, NULL, EVP_sha256(), NULL) == 1;

  OPENSSL_free(der);
  return ok ? 0 : hacher_error(err, 0, "node key: cannot encode the public key");
}

int hacher_parse_hex(const char *s, uint8_t *out, size_t n)
{
  if (strlen(s) != 2 * n)
    return -1;
  for (size_t i = 0; i < 2 * n; i++) {
    char c = s[i];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0)
      return -1;
    if (i % 2 == 0)
      out[i / 2] = (uint8_t)(v << 4);
    else
      out[i / 2] |= (uint8_t)v;
  }
  return 0;
}

int hacher_boot_id(uint8_t id[16], hacher_error_t *err)
{
  static const char path[] = "/proc/sys/kernel/random/boot_id";
  cleanup_free char *text = NULL;
  char hex[33];
  size_t n = 0;

  if (read_file(path, &text, NULL, err) < 0)
    return -1;
  for (const char *p = text; *p && n < 32; p++)
    if (*p != '-' && *p != '\n')
      hex[n++] = *p;
  hex[n] = '\0';
  if (hacher_parse_hex(hex, id, 16) < 0)
    return hacher_error(err, 0, "\"%s\": not a boot id", path);
  return 0;
}

int hacher_report_counter_open(const char *dir, hacher_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, HACHER_COUNTER_FILE);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return hacher_error(err, errno, "open report counter \"%s\"", path);
  return fd;
}
