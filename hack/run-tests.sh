#!/usr/bin/env bash
# run-tests.sh BUILD: unit tests, then the bats integration tests; prints both
# and ends with one line "N passed, N failed[, N skipped]" over both.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0 skipped=0

echo "== unit tests"
# tee shows progress live; the copy is parsed afterwards.
"$build/unit-tests" 2>&1 | tee "$tmp/unit.out"
unit_rc=${PIPESTATUS[0]}
summary=$(tail -n 1 "$tmp/unit.out")
if [[ $summary =~ ^unit:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  # A non-zero exit with no failed case still is a failure (e.g. a crash at exit).
  if ((unit_rc != 0 && BASH_REMATCH[2] == 0)); then
    echo "unit-tests exited with status $unit_rc" >&2
    failed=$((failed + 1))
  fi
else
  echo "unit-tests did not finish (status $unit_rc)" >&2
  failed=$((failed + 1))
fi

echo "== integration tests"
HACHER="$build/hacher" PROGRAMS="$build/programs" \
  bats --tap "$root/tests/integration" "$root/tests/e2e" 2>&1 | tee "$tmp/bats.out"
bats_rc=${PIPESTATUS[0]}
bats_failed=0
while IFS= read -r line; do
  case $line in
    "not ok "*) bats_failed=$((bats_failed + 1)) ;;
    "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
    "ok "*) passed=$((passed + 1)) ;;
  esac
done <"$tmp/bats.out"
failed=$((failed + bats_failed))
# bats can fail without a "not ok" line (e.g. a syntax error in a .bats file).
if ((bats_rc != 0 && bats_failed == 0)); then
  echo "bats exited with status $bats_rc" >&2
  failed=$((failed + 1))
fi

line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
