#!/usr/bin/env bash
# build-programs.sh BUILD: compiles tests/programs/*.c into BUILD/programs/
# as NAME.{musl,musl-pie,glibc,glibc-pie}, all static. Quiet on success.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
out="$1/programs"
mkdir -p "$out"

# Debian's musl-gcc specs ignore -static-pie and silently link against the
# dynamic libc.so; derive specs that use rcrt1.o (musl's self-relocating start)
# and link statically without an interpreter.
musl_specs=$(grep -o '/[^"]*musl-gcc\.specs' "$(command -v musl-gcc)" | head -n1 || true)
if [[ ! -f $musl_specs ]]; then
  echo "build-programs: cannot find musl-gcc.specs (is musl-tools installed?)" >&2
  exit 1
fi
pie_specs="$out/.musl-static-pie.specs"
if [[ ! -f $pie_specs || $musl_specs -nt $pie_specs || $0 -nt $pie_specs ]]; then
  sed -e 's|\(/[^ ]*/\)Scrt1\.o|\1%{static-pie:rcrt1.o;:Scrt1.o}|' \
    -e 's|^-dynamic-linker \([^ ]*\)|%{!static-pie:-dynamic-linker \1}|' \
    -e 's|%{static:-static}|& %{static-pie:-static -pie --no-dynamic-linker -z text}|' \
    "$musl_specs" >"$pie_specs"
fi

WARN=(-Wall -Wextra -Werror)
declare -A FLAVOURS=(
  [musl]="musl-gcc -static -O2"
  [musl-pie]="gcc -specs $pie_specs -static-pie -fPIE -O2"
  [glibc]="gcc -static -O2"
  [glibc-pie]="gcc -static-pie -fPIE -O2"
)

for src in "$root"/tests/programs/*.c; do
  name=$(basename "$src" .c)
  for flavour in "${!FLAVOURS[@]}"; do
    bin="$out/$name.$flavour"
    # Also rebuild when the shared ABI header changes (badrequest uses it).
    if [[ -e $bin && ! $src -nt $bin && ! $root/common/tl_abi.h -nt $bin ]]; then
      continue
    fi
    read -r -a cmd <<<"${FLAVOURS[$flavour]}"
    # Build to a temporary name so a failed build never leaves a stale binary.
    if ! "${cmd[@]}" "${WARN[@]}" -o "$bin.tmp" "$src"; then
      rm -f "$bin.tmp"
      echo "build-programs: failed: ${cmd[*]} $src" >&2
      exit 1
    fi
    # Every flavour must be fully static: no interpreter, no needed libraries.
    if readelf -lW "$bin.tmp" | grep -q 'INTERP' || readelf -dW "$bin.tmp" | grep -q 'NEEDED'; then
      rm -f "$bin.tmp"
      echo "build-programs: $name.$flavour is not statically linked" >&2
      exit 1
    fi
    mv -f "$bin.tmp" "$bin"
  done
done
