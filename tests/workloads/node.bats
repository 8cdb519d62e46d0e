#!/usr/bin/env bats
# Acceptance workload 6 (stretch): Node.js with timers and a worker thread.
# The rootfs holds the node that is installed (see tests/workloads/README.md).

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle node
  config_args "$B" /usr/bin/node /opt/workload/workload.js
}

want()
{
  local n=100000
  printf '%s\n' \
    "main: $(printf 'hacher workload' | sha256sum | cut -d' ' -f1)" \
    "timers: abc" \
    "worker: $(((n - 1) * n * (2 * n - 1) / 6))" \
    "worker exit: 0"
}

@test "node workload natively (the reference)" {
  native_run "" /usr/bin/node /opt/workload/workload.js
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$(want)"
}

@test "node workload in a trustlet" {
  workload_run node
  assert_equal "$stderr" ""
  assert_output "$(want)"
  assert_equal "$status" 0
  assert_no_state_left
}
