/* libFuzzer target: config.json parser must never crash, leak or overread;
 * a seccomp profile it accepts must compile to a policy the LibOS accepts
 * (or to a clean error). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../libos/seccomp_policy.h"
#include "../../oci-spec/config.h"
#include "../../shim/seccomp_compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  /* data is not NUL-terminated: this checks the parser honours size. */
  if (oci_config_parse("fuzz", (const char *)data, size, &cfg, &err) == 0) {
    void *blob = NULL;
    size_t blob_size;
    oci_config_annotation(cfg, "k");
    if (cfg->seccomp != NULL &&
        hacher_seccomp_compile(cfg->seccomp, &blob, &blob_size, &err) == 0 && blob != NULL &&
        los_policy_check(blob, blob_size) != NULL)
      abort();
    free(blob);
    oci_config_free(cfg);
  }
  hacher_error_release(&err);
  return 0;
}
