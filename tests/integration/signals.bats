#!/usr/bin/env bats
# Signal handlers inside the trustlet: signals the function sends itself
# (raise, kill, masks, frames) and host signals sent with `hacher kill`.

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
    add_programs "$B" "signals.$f"
  done
  remember_rootfs "$B"
}

# self_case FLAVOUR MODE STATUS LINE...: the mode ends with STATUS, prints
# exactly the LINEs and nothing on stderr.
self_case()
{
  local flavour=$1 mode=$2 want=$3
  shift 3
  config_args "$B" "/bin/signals.$flavour" "$mode"
  run --separate-stderr hacher_run "$B" "$mode-$flavour"
  assert_equal "$stderr" ""
  assert_equal "$status" "$want"
  assert_output "$(printf '%s\n' "$@")"
}

self_flavour()
{
  local f=$1
  self_case "$f" raise 0 "si_signo 10 si_code -6" "kill: si_code 0 si_pid 1" "registers intact"
  self_case "$f" mask 0 "pending while blocked" "delivered once on unblock"
  self_case "$f" altstack 0 "handler on the alternate stack" \
    "handler without SA_ONSTACK on the normal stack"
  self_case "$f" resethand 138 "handler ran once"
  self_case "$f" fpu 0 "fpu state intact (handler computed 609841766302822656.00)"
  self_case "$f" nested 0 "nested: outer 2 inner 2 depth 2"
  self_case "$f" sigsuspend 0 "sigsuspend: EINTR, mask restored"
  assert_no_state_left
}

@test "handlers, masks, frames (musl static)" {
  self_flavour musl
}

@test "handlers, masks, frames (musl static-pie)" {
  self_flavour musl-pie
}

@test "handlers, masks, frames (glibc static)" {
  self_flavour glibc
}

@test "handlers, masks, frames (glibc static-pie)" {
  self_flavour glibc-pie
}

# signal_run ID SIGNAL ARG...: runs ARG... in the foreground with stdin from
# $STDIN (default /dev/null) and sends SIGNAL with `hacher kill` once the
# function printed "ready" (its handlers are then installed). Sets status,
# output and stderr.
signal_run()
{
  local id=$1 sig=$2 out=$BATS_TEST_TMPDIR/$1.out err=$BATS_TEST_TMPDIR/$1.err
  shift 2
  config_args "$B" "$@"
  (
    for _ in $(seq 200); do
      grep -qx ready "$out" 2>/dev/null && break
      sleep 0.05
    done
    hacher kill "$id" "$sig"
  ) &
  local killer=$!
  status=0
  HACHER_IMAGES=$BATS_TEST_TMPDIR/images timeout 60 "$HACHER" --root "$BATS_TEST_TMPDIR/state" \
    run --bundle "$B" "$id" <"${STDIN:-/dev/null}" >"$out" 2>"$err" || status=$?
  wait "$killer"
  output=$(cat "$out")
  stderr=$(cat "$err")
}

@test "host SIGTERM runs the function's handler (pause)" {
  local f
  for f in musl glibc-pie; do
    signal_run "term-$f" TERM "/bin/signals.$f" term-handler
    assert_equal "$stderr" ""
    assert_equal "$status" 0
    assert_output "$(printf 'ready\ngot 15')"
  done
  assert_no_state_left
}

@test "pause returns EINTR after a host signal's handler ran" {
  signal_run pause-eintr TERM /bin/signals.glibc pause-eintr
  assert_equal "$stderr" ""
  assert_equal "$status" 4
  assert_output "$(printf 'ready\npause: EINTR after the handler (got 1)')"
}

@test "an ignored SIGTERM neither ends nor shortens a sleep" {
  local t0=$SECONDS
  signal_run ignore TERM /bin/signals.musl ignore
  assert_equal "$stderr" ""
  assert_equal "$status" 3
  assert_output "$(printf 'ready\nslept')"
  ((SECONDS - t0 >= 1)) || fail "the sleep was cut short"
}

@test "nanosleep returns EINTR with the time left when a handler ran" {
  signal_run sleep-usr1 USR1 /bin/signals.musl-pie sleep-handler
  assert_equal "$stderr" ""
  assert_equal "$status" 5
  assert_output "$(printf 'ready\nnanosleep: EINTR, time left')"
}

@test "a host signal without a handler ends the function with 128+N" {
  signal_run sleep-int INT /bin/signals.glibc sleep-handler
  assert_equal "$stderr" ""
  assert_equal "$status" 130
  assert_output "ready"
  signal_run sleep-hup HUP /bin/signals.musl term-handler
  assert_equal "$status" 129
}

@test "a host signal with the default action ends a function that makes no syscalls" {
  signal_run spin TERM /bin/signals.musl spin
  assert_equal "$stderr" ""
  assert_equal "$status" 143
  assert_output "ready"
}

@test "a handler interrupts a loop without syscalls, whose state survives" {
  local f
  for f in musl glibc; do
    signal_run "spin-$f" USR1 "/bin/signals.$f" spin-handler
    assert_equal "$stderr" ""
    assert_equal "$status" 6
    assert_output "$(printf 'ready\nhandler ran in a loop without syscalls; state intact')"
  done
}

@test "alarm and ITIMER_REAL: SIGALRM handlers, then the default action" {
  local f
  for f in musl glibc-pie; do
    config_args "$B" "/bin/signals.$f" alarm
    run --separate-stderr hacher_run "$B" "alarm-$f"
    assert_equal "$stderr" ""
    assert_equal "$status" 142
    assert_output "$(printf 'alarm interrupted a loop\nitimer ended pause 3 times')"
  done
}

@test "faults reach SIGSEGV, SIGILL and SIGFPE handlers with si_code and si_addr" {
  local f
  for f in "${FLAVOURS[@]}"; do
    config_args "$B" "/bin/signals.$f" fault
    run --separate-stderr hacher_run "$B" "fault-$f"
    assert_equal "$status" 139
    assert_output "$(printf 'SIGSEGV code 1 addr 0x10\nSIGILL code 2\nSIGFPE code 1')"
    # the last fault has no handler: the monitor's message, as before
    [[ $stderr == *"function killed by signal 11: #PF page fault"*", address 0x10" ]] \
      || fail "$stderr"
  done
}

@test "SA_RESTART: a read of stdin continues after handlers ran" {
  local fifo=$BATS_TEST_TMPDIR/in
  mkfifo "$fifo"
  exec 7<>"$fifo"
  (
    for _ in $(seq 200); do
      grep -qx ready "$BATS_TEST_TMPDIR/restart.out" 2>/dev/null && break
      sleep 0.05
    done
    hacher kill restart USR1
    sleep 0.3
    echo hello >&7
  ) &
  local feeder=$!
  STDIN=$fifo signal_run restart USR1 /bin/signals.glibc read-restart
  wait "$feeder"
  exec 7>&-
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$(printf 'ready\nread 6 bytes after 2 signals: hello')"
}

@test "busybox sh: trap on TERM runs while the shell waits in read" {
  add_busybox "$B"
  remember_rootfs "$B"
  local fifo=$BATS_TEST_TMPDIR/in
  mkfifo "$fifo"
  exec 7<>"$fifo"
  STDIN=$fifo signal_run trap TERM sh -c \
    'trap "echo trapped; exit 7" TERM; echo ready; while :; do read x; done'
  exec 7>&-
  assert_equal "$stderr" ""
  assert_equal "$status" 7
  assert_output "$(printf 'ready\ntrapped')"
  assert_no_state_left
}
