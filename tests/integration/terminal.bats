#!/usr/bin/env bats
# process.terminal: a host pty whose slave is the trustlet's stdio, handed
# over with runc's --console-socket protocol or proxied by `run`.

load helpers

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  config_set "$B" '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
  SOCK=$BATS_TEST_TMPDIR/console.sock
  OUT=$BATS_TEST_TMPDIR/console.out
}

teardown()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
  [[ -z ${RECEIVER:-} ]] || kill "$RECEIVER" 2>/dev/null || true
}

# receive [INPUT]: a console-socket listener in the background.
receive()
{
  "$BATS_TEST_DIRNAME/console-receiver.py" "$SOCK" "$OUT" "$@" &
  RECEIVER=$!
  for _ in $(seq 100); do
    [[ -S $SOCK ]] && return
    sleep 0.05
  done
  fail "the console receiver did not start"
}

# create_start ID: create with the console socket, start, wait for the end.
create_start()
{
  hacher create --bundle "$B" --console-socket "$SOCK" "$1" >"$BATS_TEST_TMPDIR/c.out" 2>&1 \
    || fail "create: $(cat "$BATS_TEST_TMPDIR/c.out")"
  hacher start "$1"
  wait "$RECEIVER"
  RECEIVER=
}

@test "create --console-socket hands over the pty; the function sees /dev/pts/0" {
  # busybox sh runs its last command in-process (no fork yet)
  config_args "$B" sh -c tty
  receive
  create_start t1
  run cat "$OUT"
  assert_output $'/dev/pts/0\r'
  # the message is the host pty's name, as with runc
  run cat "$OUT.name"
  assert_output --regexp '^/dev/pts/[0-9]+$'
}

@test "the terminal is /dev/pts/0 in /proc/self/fd, /dev/console and a devpts mount" {
  config_set "$B" '.mounts += [{"destination": "/dev/pts", "type": "devpts", "source": "devpts"}]'
  config_args "$B" ls -l /proc/self/fd/0 /dev/console /dev/pts/0
  receive
  create_start t1c
  run cat "$OUT"
  assert_line --partial $'/proc/self/fd/0 -> /dev/pts/0\r'
  assert_line --regexp '^crw--w---- +2 root +5 +136, +0 .* /dev/console'
  assert_line --regexp '^crw--w---- +2 root +5 +136, +0 .* /dev/pts/0'
}

@test "process.consoleSize sets the terminal's window size" {
  config_args "$B" stty size
  receive
  create_start t1b
  run cat "$OUT"
  assert_output $'30 100\r'
}

@test "keystrokes reach the function through the terminal's line discipline" {
  config_args "$B" sh -c 'echo ready; read line; echo "got:$line"'
  receive 'typed text\r'
  create_start t2
  run cat "$OUT"
  assert_output --partial $'got:typed text\r'
}

@test "^C on the terminal interrupts the function" {
  config_args "$B" sh -c 'echo ready; read line; echo not-reached'
  receive '\x03'
  create_start t3
  run cat "$OUT"
  assert_output --partial ready
  refute_output --partial not-reached
  run hacher state t3
  assert_output --partial '"status": "stopped"'
  run hacher delete t3
  assert_success
}

@test "run in the foreground proxies its own terminal" {
  config_args "$B" sh -c 'echo ready; read line; echo "got:$line"; exit 3'
  run "$BATS_TEST_DIRNAME/pty-run.py" --input 'hello\r' env HACHER_IMAGES="$BATS_TEST_TMPDIR/images" \
    timeout 30 "$HACHER" --root "$BATS_TEST_TMPDIR/state" run --bundle "$B" fg
  assert_output --partial $'got:hello\r'
  assert_equal "$status" 3
}

@test "terminal and console socket follow runc's rules" {
  run hacher create --bundle "$B" nosock
  assert_failure
  assert_output --partial "process.terminal is true: a detached container needs --console-socket"
  run hacher run -d --bundle "$B" nosock2
  assert_failure
  assert_output --partial "needs --console-socket"
  config_set "$B" '.process.terminal = false'
  run hacher create --bundle "$B" --console-socket "$SOCK" nosock3
  assert_failure
  assert_output --partial "--console-socket given but process.terminal is false"
  run hacher list -q
  assert_output ""
}

@test "without a terminal, stdio is not a tty" {
  config_set "$B" '.process.terminal = false'
  config_args "$B" tty
  run hacher run --bundle "$B" notty
  assert_equal "$status" 1
  assert_output "not a tty"
}
