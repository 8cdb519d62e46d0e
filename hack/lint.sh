#!/usr/bin/env bash
# lint.sh: clang-format check of all C sources and cppcheck of the host code.
# Reports only; never rewrites files.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

DIRS=(common oci-spec monitor libos snapshotter shim tests)
# Host code only: the rest of libos/ is freestanding guest code whose inline
# asm and linker symbols cppcheck cannot model. erofs.c and seccomp_policy.c
# are also built hosted.
CPPCHECK_SRCS=(common oci-spec monitor snapshotter shim tests libos/erofs.c libos/seccomp_policy.c)
CPPCHECK_SUPPRESS=(
  # __start/__end style linker symbols: their difference is the section size.
  --suppress=comparePointers:monitor/boot.c
  --suppress=comparePointers:monitor/measure.c
)

rc=0

mapfile -t files < <(find "${DIRS[@]}" -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
flagged=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    flagged+=("$f")
  fi
done
if ((${#flagged[@]} > 0)); then
  echo "clang-format: ${#flagged[@]} of ${#files[@]} files need formatting:"
  for f in "${flagged[@]}"; do
    n=$(clang-format --dry-run "$f" 2>&1 | grep -c 'warning:')
    echo "  $f ($n places)"
  done
  echo "  (see a diff with: clang-format FILE | diff FILE -)"
  rc=1
else
  echo "clang-format: ${#files[@]} files ok"
fi

if cppcheck -q --error-exitcode=1 --enable=warning --std=c11 --inline-suppr \
  -D_GNU_SOURCE -D__x86_64__ -I. "${CPPCHECK_SUPPRESS[@]}" \
  --template='{file}:{line}: {severity}: {message} [{id}]' "${CPPCHECK_SRCS[@]}"; then
  echo "cppcheck: ok"
else
  echo "cppcheck: problems found (see above)"
  rc=1
fi
exit $rc
