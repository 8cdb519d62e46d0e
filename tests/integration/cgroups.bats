#!/usr/bin/env bats
# cgroups on the real host: the container's cgroup is made with its limits,
# holds the monitor, follows update, pause and delete, and a limit the host
# refuses leaves nothing behind. Works on cgroup v1 (also hybrid) and v2.

load helpers

CG=/sys/fs/cgroup

setup()
{
  require_hacher
  require_kvm
  [[ -d $CG ]] || skip "no $CG: cgroups are not mounted"
  if [[ -e $CG/cgroup.controllers ]]; then
    V2=1
  else
    V2=""
  fi
  # one parent per test, so nothing can collide with another run
  PARENT=/hacher-bats-$BATS_ROOT_PID-$BATS_SUITE_TEST_NUMBER
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  config_args "$B" /bin/sleep 30
  remember_rootfs "$B"
}

teardown()
{
  local id d
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
  # parents are left in place on delete (as with runc): remove this test's
  for d in $CG$PARENT $CG/*$PARENT $CG/hbats$BATS_ROOT_PID.slice $CG/*/hbats$BATS_ROOT_PID.slice; do
    [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  assert_rootfs_unchanged
}

# cg_dir CONTROLLER PATH: the cgroup's directory for a controller.
cg_dir()
{
  if [[ -n $V2 ]]; then
    echo "$CG$2"
  else
    echo "$CG/$1$2"
  fi
}

# cg_dirs PATH: every directory the cgroup should have (one per hierarchy).
cg_dirs()
{
  local h
  if [[ -n $V2 ]]; then
    echo "$CG$1"
    return
  fi
  for h in "$CG"/*; do
    [[ ! -L $h && -e $h/cgroup.procs ]] && echo "$h$1"
  done
}

# Limits in the file format of this host's cgroup version.
memory_limit() { if [[ -n $V2 ]]; then cat "$(cg_dir memory "$1")/memory.max"; else cat "$(cg_dir memory "$1")/memory.limit_in_bytes"; fi; }
cpu_quota() { if [[ -n $V2 ]]; then cut -d' ' -f1 "$(cg_dir cpu "$1")/cpu.max"; else cat "$(cg_dir cpu "$1")/cpu.cfs_quota_us"; fi; }
pids_max() { cat "$(cg_dir pids "$1")/pids.max"; }

detached()
{
  hacher "$@" >"$BATS_TEST_TMPDIR/d.out" 2>"$BATS_TEST_TMPDIR/d.err" </dev/null
}

status_of()
{
  hacher state "$1" | jq -r .status
}

wait_stopped()
{
  for _ in $(seq 100); do
    [[ $(status_of "$1") == stopped ]] && return
    sleep 0.05
  done
}

assert_no_cgroup()
{
  local d
  for d in $(cg_dirs "$1"); do
    [[ ! -e $d ]] || fail "cgroup directory left behind: $d"
  done
}

with_limits()
{
  config_set "$B" '.linux.cgroupsPath = $p | .linux.resources = {
      memory: {limit: 268435456}, pids: {limit: 64},
      cpu: {quota: 50000, period: 100000, shares: 512}}' --arg p "$1"
}

@test "create makes the cgroup with its limits and puts the monitor in it before start" {
  with_limits "$PARENT/c1"
  detached create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c1
  local pid d
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  assert_equal "$(status_of c1)" created
  for d in $(cg_dirs "$PARENT/c1"); do
    [[ -d $d ]] || fail "missing $d"
    assert_equal "$(cat "$d/cgroup.procs")" "$pid"
  done
  assert_equal "$(memory_limit "$PARENT/c1")" 268435456
  assert_equal "$(pids_max "$PARENT/c1")" 64
  assert_equal "$(cpu_quota "$PARENT/c1")" 50000
  if [[ -z $V2 ]]; then
    assert_equal "$(cat "$(cg_dir cpu "$PARENT/c1")/cpu.shares")" 512
    assert_equal "$(cat "$(cg_dir cpu "$PARENT/c1")/cpu.cfs_period_us")" 100000
    # a new cpuset cgroup gets its parent's cpus and mems, or nothing could join it
    assert_equal "$(cat "$(cg_dir cpuset "$PARENT/c1")/cpuset.cpus")" "$(cat $CG/cpuset/cpuset.cpus)"
  else
    assert_equal "$(cat "$(cg_dir cpu "$PARENT/c1")/cpu.weight")" 59
  fi
  # the guest's memory is charged to the container
  (($(cat "$(cg_dir memory "$PARENT/c1")/memory.usage_in_bytes" 2>/dev/null \
    || cat "$(cg_dir memory "$PARENT/c1")/memory.current") > 0)) || fail "nothing charged"
  hacher start c1
  run hacher ps --format json c1
  assert_output "[$pid]"
  assert_equal "$(jq -r .cgroup.path "$BATS_TEST_TMPDIR/state/c1/state.json")" "$PARENT/c1"
  hacher delete --force c1
  assert_no_cgroup "$PARENT/c1"
  assert_no_state_left
}

@test "update changes the limits: runc's flags, --resources FILE and --resources -" {
  with_limits "$PARENT/u1"
  detached run -d --bundle "$B" u1
  hacher update --memory 128m --pids-limit 10 --cpu-quota 20000 u1
  assert_equal "$(memory_limit "$PARENT/u1")" 134217728
  assert_equal "$(pids_max "$PARENT/u1")" 10
  assert_equal "$(cpu_quota "$PARENT/u1")" 20000
  echo '{"memory": {"limit": 201326592}, "pids": {"limit": 12}}' >"$BATS_TEST_TMPDIR/res.json"
  hacher update --resources "$BATS_TEST_TMPDIR/res.json" u1
  assert_equal "$(memory_limit "$PARENT/u1")" 201326592
  assert_equal "$(pids_max "$PARENT/u1")" 12
  # containerd's form: the document on stdin (other flags are ignored, as with runc)
  echo '{"cpu": {"quota": 30000}, "pids": {"limit": 14}}' \
    | timeout 60 "$HACHER" --root "$BATS_TEST_TMPDIR/state" update --pids-limit 99 --resources - u1
  assert_equal "$(cpu_quota "$PARENT/u1")" 30000
  assert_equal "$(pids_max "$PARENT/u1")" 14
  run --separate-stderr hacher update --memory lots u1
  assert_failure
  assert_equal "$stderr" 'hacher: invalid value for memory: "lots"'
  run --separate-stderr hacher update --cpuset-cpus 99 u1
  assert_failure
  assert_equal "$stderr" "hacher: cgroup: write \"99\" to \"$(cg_dir cpuset "$PARENT/u1")/cpuset.cpus\": Numerical result out of range"
  run --separate-stderr hacher update --memory 1g nosuch
  assert_equal "$stderr" "hacher: container does not exist"
  hacher kill u1 KILL
  wait_stopped u1
  run --separate-stderr hacher update --memory 1g u1
  assert_failure
  assert_equal "$stderr" "hacher: container not running"
  hacher delete u1
  assert_no_cgroup "$PARENT/u1"
}

@test "pause freezes the cgroup and stops the vCPU; resume thaws it" {
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$PARENT/p1"
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" p1
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  hacher pause p1
  assert_equal "$(status_of p1)" paused
  if [[ -n $V2 ]]; then
    assert_equal "$(grep frozen "$(cg_dir freezer "$PARENT/p1")/cgroup.events")" "frozen 1"
  else
    assert_equal "$(cat "$(cg_dir freezer "$PARENT/p1")/freezer.state")" FROZEN
  fi
  hacher resume p1
  assert_equal "$(status_of p1)" running
  if [[ -n $V2 ]]; then
    assert_equal "$(grep frozen "$(cg_dir freezer "$PARENT/p1")/cgroup.events")" "frozen 0"
  else
    assert_equal "$(cat "$(cg_dir freezer "$PARENT/p1")/freezer.state")" THAWED
  fi
  sleep 0.1
  [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status") == S ]] || fail "monitor not running again"
  hacher delete --force p1
  assert_no_cgroup "$PARENT/p1"
}

@test "a paused container dies of kill KILL and of delete --force (the freezer is thawed)" {
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$PARENT/z1"
  detached run -d --bundle "$B" z1
  hacher pause z1
  hacher kill z1 KILL
  wait_stopped z1
  assert_equal "$(status_of z1)" stopped
  hacher delete z1
  assert_no_cgroup "$PARENT/z1"
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$PARENT/z2"
  detached run -d --bundle "$B" z2
  hacher pause z2
  run timeout 5 "$HACHER" --root "$BATS_TEST_TMPDIR/state" delete --force z2
  assert_success
  assert_no_cgroup "$PARENT/z2"
  assert_no_state_left
}

@test "delete removes the cgroup after kill -9 of the monitor, and with --force" {
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$PARENT/k1"
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" k1
  kill -9 "$(cat "$BATS_TEST_TMPDIR/pid")"
  wait_stopped k1
  [[ -d $(cg_dir pids "$PARENT/k1") ]] || fail "the cgroup went before delete"
  run hacher ps --format json k1
  assert_output "[]"
  hacher delete k1
  assert_no_cgroup "$PARENT/k1"
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$PARENT/k2"
  detached create --bundle "$B" k2
  hacher delete --force k2
  assert_no_cgroup "$PARENT/k2"
  hacher delete --force k2
  assert_no_state_left
}

@test "a limit the host refuses fails create with the file and value, leaving nothing" {
  config_set "$B" '.linux.cgroupsPath = $p | .linux.resources = {cpu: {cpus: "99"}, pids: {limit: 5}}' \
    --arg p "$PARENT/bad"
  run --separate-stderr hacher create --bundle "$B" bad
  assert_failure
  assert_equal "$stderr" "hacher: cgroup: write \"99\" to \"$(cg_dir cpuset "$PARENT/bad")/cpuset.cpus\": Numerical result out of range"
  assert_no_cgroup "$PARENT/bad"
  assert_no_cgroup "$PARENT" # the parent was made by this create too
  assert_no_state_left
  run --separate-stderr hacher run --bundle "$B" bad
  assert_failure
  assert_no_cgroup "$PARENT"
  assert_no_state_left
  run pgrep -f "hacher --root $BATS_TEST_TMPDIR/state"
  assert_failure
}

@test "cgroupsPath: default /hacher/ID, foreground run cleans up, bad paths refused" {
  config_set "$B" 'del(.linux.cgroupsPath)'
  local id=dflt-$BATS_ROOT_PID
  config_args "$B" /bin/sleep 1
  hacher run --bundle "$B" "$id" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  local run_pid=$! procs=""
  for _ in $(seq 100); do
    procs=$(cat "$(cg_dir pids "/hacher/$id")/cgroup.procs" 2>/dev/null) && [[ -n $procs ]] && break
    sleep 0.05
  done
  [[ -n $procs ]] || fail "no process in /hacher/$id"
  assert_equal "$procs" "$(hacher state "$id" | jq -r .pid)"
  wait "$run_pid" || fail "run failed: $(cat "$BATS_TEST_TMPDIR/out")"
  assert_no_cgroup "/hacher/$id"
  assert_no_state_left
  config_set "$B" '.linux.cgroupsPath = "/a/../../etc"'
  run --separate-stderr hacher create --bundle "$B" x1
  assert_equal "$stderr" 'hacher: cgroupsPath "/a/../../etc": ".." is not allowed'
  config_set "$B" '.linux.cgroupsPath = "/"'
  run --separate-stderr hacher create --bundle "$B" x1
  assert_equal "$stderr" 'hacher: cgroupsPath "/": a container cannot use the root cgroup'
  assert_no_state_left
}

@test "--systemd-cgroup: slice:prefix:name is made where systemd would put it" {
  local slice=hbats$BATS_ROOT_PID-t$BATS_SUITE_TEST_NUMBER.slice
  local path=/hbats$BATS_ROOT_PID.slice/$slice/hb-s1.scope
  config_set "$B" '.linux.cgroupsPath = $p' --arg p "$slice:hb:s1"
  run --separate-stderr hacher create --bundle "$B" s1
  assert_failure
  assert_equal "$stderr" "hacher: cgroupsPath \"$slice:hb:s1\" is a systemd path (slice:prefix:name): it needs --systemd-cgroup"
  hacher --systemd-cgroup create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" s1 \
    >/dev/null 2>&1 </dev/null
  assert_equal "$(cat "$(cg_dir pids "$path")/cgroup.procs")" "$(cat "$BATS_TEST_TMPDIR/pid")"
  hacher delete --force s1
  assert_no_cgroup "$path"
  config_set "$B" '.linux.cgroupsPath = "/not/systemd"'
  run --separate-stderr hacher --systemd-cgroup create --bundle "$B" s2
  assert_equal "$stderr" 'hacher: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/not/systemd" instead'
  assert_no_state_left
}

@test "features says cgroup v1 and v2 are supported, systemd is not" {
  run hacher features
  assert_success
  assert_equal "$(jq -c .linux.cgroup <<<"$output")" '{"v1":true,"v2":true,"systemd":false,"systemdUser":false}'
}
