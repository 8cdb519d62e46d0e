#!/usr/bin/env bats
# Static C programs (musl and glibc, PIE and not) in trustlets: exit status,
# memory, file reads and the private in-memory /tmp.

load helpers

FLAVOURS=(musl musl-pie glibc glibc-pie)

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  local f
  for f in "${FLAVOURS[@]}"; do
    add_programs "$B" "exitcode.$f" "tmpfile.$f"
  done
  remember_rootfs "$B"
}

# exitcode_case FLAVOUR N FILE: hacher's status is N and the program read
# FILE fully, with the same checksum as a native run of the same binary.
exitcode_case()
{
  local flavour=$1 n=$2 file=$3 want
  want=$("$PROGRAMS/exitcode.$flavour" 0 --file "$B/rootfs$file" | grep '^file ')
  want=${want/"$B/rootfs"/}
  config_args "$B" "/bin/exitcode.$flavour" "$n" --file "$file"
  run --separate-stderr hacher_run "$B" "exit-$flavour-$n"
  assert_equal "$stderr" ""
  assert_equal "$status" "$n"
  assert_line "memory ok: 64 MiB"
  assert_line "$want"
  assert_line --regexp "^file $file: $(stat -c %s "$B/rootfs$file") bytes, "
  assert_line "exiting with $n"
}

exitcode_flavour()
{
  local n
  for n in 0 1 42; do
    exitcode_case "$1" "$n" /etc/passwd
  done
  exitcode_case "$1" 0 /data/random.bin
  assert_no_state_left
}

@test "exitcode (musl static): statuses 0, 1, 42" {
  exitcode_flavour musl
}

@test "exitcode (musl static-pie): statuses 0, 1, 42" {
  exitcode_flavour musl-pie
}

@test "exitcode (glibc static): statuses 0, 1, 42" {
  exitcode_flavour glibc
}

@test "exitcode (glibc static-pie): statuses 0, 1, 42" {
  exitcode_flavour glibc-pie
}

@test "exitcode default file is /etc/passwd" {
  config_args "$B" /bin/exitcode.musl 7
  run --separate-stderr hacher_run "$B" default-file
  assert_equal "$status" 7
  assert_line --regexp "^file /etc/passwd: $(stat -c %s "$B/rootfs/etc/passwd") bytes, fnv1a [0-9a-f]{8}$"
}

# tmpfile_case FLAVOUR READONLY
tmpfile_case()
{
  config_set "$B" '.root.readonly = $ro' --argjson ro "$2"
  config_args "$B" "/bin/tmpfile.$1"
  run --separate-stderr hacher_run "$B" "tmp-$1"
  assert_equal "$stderr" ""
  assert_success
  assert_output "tmpfile ok"
  # The write went to trustlet memory, not the host.
  assert_equal "$(ls -A "$B/rootfs/tmp")" ""
}

@test "tmpfile in all flavours, readonly root" {
  local f
  for f in "${FLAVOURS[@]}"; do
    tmpfile_case "$f" true
  done
}

@test "tmpfile in all flavours, writable root" {
  local f
  for f in "${FLAVOURS[@]}"; do
    tmpfile_case "$f" false
  done
  assert_no_state_left
}

@test "each run gets a fresh /tmp" {
  add_busybox "$B"
  remember_rootfs "$B"
  # Shell builtins only: the function is a single process.
  config_args "$B" sh -c 'echo first > /tmp/marker && [ -s /tmp/marker ] && echo written'
  run --separate-stderr hacher_run "$B" fresh1
  assert_equal "$stderr" ""
  assert_success
  assert_output "written"
  # A second run must not see the first run's file.
  config_args "$B" sh -c 'if [ -e /tmp/marker ]; then echo leaked; else echo clean; fi'
  run --separate-stderr hacher_run "$B" fresh2
  assert_equal "$stderr" ""
  assert_success
  assert_output "clean"
}

@test "readonly root: writes outside /tmp fail with EROFS" {
  config_set "$B" '.root.readonly = true'
  config_args "$B" /bin/tmpfile.musl /data
  run --separate-stderr hacher_run "$B" ro1
  assert_equal "$stderr" ""
  assert_failure 1
  assert_output "tmpfile failed: create /data/hacher-tmpfile.dat: Read-only file system"
  config_args "$B" /bin/tmpfile.musl /tmp /etc/passwd
  run --separate-stderr hacher_run "$B" ro2
  assert_failure 1
  assert_output "tmpfile failed: open /etc/passwd for append: Read-only file system"
}

@test "readonly root: busybox sh reports EROFS" {
  add_busybox "$B"
  remember_rootfs "$B"
  config_set "$B" '.root.readonly = true'
  config_args "$B" sh -c 'echo x > /data/new.txt'
  run --separate-stderr hacher_run "$B" ro
  assert_failure
  assert_equal "$stderr" "sh: can't create /data/new.txt: Read-only file system"
}

@test "writable root: the whole tree is writable in memory only" {
  config_set "$B" '.root.readonly = false'
  local f
  for f in "${FLAVOURS[@]}"; do
    # New files in an image directory, and an append to an image file.
    config_args "$B" "/bin/tmpfile.$f" /data /etc/passwd
    run --separate-stderr hacher_run "$B" "rw-$f"
    assert_equal "$stderr" ""
    assert_success
    assert_output "tmpfile ok"
  done
  # teardown checks the host rootfs is untouched.
}

@test "writable root: busybox sh can create and append" {
  add_busybox "$B"
  remember_rootfs "$B"
  config_set "$B" '.root.readonly = false'
  config_args "$B" sh -c 'echo new > /data/new.txt && echo extra >> /etc/passwd &&
    [ -s /data/new.txt ] && echo done'
  run --separate-stderr hacher_run "$B" rw
  assert_equal "$stderr" ""
  assert_success
  assert_output "done"
}

# The pod sandbox's process (tests/e2e/cri.bats): pause(2) must block, and a
# host signal ends it with 128+N (handlers inside are not run yet).
@test "pause blocks until SIGTERM (musl, glibc)" {
  local f rc=$BATS_TEST_TMPDIR/rc err=$BATS_TEST_TMPDIR/err
  for f in musl glibc; do
    add_programs "$B" "pause.$f"
    remember_rootfs "$B"
    config_args "$B" "/bin/pause.$f"
    rm -f "$rc"
    (
      s=0
      hacher_run "$B" "pause-$f" >/dev/null 2>"$err" || s=$?
      echo "$s" >"$rc"
    ) &
    local bg=$!
    for _ in $(seq 100); do
      [[ $(hacher state "pause-$f" 2>/dev/null | jq -r .status) == running ]] && break
      sleep 0.05
    done
    sleep 1
    assert_equal "$(hacher state "pause-$f" | jq -r .status)" running
    [[ ! -e $rc ]] || fail "pause.$f ended by itself: status $(cat "$rc")"
    hacher kill "pause-$f" TERM
    wait "$bg"
    assert_equal "$(cat "$rc")" 143
    assert_equal "$(cat "$err")" ""
  done
  assert_no_state_left
}
