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
         "    \"seccomp\": {\"enabled\": true,\n"
         "      \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", "
         "\"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", "
         "\"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"],\n"
         "      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", "
         "\"SCMP_CMP_LE\", \"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"],\n"
         "      \"archs\": [\"SCMP_ARCH_X32\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\"],\n"
         "      \"knownFlags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", "
         "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\n"
         "      \"supportedFlags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", "
         "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]},\n"
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
