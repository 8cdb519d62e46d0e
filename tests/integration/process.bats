#!/usr/bin/env bats
# The host side of process and namespace settings, applied to the monitor
# (the container's only host process), and what the function is told.

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  add_programs "$B" misc.musl
  config_args "$B" /bin/sleep 30
}

teardown()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
}

detached()
{
  hacher "$@" >"$BATS_TEST_TMPDIR/d.out" 2>"$BATS_TEST_TMPDIR/d.err" </dev/null
}

start_pid()
{
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" "$1" \
    || fail "run -d: $(cat "$BATS_TEST_TMPDIR/d.err")"
  cat "$BATS_TEST_TMPDIR/pid"
}

# CAP_SYS_RESOURCE lets a process raise hard limits and lower oom_score_adj
have_sys_resource()
{
  local eff
  eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
  (((0x$eff >> 24) & 1))
}

@test "a network namespace without a path is created for the monitor" {
  config_set "$B" '.linux.namespaces = [{"type": "network"}, {"type": "pid"}]'
  local pid
  pid=$(start_pid n1)
  [[ $(readlink "/proc/$pid/ns/net") != $(readlink /proc/self/ns/net) ]]
}

@test "a network namespace with a path is joined" {
  config_set "$B" '.linux.namespaces = [{"type": "network"}]'
  local pid1 pid2
  pid1=$(start_pid n2)
  config_set "$B" '.linux.namespaces = [{"type": "network", "path": $p}]' \
    --arg p "/proc/$pid1/ns/net"
  pid2=$(start_pid n3)
  assert_equal "$(readlink "/proc/$pid2/ns/net")" "$(readlink "/proc/$pid1/ns/net")"
}

@test "namespace errors name the entry and leave nothing behind" {
  config_set "$B" '.linux.namespaces = [{"type": "network", "path": "/nonexistent/ns"}]'
  run hacher create --bundle "$B" n4
  assert_failure
  assert_output --partial '.linux.namespaces[0].path "/nonexistent/ns": No such file or directory'
  config_set "$B" '.linux.namespaces = [{"type": "pid"}, {"type": "pid"}]'
  run hacher create --bundle "$B" n5
  assert_failure
  assert_output --partial '.linux.namespaces[1]: duplicate namespace "pid"'
  config_set "$B" '.linux.namespaces = [{"type": "bogus"}]'
  run hacher create --bundle "$B" n6
  assert_output --partial '.linux.namespaces[0].type: unknown namespace "bogus"'
  run hacher list -q
  assert_output ""
}

@test "rlimits are set on the monitor and reported inside" {
  config_set "$B" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
  local pid
  pid=$(start_pid r1)
  run grep -E '^Max (open files|core file size)' "/proc/$pid/limits"
  assert_line --regexp '^Max core file size +0 +0 +bytes'
  assert_line --regexp '^Max open files +512 +1024 +files'
  config_args "$B" sh -c 'ulimit -n'
  run hacher run --bundle "$B" r2
  assert_output 512
}

@test "an rlimit above the caller's hard limit fails create, as runc" {
  have_sys_resource && skip "this process may raise hard limits (CAP_SYS_RESOURCE)"
  local hard
  hard=$(ulimit -Hn)
  config_set "$B" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]' \
    --argjson h $((hard + 1))
  run hacher create --bundle "$B" r3
  assert_failure
  assert_output --partial "error setting rlimit type RLIMIT_NOFILE (soft 1024, hard $((hard + 1))): Operation not permitted"
  config_set "$B" '.process.rlimits = [{"type": "RLIMIT_AS", "soft": 2, "hard": 1}]'
  run hacher create --bundle "$B" r4
  assert_output --partial "error setting rlimit type RLIMIT_AS (soft 2, hard 1): Invalid argument"
  run hacher list -q
  assert_output ""
}

@test "oomScoreAdj is set on the monitor; lowering it needs privilege, as runc" {
  config_set "$B" '.process.oomScoreAdj = 500'
  local pid
  pid=$(start_pid o1)
  assert_equal "$(cat "/proc/$pid/oom_score_adj")" 500
  have_sys_resource && skip "this process may lower oom_score_adj"
  config_set "$B" '.process.oomScoreAdj = -900'
  run hacher create --bundle "$B" o2
  assert_failure
  assert_output --partial 'set oom_score_adj to -900: write "/proc/self/oom_score_adj"'
}

@test "process.capabilities are reported to the function; dropped ones cannot come back" {
  config_set "$B" '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
    "effective": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
    "inheritable": [], "ambient": []}'
  config_args "$B" /bin/misc.musl caps
  run hacher run --bundle "$B" c1
  assert_success
  # CAP_CHOWN = bit 0, CAP_KILL = bit 5
  assert_line "eff 0000000000000021 prm 0000000000000021 inh 0000000000000000"
  assert_line "bounding CAP_KILL 1 CAP_SYS_ADMIN 0"
  assert_line "drop CAP_KILL: 0 ok"
  assert_line "regain CAP_KILL: -1 Operation not permitted"
  config_args "$B" grep ^Cap /proc/self/status
  run hacher run --bundle "$B" c1b
  assert_output "CapInh:	0000000000000000
CapPrm:	0000000000000021
CapEff:	0000000000000021
CapBnd:	0000000000000421
CapAmb:	0000000000000000"
}

@test "an unknown capability name is skipped with a warning" {
  config_set "$B" '.process.capabilities = {"effective": ["CAP_KILL", "CAP_NOT_A_THING"]}'
  config_args "$B" /bin/misc.musl caps
  run hacher run --bundle "$B" c2
  assert_success
  assert_output --partial 'capabilities.effective: unknown capability "CAP_NOT_A_THING" ignored'
  assert_line "eff 0000000000000020 prm 0000000000000000 inh 0000000000000000"
}
