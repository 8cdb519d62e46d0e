#!/usr/bin/env bash
# run-tests.sh BUILD: unit tests, the bats integration and end-to-end tests,
# then the leftover check (hack/leftovers.sh); ends with one line
# "N passed, N failed[, N skipped]" over all three.
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
"$root/hack/leftovers.sh" snapshot "$tmp/before"

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

# count_tap FILE: adds FILE's "ok"/"not ok" lines to the totals; sets
# tap_failed to FILE's failures.
count_tap()
{
  local line n=0
  while IFS= read -r line; do
    case $line in
      "not ok "*) n=$((n + 1)) ;;
      "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
      "ok "*) passed=$((passed + 1)) ;;
    esac
  done <"$1"
  failed=$((failed + n))
  tap_failed=$n
}

echo "== integration and end-to-end tests"
# The run's temporary directory is kept for the leftover check, then removed.
HACHER="$build/hacher" PROGRAMS="$build/programs" \
  WORKLOADS="$build/workloads" \
  bats --tap --no-tempdir-cleanup "$root/tests/integration" "$root/tests/workloads" \
  "$root/tests/e2e" 2>&1 \
  | tee "$tmp/bats.out"
bats_rc=${PIPESTATUS[0]}
count_tap "$tmp/bats.out"
# bats can fail without a "not ok" line (e.g. a syntax error in a .bats file).
if ((bats_rc != 0 && tap_failed == 0)); then
  echo "bats exited with status $bats_rc" >&2
  failed=$((failed + 1))
fi

echo "== leftovers"
run_dir=$(sed -n 's/^BATS_RUN_TMPDIR: //p' "$tmp/bats.out" | tail -n 1)
if [[ -d $run_dir ]]; then
  "$root/hack/leftovers.sh" check "$tmp/before" "$build/hacher" "$run_dir" | tee "$tmp/left.out"
  count_tap "$tmp/left.out"
  # never through a mount left inside it
  rm -rf --one-file-system "$run_dir"
else
  echo "not ok leftovers: bats did not report its temporary directory" | tee "$tmp/left.out"
  count_tap "$tmp/left.out"
fi

line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
