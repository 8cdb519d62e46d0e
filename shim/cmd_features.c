/* hacher features: the OCI runtime features document. */
#include <stdio.h>

#include "../monitor/platform.h"
#include "commands.h"

int hacher_cmd_features(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  printf("{\n"
         "  \"ociVersionMin\": \"1.0.0\",\n"
         "  \"ociVersionMax\": \"1.1.0\",\n"
         "  \"hooks\": [],\n"
         "  \"mountOptions\": [\"ro\", \"rw\", \"bind\", \"rbind\"],\n"
         "  \"linux\": {\n"
         "    \"namespaces\": [\"pid\", \"network\", \"ipc\", \"uts\", \"mount\", \"cgroup\"],\n"
         "    \"capabilities\": [],\n"
         "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": "
         "false},\n"
         "    \"seccomp\": {\"enabled\": false},\n"
         "    \"apparmor\": {\"enabled\": false},\n"
         "    \"selinux\": {\"enabled\": false}\n"
         "  },\n"
         "  \"annotations\": {\n"
         "    \"io.hacher.platform\": \"%s\",\n"
         "    \"io.hacher.version\": \"%s\"\n"
         "  }\n"
         "}\n",
         plat_name(), HACHER_VERSION);
  return 0;
}
