/* libFuzzer target: config.json parser must never crash, leak or overread. */
#include <stddef.h>
#include <stdint.h>

#include "../../oci-spec/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  /* data is not NUL-terminated: this checks the parser honours size. */
  if (oci_config_parse("fuzz", (const char *)data, size, &cfg, &err) == 0) {
    oci_config_annotation(cfg, "k");
    oci_config_free(cfg);
  }
  hacher_error_release(&err);
  return 0;
}
