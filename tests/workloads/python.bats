#!/usr/bin/env bats
# Acceptance workload 3: Debian's CPython 3.11 (dynamically linked, C
# extension modules from lib-dynload) with json, hashlib, zlib, sqlite3, four
# threads, subprocess and a SIGTERM handler reached by `hacher kill`.

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle python
  config_args "$B" /usr/bin/python3 -u /opt/workload/workload.py
}

# want: the lines the script must print, computed here where possible.
want()
{
  local n=1000000
  printf '%s\n' \
    "json: hacher $((2 + 3 + 5 + 7 + 11))" \
    "sha256: $(printf 'hacher workload' | sha256sum | cut -d' ' -f1)" \
    "zlib: crc32 $(printf 'trustlet %.0s' $(seq 10000) | gzip -c | tail -c 8 | od -An -tu4 -N4 | tr -d ' ') roundtrip 90000" \
    "threads: 4 $(((n - 1) * n * (2 * n - 1) / 6))" \
    "hi" \
    "subprocess: 0 0 captured" \
    "sqlite: 1000 $((1000 * 1001 / 2)) v1000 True" \
    "ready" \
    "signal: got 15"
}

@test "python workload natively (the reference)" {
  native_run TERM /usr/bin/python3 -u /opt/workload/workload.py
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$(want)"
}

@test "python workload in a trustlet, SIGTERM handler via hacher kill" {
  workload_run py-term TERM
  assert_equal "$stderr" ""
  assert_output "$(want)"
  assert_equal "$status" 0
  assert_no_state_left
}
