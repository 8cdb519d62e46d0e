#!/usr/bin/env bats
# I/O objects inside one trustlet: pipes, FIFOs, AF_UNIX sockets, eventfd,
# timerfd, poll/select/epoll and file locks (tests/programs/ipc.c, whose
# checks also hold natively).

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
    add_programs "$B" "ipc.$f"
  done
  remember_rootfs "$B"
}

# ipc_case FLAVOUR MODE LINE...: the mode succeeds, prints the LINEs and
# nothing on stderr.
ipc_case()
{
  local flavour=$1 mode=$2
  shift 2
  config_args "$B" "/bin/ipc.$flavour" "$mode"
  run --separate-stderr hacher_run "$B" "ipc-$mode-$flavour"
  assert_equal "$stderr" ""
  assert_output "$(printf '%s\n' "$@")"
  assert_success
}

pipes_flavour()
{
  local f=$1
  ipc_case "$f" pipe "pipe: both ends, FIONREAD, fstat S_IFIFO, pipe:[ino]" \
    "pipe: O_NONBLOCK EAGAIN, 64 KiB, PIPE_BUF atomic, F_SETPIPE_SZ" \
    "pipe: EOF after the last writer" "pipe: EPIPE with SIGPIPE ignored"
  ipc_case "$f" fifo "fifo: mkfifo, O_NONBLOCK opens, ENXIO without a reader, O_RDWR"
  # SIGPIPE's default action ends the function: 128 + 13
  config_args "$B" "/bin/ipc.$f" sigpipe
  run --separate-stderr hacher_run "$B" "ipc-sigpipe-$f"
  assert_equal "$status" 141
  assert_output "sigpipe: writing"
  assert_no_state_left
}

multiplex_flavour()
{
  local f=$1
  ipc_case "$f" poll "poll: readiness, POLLNVAL, timeout waited long enough" \
    "select: readiness, timeout and time left, EBADF, HUP is readable"
  ipc_case "$f" epoll "epoll: ctl errors, timeout, level-triggered, data as given" \
    "epoll: EPOLLET, EPOLLONESHOT" \
    "epoll: EPOLLRDHUP, nested, ELOOP, entries go with the description"
  ipc_case "$f" eventfd "eventfd: counter, EAGAIN, overflow" "eventfd: semaphore mode"
  ipc_case "$f" timerfd "timerfd: blocking read waited long enough, 1 expiration" \
    "timerfd: interval expirations counted, poll wakes" \
    "timerfd: TFD_TIMER_ABSTIME, CLOCK_REALTIME, errors"
  assert_no_state_left
}

sockets_flavour()
{
  local f=$1
  ipc_case "$f" socketpair \
    "socketpair stream: both directions, peek, options, SO_PEERCRED, shutdown" \
    "socketpair dgram, seqpacket: boundaries kept"
  ipc_case "$f" unix "unix stream: bind, listen, connect, accept4, names, errors" \
    "unix dgram: abstract names, autobind, sender addresses"
  ipc_case "$f" scm "scm_rights: a pipe passed and read, MSG_CTRUNC, EBADF"
  assert_no_state_left
}

locks_flavour()
{
  local f=$1
  ipc_case "$f" locks \
    "locks: OFD conflicts, ranges, F_OFD_GETLK, process locks dropped on close" \
    "locks: F_OFD_SETLKW waits until EINTR, released with the description" \
    "flock: shared, exclusive, conversion, released on last close"
  assert_no_state_left
}

# epoll on stdin: the monitor's stdio readiness, then EOF.
stdin_flavour()
{
  local f=$1
  config_args "$B" "/bin/ipc.$f" stdin
  run --separate-stderr bash -c 'printf "fed by bats\n" | HACHER_IMAGES=$1 timeout 60 "$2" \
    --root "$3" run --bundle "$4" "$5"' _ "$BATS_TEST_TMPDIR/images" "$HACHER" \
    "$BATS_TEST_TMPDIR/state" "$B" "ipc-stdin-$f"
  assert_equal "$stderr" ""
  assert_output "stdin: 12 bytes: fed by bats"
  assert_success
  assert_no_state_left
}

@test "ipc pipes, FIFOs, SIGPIPE (musl static)" {
  pipes_flavour musl
}

@test "ipc pipes, FIFOs, SIGPIPE (musl static-pie)" {
  pipes_flavour musl-pie
}

@test "ipc pipes, FIFOs, SIGPIPE (glibc static)" {
  pipes_flavour glibc
}

@test "ipc pipes, FIFOs, SIGPIPE (glibc static-pie)" {
  pipes_flavour glibc-pie
}

@test "ipc poll, select, epoll, eventfd, timerfd (musl static)" {
  multiplex_flavour musl
}

@test "ipc poll, select, epoll, eventfd, timerfd (musl static-pie)" {
  multiplex_flavour musl-pie
}

@test "ipc poll, select, epoll, eventfd, timerfd (glibc static)" {
  multiplex_flavour glibc
}

@test "ipc poll, select, epoll, eventfd, timerfd (glibc static-pie)" {
  multiplex_flavour glibc-pie
}

@test "ipc AF_UNIX sockets and SCM_RIGHTS (musl static)" {
  sockets_flavour musl
}

@test "ipc AF_UNIX sockets and SCM_RIGHTS (musl static-pie)" {
  sockets_flavour musl-pie
}

@test "ipc AF_UNIX sockets and SCM_RIGHTS (glibc static)" {
  sockets_flavour glibc
}

@test "ipc AF_UNIX sockets and SCM_RIGHTS (glibc static-pie)" {
  sockets_flavour glibc-pie
}

@test "ipc record locks and flock (musl static)" {
  locks_flavour musl
}

@test "ipc record locks and flock (musl static-pie)" {
  locks_flavour musl-pie
}

@test "ipc record locks and flock (glibc static)" {
  locks_flavour glibc
}

@test "ipc record locks and flock (glibc static-pie)" {
  locks_flavour glibc-pie
}

@test "ipc epoll on stdin (musl static)" {
  stdin_flavour musl
}

@test "ipc epoll on stdin (musl static-pie)" {
  stdin_flavour musl-pie
}

@test "ipc epoll on stdin (glibc static)" {
  stdin_flavour glibc
}

@test "ipc epoll on stdin (glibc static-pie)" {
  stdin_flavour glibc-pie
}
