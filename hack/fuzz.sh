#!/usr/bin/env bash
# fuzz.sh BUILD: builds the libFuzzer targets in tests/fuzz/ with clang and
# runs each for FUZZ_SECONDS (default 60) on a copy of its seed corpus;
# FUZZ_TARGETS="config policy" picks targets (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${FUZZ_SECONDS:-60}
out="$build/fuzz"
mkdir -p "$out"
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -Ilibos
  -D_GNU_SOURCE $(pkg-config --cflags yajl))

declare -A SOURCES=(
  [config]="tests/fuzz/fuzz_config.c oci-spec/config.c oci-spec/json.c oci-spec/resources.c oci-spec/seccomp.c oci-spec/spec_default.c shim/seccomp_compile.c libos/seccomp_policy.c common/error.c common/util.c common/log.c"
  [erofs]="tests/fuzz/fuzz_erofs.c libos/erofs.c"
  [image]="tests/fuzz/fuzz_image.c libos/erofs.c libos/verity.c common/sha256.c"
  [policy]="tests/fuzz/fuzz_policy.c libos/seccomp_policy.c"
  [exec]="tests/fuzz/fuzz_exec.c common/exec_msg.c libos/exec_parse.c common/error.c common/util.c common/log.c"
  [secret]="tests/fuzz/fuzz_secret.c shim/secret.c shim/attest_key.c common/error.c common/util.c common/log.c"
)
declare -A LIBS=([config]="$(pkg-config --libs yajl libseccomp)" [exec]="" [erofs]="" [image]="" [policy]="" [secret]="-lcrypto")

status=0
for t in ${FUZZ_TARGETS:-${!SOURCES[@]}}; do
  read -r -a srcs <<<"${SOURCES[$t]}"
  [[ -f ${srcs[0]} ]] || continue
  read -r -a libs <<<"${LIBS[$t]}"
  clang "${CFLAGS[@]}" "${srcs[@]}" "${libs[@]}" -o "$out/fuzz_$t"
  corpus=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$t/." "$corpus/" 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  if ! "$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 "$corpus" \
    >"$out/fuzz_$t.log" 2>&1; then
    echo "fuzz: $t FAILED; see $out/fuzz_$t.log and the crash-* file"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss' "$out/fuzz_$t.log" || true
  rm -rf "$corpus"
done
exit $status
