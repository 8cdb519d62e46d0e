/* hacher spec: write a default config.json, like runc spec. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../oci-spec/config.h"
#include "commands.h"

int hacher_cmd_spec(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", no_argument, NULL, 'R'},
                                       {NULL, 0, NULL, 0}};
  const char *bundle = ".";
  cleanup_free char *path = NULL, *text = NULL;
  int c;

  while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
    if (c == 'b')
      bundle = optarg;
    else if (c != 'R')
      return hacher_error(err, 0, "spec: unknown option");
  }
  path = xasprintf("%s/config.json", bundle);
  if (access(path, F_OK) == 0)
    return hacher_error(err, 0, "File %s exists. Remove it first", path);
  text = oci_default_spec();
  if (write_file_atomic(path, text, strlen(text), 0666, err) < 0)
    return -1;
  return 0;
}
