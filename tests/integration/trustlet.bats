#!/usr/bin/env bats
# Trustlet behaviour beyond single commands: signals, memory sizing, logging
# of unsupported syscalls, randomness, tracing, and the generated docs.

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  add_programs "$B" misc.musl misc.glibc exitcode.musl
  remember_rootfs "$B"
}

@test "faults end the function with 128+signal, like runc" {
  local f
  for f in musl glibc; do
    config_args "$B" "/bin/misc.$f" segv
    run --separate-stderr hacher_run "$B" "m-$f"
    assert_equal "$status" 139
    [[ $stderr == *"function killed by signal 11: #PF page fault"* ]] || fail "$stderr"
    config_args "$B" "/bin/misc.$f" ill
    run --separate-stderr hacher_run "$B" "m-$f"
    assert_equal "$status" 132
    config_args "$B" "/bin/misc.$f" fpe
    run --separate-stderr hacher_run "$B" "m-$f"
    assert_equal "$status" 136
  done
  assert_no_state_left
}

@test "a signal the function sends itself takes its default action" {
  config_args "$B" /bin/kill -ABRT 1
  run --separate-stderr hacher_run "$B" k1
  assert_equal "$status" 134
  config_args "$B" /bin/kill -CHLD 1
  run --separate-stderr hacher_run "$B" k1
  assert_equal "$status" 0
}

@test "SIGTERM to the monitor ends a sleeping function with 143" {
  config_args "$B" /bin/sleep 30
  HACHER_IMAGES=$BATS_TEST_TMPDIR/images timeout 60 "$HACHER" --root "$BATS_TEST_TMPDIR/state" run -b "$B" --pid-file "$BATS_TEST_TMPDIR/pid" s1 &
  local waiter=$! status=0
  for _ in $(seq 100); do
    [[ -s $BATS_TEST_TMPDIR/state/s1/state.json ]] && break
    sleep 0.05
  done
  sleep 0.2
  kill -TERM "$(cat "$BATS_TEST_TMPDIR/pid")"
  wait "$waiter" || status=$?
  assert_equal "$status" 143
  assert_no_state_left
}

@test "memory.limit sizes guest memory" {
  config_args "$B" /bin/exitcode.musl 0
  config_set "$B" '.linux.resources.memory.limit = 256 * 1048576'
  run --separate-stderr hacher_run "$B" mem
  assert_success
  config_set "$B" '.linux.resources.memory.limit = 48 * 1048576'
  run --separate-stderr hacher_run "$B" mem
  refute [ "$status" -eq 0 ]
  config_set "$B" '.linux.resources.memory.limit = 8 * 1048576'
  run --separate-stderr hacher_run "$B" mem
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: memory limit 8388608 is below the trustlet minimum of 16 MiB"
  assert_no_state_left
}

@test "an unsupported syscall gets ENOSYS and one log line per trustlet" {
  config_args "$B" /bin/misc.musl enosys
  run --separate-stderr hacher_run "$B" ns
  assert_success
  assert_equal "$output" $'inotify_init1: -1 ENOSYS\ninotify_init1: -1 ENOSYS'
  assert_equal "$stderr" "hacher: unsupported syscall 'inotify_init1' (294)"
}

@test "getrandom differs between trustlets" {
  config_args "$B" /bin/misc.musl random
  run --separate-stderr hacher_run "$B" r1
  assert_success
  local first=$output
  assert_regex "$first" '^[0-9a-f]{32}$'
  run --separate-stderr hacher_run "$B" r1
  assert_success
  [[ $output != "$first" ]] || fail "two trustlets got the same random bytes"
}

@test "--debug traces the function's syscalls" {
  config_args "$B" /bin/echo traced
  run --separate-stderr hacher --debug run -b "$B" t1
  assert_success
  assert_output traced
  [[ $stderr == *"trace: [pid 1] write(1, \"traced\\n\", 7) = 7"* ]] || fail "$stderr"
}

@test "docs/syscalls.md is generated from the syscall table" {
  "$REPO_ROOT/hack/gen-syscalls-doc.sh" "$BATS_TEST_TMPDIR/syscalls.md"
  diff -u "$REPO_ROOT/docs/syscalls.md" "$BATS_TEST_TMPDIR/syscalls.md"
}

@test "edge cases get Linux's answers instead of hangs, crashes or lost files" {
  # the same answers as the host's kernel gives (checked natively first)
  run "$PROGRAMS/misc.musl" edges
  local native=$output
  rm -f /tmp/edge
  config_args "$B" /bin/misc.musl edges
  config_set "$B" '.root.readonly = false'
  run --separate-stderr hacher_run "$B" edges
  assert_success
  assert_output "$(printf '%s\n' \
    'ftruncate -1: -1 Invalid argument' \
    'pwrite at 2^63-2: -1 Invalid argument' \
    'fstatat cwd empty path: 0 ok' \
    'rename onto itself: 0 ok' \
    'stat after rename: 0 ok' \
    'sigaction same buffer: 0 ok' \
    'write 0 bytes from a bad pointer: -1 Bad address' \
    'handler kept: yes')"
  assert_equal "$output" "$native"
}
