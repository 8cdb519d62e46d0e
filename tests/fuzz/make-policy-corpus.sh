#!/bin/sh
# Regenerate the seccomp policy fuzz seeds: the blobs the runtime compiles
# from the config seeds and the default-style test profile.
# Usage: tests/fuzz/make-policy-corpus.sh [BUILD] [OUT]
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
out=${2:-$root/tests/fuzz/corpus/policy}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dump CONFIG OUT: compile CONFIG's linux.seccomp and write the blob.
cat >"$tmp/dump.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "oci-spec/config.h"
#include "shim/seccomp_compile.h"
#include "common/util.h"

int main(int argc, char **argv)
{
  struct oci_config *cfg;
  hacher_error_t err = NULL;
  char *text;
  size_t size;
  void *blob;
  FILE *f;

  if (argc != 3 || read_file(argv[1], &text, &size, &err) < 0 ||
      oci_config_parse(argv[1], text, size, &cfg, &err) < 0 || cfg->seccomp == NULL ||
      hacher_seccomp_compile(cfg->seccomp, &blob, &size, &err) < 0 || blob == NULL) {
    fprintf(stderr, "dump: %s\n", err ? err->msg : "no policy");
    return 1;
  }
  f = fopen(argv[2], "wb");
  return f == NULL || fwrite(blob, 1, size, f) != size || fclose(f) != 0;
}
C
# shellcheck disable=SC2046
gcc -I"$root" -o "$tmp/dump" "$tmp/dump.c" "$build/libhacher.a" \
  $(pkg-config --libs yajl libseccomp libcap openssl)
"$tmp/dump" "$root/tests/fuzz/corpus/config/seccomp.json" "$out/features.bin"
jq '{ociVersion: "1.1.0", root: {path: "r"}, linux: {seccomp: .}}' \
  "$root/tests/integration/data/seccomp-default.json" >"$tmp/default.json"
"$tmp/dump" "$tmp/default.json" "$out/default-style.bin"
