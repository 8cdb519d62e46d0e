#!/usr/bin/env bats
# Threads in one trustlet (tests/programs/threads.c, four libc builds):
# create and join, mutex and condition-variable ping-pong, a spinning thread
# that must not starve a sleeper (the monitor's tick), signals to one thread,
# timed waits, vector registers across switches, many short threads.

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
    add_programs "$B" "threads.$f"
  done
}

# threads_case CHECK LINE: every flavour passes CHECK and prints LINE.
threads_case()
{
  local f
  for f in "${FLAVOURS[@]}"; do
    config_args "$B" "/bin/threads.$f" "$1"
    run --separate-stderr hacher_run "$B" "thr-$1-$f"
    assert_equal "$status" 0
    assert_line "$2"
    assert_line "threads: ok"
  done
}

@test "threads: four threads compute and are joined" {
  threads_case join "join: 4 threads summed 11999994"
}

@test "threads: mutex and condition variable ping-pong" {
  threads_case pingpong "pingpong: 2000 rounds"
}

@test "threads: a thread spinning without syscalls does not starve a sleeper" {
  threads_case preempt "preempt: the sleeper woke while a thread spun"
}

@test "threads: pthread_kill runs the handler in the target thread" {
  threads_case signal "tgkill: the handler ran in the target thread"
}

@test "threads: a timed condition wait times out" {
  threads_case timedwait "timedwait: ETIMEDOUT"
}

@test "threads: vector registers survive switches between threads" {
  threads_case avx "avx: ymm registers kept across switches"
}

@test "threads: fifty threads come and go" {
  threads_case many "many: 50 threads came and went"
}
