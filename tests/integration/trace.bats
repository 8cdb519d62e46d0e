#!/usr/bin/env bats
# The trace mode: strace-like lines for the function's syscalls with
# `hacher --debug` or the annotation io.hacher.trace, in the runtime's log,
# and part of the launch measurement.

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  export HACHER_ATTEST_DIR=$BATS_TEST_TMPDIR/attest
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_programs "$B" traceme.musl traceme.musl-pie traceme.glibc traceme.glibc-pie attest.musl
  config_args "$B" /bin/traceme.musl
  remember_rootfs "$B"
}

teardown()
{
  hacher delete --force tr1 >/dev/null 2>&1 || true
  assert_rootfs_unchanged
}

# has_line TEXT LINES: LINES holds TEXT as one whole line (after "hacher: ").
has_line()
{
  grep -qxF -- "hacher: $1" <<<"$2" || fail "no line \"hacher: $1\" in:
$2"
}

measure() { hacher "$@" attest measure --bundle "$B"; }

@test "--debug: open, read, write and errors decoded, in all four flavours" {
  local f passwd
  passwd=$(head -c 32 "$B/rootfs/etc/passwd" | sed 's/$/\\n/' | tr -d '\n')
  passwd=${passwd%\\n}
  for f in musl musl-pie glibc glibc-pie; do
    config_args "$B" "/bin/traceme.$f"
    run --separate-stderr hacher --debug run -b "$B" "t-$f"
    assert_success
    # tracing does not change what the function writes
    assert_equal "$(head -n 1 <<<"$output")" hello
    has_line "trace: [pid 1] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3" "$stderr"
    has_line "trace: [pid 1] read(3, \"$passwd\"..., 4096) = $(stat -c %s "$B/rootfs/etc/passwd")" \
      "$stderr"
    has_line "trace: [pid 1] close(3) = 0" "$stderr"
    has_line "trace: [pid 1] openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)" "$stderr"
    has_line "trace: [pid 1] openat(AT_FDCWD, 0x1, O_RDONLY) = -1 EFAULT (Bad address)" "$stderr"
    has_line 'trace: [pid 1] write(1, "hello\n", 6) = 6' "$stderr"
    has_line 'trace: [pid 1] write(1, "\1\tA\n", 4) = 4' "$stderr"
    has_line "trace: [pid 1] nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0" "$stderr"
    has_line "trace: [pid 1] kill(1, 0) = 0" "$stderr"
    has_line "trace: [pid 1] exit_group(0) = ?" "$stderr"
    grep -qE '^hacher: trace: \[pid 1\] mmap\(NULL, 8192, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0x0\) = 0x[0-9a-f]+$' \
      <<<"$stderr" || fail "no mmap line: $stderr"
    # a syscall trace.def does not describe: its six arguments in hex
    has_line "trace: [pid 1] io_uring_setup(0x1, 0x0, 0x0, 0x0, 0x0, 0x0) = -1 ENOSYS (Function not implemented)" "$stderr"
  done
}

@test "strings and buffers longer than 32 bytes are cut, with ..." {
  run --separate-stderr hacher --debug run -b "$B" tr2
  assert_success
  has_line 'trace: [pid 1] openat(AT_FDCWD, "/data/a-name-much-longer-than-th"..., O_WRONLY|O_CREAT|O_TRUNC, 0640) = -1 ENOENT (No such file or directory)' "$stderr"
  has_line 'trace: [pid 1] write(1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 100) = 100' "$stderr"
  # the whole buffer still reaches stdout
  assert_line "$(printf 'x%.0s' {1..99})"
}

@test "the annotation turns tracing on; the lines go to the --log file at info level" {
  config_set "$B" '.annotations["io.hacher.trace"] = "true"'
  run --separate-stderr hacher --log "$BATS_TEST_TMPDIR/log.json" --log-format json run -b "$B" tr3
  assert_success
  [[ $stderr != *"trace:"* ]] || fail "trace lines on stderr with --log: $stderr"
  jq -e -s 'map(select(.msg == "trace: [pid 1] write(1, \"hello\\n\", 6) = 6"
    and .level == "info")) | length == 1' "$BATS_TEST_TMPDIR/log.json" \
    || fail "$(cat "$BATS_TEST_TMPDIR/log.json")"
  # without --log, on stderr
  run --separate-stderr hacher run -b "$B" tr4
  assert_success
  has_line 'trace: [pid 1] write(1, "hello\n", 6) = 6' "$stderr"
}

@test "no trace without --debug or the annotation, nor with the annotation false" {
  run --separate-stderr hacher --log "$BATS_TEST_TMPDIR/log" run -b "$B" tr5
  assert_success
  assert_equal "$(head -n 1 <<<"$output")" hello
  [[ $stderr != *"trace:"* ]] || fail "$stderr"
  run grep -c "trace:" "$BATS_TEST_TMPDIR/log"
  assert_output 0
  config_set "$B" '.annotations["io.hacher.trace"] = "false"'
  run --separate-stderr hacher run -b "$B" tr6
  assert_success
  [[ $stderr != *"trace:"* ]] || fail "$stderr"
}

@test "a bad annotation value is refused before anything runs" {
  config_set "$B" '.annotations["io.hacher.trace"] = "yes"'
  run --separate-stderr hacher run -b "$B" tr7
  assert_failure
  assert_equal "$stderr" \
    'hacher: config.json: .annotations["io.hacher.trace"]: expected "true" or "false", got "yes"'
  run --separate-stderr hacher attest measure --bundle "$B"
  assert_failure
  assert_no_state_left
}

@test "tracing is measured: attest measure and state differ with it on" {
  local off on debug
  off=$(measure)
  debug=$(measure --debug)
  config_set "$B" '.annotations["io.hacher.trace"] = "false"'
  assert_equal "$(measure)" "$off"
  config_set "$B" '.annotations["io.hacher.trace"] = "true"'
  on=$(measure)
  [[ $on != "$off" ]] || fail "the trace mode is not measured"
  # --debug traces, so it measures as the annotation does
  assert_equal "$debug" "$on"
  hacher create --bundle "$B" tr1
  run hacher state tr1
  assert_success
  assert_equal "$(jq -r '.annotations["io.hacher.measurement"]' <<<"$output")" "$on"
}

@test "a secret sealed for the untraced measurement is refused to a traced trustlet" {
  config_set "$B" '.annotations["io.hacher.secret.db"] = $p' --arg p "$BATS_TEST_TMPDIR/db.sealed"
  config_args "$B" /bin/attest.musl 00 db msg
  printf 'top secret' | HACHER_IMAGES=$BATS_TEST_TMPDIR/images timeout 60 "$HACHER" \
    secret seal --name db --measurement "$(measure)" >"$BATS_TEST_TMPDIR/db.sealed"
  run --separate-stderr hacher run -b "$B" tr8
  assert_success
  run --separate-stderr hacher --debug run -b "$B" tr9
  assert_failure
  [[ $stderr == *'secret "db": sealed for other measurements'* ]] || fail "$stderr"
  [[ $stderr != *"top secret"* ]] || fail "the secret leaked"
  assert_no_state_left
}
