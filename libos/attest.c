/* /dev/attestation: user_report_data (write), report (read: a report from
 * the monitor, signed outside the trustlet), attestation_type. */
#include "attest.h"

#include <linux/stat.h>

static uint8_t report_data[TL_REPORT_DATA_SIZE];

static const struct {
  const char *name;
  uint32_t mode, rdev;
} files[] = {
    {"user_report_data", S_IFCHR | 0666, LOS_ATTEST_RDEV_DATA},
    {"report", S_IFCHR | 0444, LOS_ATTEST_RDEV_REPORT},
    {"attestation_type", S_IFCHR | 0444, LOS_ATTEST_RDEV_TYPE},
};

void los_attest_dev_init(struct mnode *dev)
{
  struct mnode *dir = mnode_new(S_IFDIR | 0755);

  if (dir == NULL || mnode_link(dev, "attestation", dir) < 0)
    los_panic("cannot create /dev/attestation");
  dir->uid = dir->gid = 0;
  for (size_t i = 0; i < LOS_ARRAY_SIZE(files); i++) {
    struct mnode *n = mnode_new(files[i].mode);
    if (n == NULL || mnode_link(dir, files[i].name, n) < 0)
      los_panic("cannot create /dev/attestation/%s", files[i].name);
    n->uid = n->gid = 0;
    n->rdev = files[i].rdev;
  }
}

bool los_attest_rdev(uint32_t rdev)
{
  return rdev >= LOS_ATTEST_RDEV_DATA && rdev <= LOS_ATTEST_RDEV_TYPE;
}

/* The monitor signs; the report comes back into LibOS memory. */
static int64_t fetch_report(struct tl_report *out)
{
  struct tl_hc req = {.nr = TL_HC_REPORT};

  req.u.report.data.gpa = los_gpa(report_data);
  req.u.report.out.gpa = los_gpa(out);
  req.u.report.out_len = sizeof(*out);
  return los_hc(&req);
}

int los_attest_open(struct los_file *f)
{
  static struct tl_report r;
  const void *src = report_data;
  uint64_t size = sizeof(report_data);
  int64_t rc;

  switch (f->vn.up->rdev) {
  case LOS_ATTEST_RDEV_REPORT:
    if ((rc = fetch_report(&r)) < 0)
      return (int)rc;
    src = &r;
    size = sizeof(r);
    break;
  case LOS_ATTEST_RDEV_TYPE:
    src = TL_REPORT_PLATFORM_KVM "\n";
    size = sizeof(TL_REPORT_PLATFORM_KVM);
    break;
  default: break;
  }
  if ((f->data = kmalloc(size)) == NULL)
    return -ENOMEM;
  memcpy(f->data, src, size);
  f->size = size;
  return 0;
}

int64_t los_attest_write(struct los_file *f, const void *buf, uint64_t len)
{
  if (f->vn.up->rdev != LOS_ATTEST_RDEV_DATA)
    return -EBADF;
  if (len == 0 || len > sizeof(report_data))
    return -EINVAL;
  memset(report_data, 0, sizeof(report_data));
  memcpy(report_data, buf, len);
  return (int64_t)len;
}
