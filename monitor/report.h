/* Signed attestation reports (struct tl_report): building, signing with the
 * node key and checking a signature. */
#ifndef HACHER_REPORT_H
#define HACHER_REPORT_H

#include <openssl/evp.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/tl_abi.h"

/* The unsigned part of a report (signature zeroed). */
void mon_report_body(struct tl_report *r, const uint8_t measurement[TL_MEASUREMENT_SIZE],
                     const uint8_t data[TL_REPORT_DATA_SIZE], const uint8_t boot_id[16],
                     uint64_t counter);

/* Sign the first TL_REPORT_SIGNED_SIZE bytes of r with key (ECDSA P-384). */
int mon_report_sign(struct tl_report *r, EVP_PKEY *key, hacher_error_t *err);

/* 1 when r's signature is valid for key, 0 when not, -1 on an OpenSSL error. */
int mon_report_verify_sig(const struct tl_report *r, EVP_PKEY *key);

/* Next value of the per-boot counter kept in the open file fd (boot id and
 * counter; a different boot id starts again at 1). Locked with flock. */
int mon_report_counter(int fd, const uint8_t boot_id[16], uint64_t *out, hacher_error_t *err);

#endif
