/* hacher features: the OCI runtime features document. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>

#include "../monitor/platform.h"
#include "../common/tl_abi.h"
#include "commands.h"

/* The capability names process.capabilities may use (libcap's list). */
static void print_caps(void)
{
  for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
    char *name = cap_to_name(v);
    printf("%s\"", v ? ", " : "");
    for (char *p = name; p && *p; p++)
      putchar(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    putchar('"');
    cap_free(name);
  }
}

int hacher_cmd_features(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  printf("{\n"
         "  \"ociVersionMin\": \"1.0.0\",\n"
         "  \"ociVersionMax\": \"1.1.0\",\n"
         "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\", "
         "\"poststart\", \"poststop\"],\n"
         "  \"mountOptions\": [\"ro\", \"rw\", \"bind\", \"rbind\"],\n"
         "  \"linux\": {\n"
         "    \"namespaces\": [\"pid\", \"network\", \"ipc\", \"uts\", \"mount\", \"cgroup\", "
         "\"user\", \"time\"],\n"
         "    \"capabilities\": [");
  print_caps();
  printf("],\n"
         "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": "
         "false},\n"
         "    \"seccomp\": {\"enabled\": false},\n"
         "    \"apparmor\": {\"enabled\": false},\n"
         "    \"selinux\": {\"enabled\": false}\n"
         "  },\n"
         "  \"annotations\": {\n"
         "    \"io.hacher.platform\": \"%s\",\n"
         "    \"io.hacher.attestation\": \"" TL_REPORT_PLATFORM_KVM "\",\n"
         "    \"io.hacher.version\": \"%s\"\n"
         "  }\n"
         "}\n",
         plat_name(), HACHER_VERSION);
  return 0;
}
