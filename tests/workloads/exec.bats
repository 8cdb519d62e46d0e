#!/usr/bin/env bats
# Acceptance workload 5: `hacher exec` into a running trustlet (the busybox
# rootfs, the shell script in serve mode as the container's process).

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle busybox-sh
  config_args "$B" /bin/sh /opt/workload/shell.sh serve
}

teardown()
{
  remove_containers
  assert_rootfs_unchanged
}

# start_serving ID: run -d, then up to 60 s for the script's "ready".
start_serving()
{
  hacher run -d --bundle "$B" "$1" >"$BATS_TEST_TMPDIR/$1.out" 2>"$BATS_TEST_TMPDIR/$1.err" \
    </dev/null || fail "run -d: $(cat "$BATS_TEST_TMPDIR/$1.err")"
  wait_ready "$BATS_TEST_TMPDIR/$1.out" || fail "the function never printed ready"
}

@test "hacher exec: ps and /proc/1/cmdline from inside" {
  start_serving ex
  run --separate-stderr hacher exec ex /bin/sh -c 'ps; tr "\0" " " </proc/1/cmdline; echo'
  assert_equal "$stderr" ""
  assert_success
  # The container's process is pid 1; ps also sees the exec'd shell.
  assert_line --regexp '^ *1 +root +.*sh /opt/workload/shell.sh serve$'
  # the exec'd shell, and ps (busybox runs it in a fork without execve: {ps})
  assert_line --regexp '^ *[0-9]+ +root +/bin/sh -c ps; '
  assert_line --regexp '^ *[0-9]+ +root +(\{ps\} .*|.*ps)$'
  assert_line "/bin/sh /opt/workload/shell.sh serve "
  # The container's process is undisturbed and still answers TERM.
  hacher kill ex TERM
  for _ in $(seq 100); do
    grep -qx "serve: got TERM" "$BATS_TEST_TMPDIR/ex.out" && break
    sleep 0.1
  done
  assert_equal "$(cat "$BATS_TEST_TMPDIR/ex.out")" "$(printf 'ready\nserve: got TERM')"
}

@test "hacher exec --tty: a terminal inside a running trustlet" {
  start_serving extty
  run "$REPO_ROOT/tests/integration/pty-run.py" --size 30x100 \
    env HACHER_IMAGES="$HACHER_IMAGES" timeout 60 "$HACHER" --root "$BATS_TEST_TMPDIR/state" \
    exec --tty extty /bin/sh -c 'tty; stty size; echo done'
  assert_success
  assert_line --regexp '^/dev/pts/[0-9]+'
  assert_line --regexp '^30 100'
  assert_line --regexp '^done'
}
