/* /dev/attestation: the report interface Gramine applications know. */
#ifndef LOS_ATTEST_H
#define LOS_ATTEST_H

#include "memfs.h"
#include "vfs.h"

/* Device numbers: misc major 10, minors no Linux driver of ours uses. */
#define LOS_ATTEST_RDEV_DATA 0xaf0   /* user_report_data: write 64 bytes */
#define LOS_ATTEST_RDEV_REPORT 0xaf1 /* report: read the signed report */
#define LOS_ATTEST_RDEV_TYPE 0xaf2   /* attestation_type: "hacher-kvm" */

/* Create /dev/attestation in the /dev directory. */
void los_attest_dev_init(struct mnode *dev);
bool los_attest_rdev(uint32_t rdev);
/* At open: the file's content (the report for the last written report
 * data; the type; the current report data). 0 or -errno. */
int los_attest_open(struct los_file *f);
/* Write report data: 1 to 64 bytes, zero-padded to 64. */
int64_t los_attest_write(struct los_file *f, const void *buf, uint64_t len);

#endif
