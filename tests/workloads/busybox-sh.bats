#!/usr/bin/env bats
# Acceptance workload 1: a busybox sh script with pipes, subshells, command
# substitution, loops, background jobs, exec redirections and a TERM trap
# reached by `hacher kill`. Its output must be the native run's and the
# values computed here.

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle busybox-sh
  config_args "$B" /bin/sh /opt/workload/shell.sh
}

WANT=(
  "pipe: 3 pear"
  "subshell: inner /tmp"
  "parent: outer /"
  "subst: NESTED"
  "while: $((100 * 101 / 2))"
  "for: one,two,three,"
  "piped loop: $((50 * 51 / 2))"
  "wait fast: 0"
  "wait seven: 7"
  "wait slow: 0 slow fast "
  "wait all: 0"
  "exec fds: line one / line two"
  "stderr lines: 2"
  "ready"
  "trap: got TERM"
)

@test "busybox sh script natively (the reference)" {
  native_run TERM /bin/sh /opt/workload/shell.sh
  assert_equal "$status" 0
  assert_output "$(printf '%s\n' "${WANT[@]}")"
}

@test "busybox sh script in a trustlet, TERM trap via hacher kill" {
  workload_run sh-term TERM
  assert_equal "$stderr" ""
  assert_output "$(printf '%s\n' "${WANT[@]}")"
  assert_equal "$status" 0
  assert_no_state_left
}
