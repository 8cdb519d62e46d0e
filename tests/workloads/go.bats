#!/usr/bin/env bats
# Acceptance workload 4: a static Go program (CGO_ENABLED=0, Debian's
# golang-go): goroutines on several threads, channels, timers, runtime.GC()
# and os/exec.

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle go
  config_args "$B" /opt/workload/workload
}

want()
{
  local n=1000000
  printf '%s\n' \
    "goroutines: 8 $(((n - 1) * n * (2 * n - 1) / 6))" \
    "timers: true true" \
    "gc: true $((199 * 200 / 2))" \
    "exec: hi from a child" \
    "procs: true 1"
}

@test "go workload natively (the reference)" {
  native_run "" /opt/workload/workload
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$(want)"
}

@test "go workload in a trustlet" {
  workload_run go
  assert_equal "$stderr" ""
  assert_output "$(want)"
  assert_equal "$status" 0
  assert_no_state_left
}
