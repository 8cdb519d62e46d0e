#!/usr/bin/env bats
# runc's lifecycle: create (the trustlet waits), start, state, list, ps, kill,
# delete, run -d, with runc's messages for the error and race cases.

load helpers

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  remember_rootfs "$B"
}

teardown()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
  assert_rootfs_unchanged
}

status_of()
{
  hacher state "$1" | jq -r .status
}

# wait_stopped ID: up to 5 s for the container to stop.
wait_stopped()
{
  for _ in $(seq 100); do
    [[ $(status_of "$1") == stopped ]] && return
    sleep 0.05
  done
}

# create/run -d leave the monitor holding the command's stdio (the
# container's, as with runc), so bats' `run` would wait for it: use files.
detached()
{
  hacher "$@" >"$BATS_TEST_TMPDIR/d.out" 2>"$BATS_TEST_TMPDIR/d.err" </dev/null
}

@test "create waits for start; state, list and ps follow the container" {
  config_args "$B" /bin/sleep 2
  detached create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c1
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  [[ -d /proc/$pid ]] || fail "monitor $pid is not running"
  assert_equal "$(status_of c1)" created
  run hacher state c1
  assert_equal "$(jq -r '.id + " " + (.pid|tostring) + " " + .bundle' <<<"$output")" "c1 $pid $B"
  run hacher list --format json
  assert_equal "$(jq -r '.[0].id + " " + .[0].status' <<<"$output")" "c1 created"
  hacher start c1
  assert_equal "$(status_of c1)" running
  run hacher ps --format json c1
  assert_output "[$pid]"
  run --separate-stderr hacher start c1
  assert_failure
  assert_equal "$stderr" "hacher: cannot start an already running container"
  run --separate-stderr hacher delete c1
  assert_failure
  assert_equal "$stderr" "hacher: cannot delete container c1 that is not stopped: running"
  wait_stopped c1
  assert_equal "$(status_of c1)" stopped
  run --separate-stderr hacher start c1
  assert_equal "$stderr" "hacher: cannot start a container that has stopped"
  hacher delete c1
  run --separate-stderr hacher state c1
  assert_equal "$stderr" "hacher: container does not exist"
  assert_no_state_left
}

@test "kill delivers signals by name and number; kill -9 of the monitor shows stopped" {
  config_args "$B" /bin/sleep 30
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" k1
  assert_equal "$(status_of k1)" running
  run --separate-stderr hacher kill k1 NOSUCHSIG
  assert_equal "$stderr" 'hacher: unknown signal "NOSUCHSIG"'
  hacher kill k1 SIGTERM
  wait_stopped k1
  assert_equal "$(status_of k1)" stopped
  run --separate-stderr hacher kill k1 9
  assert_equal "$stderr" "hacher: container not running"
  # runc: --all on a stopped container has nothing to signal and succeeds
  run --separate-stderr hacher kill --all k1 9
  assert_success
  assert_equal "$stderr" ""
  # with --log (containerd's shim) an error goes to the file and to stderr
  local log=$BATS_TEST_TMPDIR/log.json
  run --separate-stderr hacher --log "$log" --log-format json kill k1 9
  assert_failure
  assert_equal "$stderr" "hacher: container not running"
  assert_equal "$(jq -r '.level + " " + .msg' "$log")" "error container not running"
  hacher delete k1
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" k2
  kill -9 "$(cat "$BATS_TEST_TMPDIR/pid")"
  wait_stopped k2
  assert_equal "$(status_of k2)" stopped
  hacher delete k2
  assert_no_state_left
}

@test "delete --force kills a running container and succeeds when it is already gone" {
  config_args "$B" /bin/sleep 30
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" f1
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  hacher delete --force f1
  [[ ! -d /proc/$pid ]] || [[ $(awk '{print $3}' "/proc/$pid/stat") == Z ]] || fail "monitor $pid survived"
  hacher delete --force f1
  run --separate-stderr hacher delete f1
  assert_equal "$stderr" "hacher: container does not exist"
  assert_no_state_left
}

@test "two concurrent creates of one id: exactly one wins" {
  config_args "$B" /bin/sleep 30
  local i ok=0 lost=0
  for i in 1 2 3; do
    (hacher create --bundle "$B" same >"$BATS_TEST_TMPDIR/out.$i" 2>&1 </dev/null
      echo $? >"$BATS_TEST_TMPDIR/rc.$i") &
  done
  wait
  for i in 1 2 3; do
    if [[ $(cat "$BATS_TEST_TMPDIR/rc.$i") == 0 ]]; then
      ok=$((ok + 1))
    else
      lost=$((lost + 1))
      assert_equal "$(cat "$BATS_TEST_TMPDIR/out.$i")" "hacher: container with id exists: same"
    fi
  done
  assert_equal "$ok" 1
  assert_equal "$lost" 2
  assert_equal "$(status_of same)" created
}

@test "a failing create reports hacher's error and leaves nothing behind" {
  config_args "$B" nope
  run --separate-stderr hacher create --bundle "$B" bad
  assert_equal "$status" 1
  assert_equal "$stderr" 'hacher: exec "nope": executable file not found in $PATH'
  assert_no_state_left
  config_set "$B" '.process.args = "sh"'
  run --separate-stderr hacher create --bundle "$B" bad
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: $B/config.json: .process.args: expected an array of strings"
  assert_no_state_left
  run pgrep -f "hacher --root $BATS_TEST_TMPDIR/state"
  assert_failure
}

@test "a created container killed before start ends" {
  config_args "$B" /bin/echo never
  detached create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" kc
  hacher kill kc KILL
  wait_stopped kc
  assert_equal "$(status_of kc)" stopped
  hacher delete kc
  assert_no_state_left
}

@test "features is the OCI features document" {
  run hacher features
  assert_success
  assert_equal "$(jq -r '.ociVersionMax + " " + (.mountOptions | index("ro") | tostring)' <<<"$output")" "1.1.0 0"
  [[ $(jq -r '.annotations["io.hacher.platform"]' <<<"$output") == kvm* ]] || fail "$output"
  assert_equal "$(jq -c .hooks <<<"$output")" \
    '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
  # every capability libcap knows, in the spec's spelling
  assert_equal "$(jq -r '.linux.capabilities | index("CAP_NET_BIND_SERVICE") != null' <<<"$output")" true
}

@test "exec in a missing container fails as runc's does (exec.bats has the rest)" {
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" --detach some-id
  assert_failure 255
  assert_output 'hacher: exec failed: container does not exist'
}

@test "pause stops the trustlet's vCPU; resume continues it" {
  config_args "$B" /bin/sleep 30
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" p1
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  hacher pause p1
  assert_equal "$(status_of p1)" paused
  # stopped (T), or frozen by the cgroup freezer (D)
  [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status") == [TD] ]] || fail "monitor still runs"
  run --separate-stderr hacher pause p1
  assert_equal "$stderr" "hacher: container not running"
  hacher resume p1
  assert_equal "$(status_of p1)" running
  [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status") != T ]] || fail "monitor still stopped"
  run --separate-stderr hacher resume p1
  assert_equal "$stderr" "hacher: container not paused"
  hacher delete --force p1
  assert_no_state_left
}

@test "the monitor runs guest code confined: seccomp filter, no_new_privs, no capabilities" {
  config_args "$B" /bin/sleep 30
  detached run -d --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" sb
  local st=/proc/$(cat "$BATS_TEST_TMPDIR/pid")/status
  assert_equal "$(awk '/^Seccomp:/ {print $2}' "$st")" 2
  assert_equal "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" 1
  assert_equal "$(awk '/^CapEff:/ {print $2}' "$st")" 0000000000000000
  assert_equal "$(awk '/^CapPrm:/ {print $2}' "$st")" 0000000000000000
  hacher delete --force sb
}

@test "kill never signals a process group: a crashed create reads stopped" {
  mkdir -p "$BATS_TEST_TMPDIR/state/crashed"
  echo '{"ociVersion":"1.1.0","id":"crashed","pid":0,"status":"creating","bundle":"/x","rootfs":"/x/rootfs"}' \
    >"$BATS_TEST_TMPDIR/state/crashed/state.json"
  assert_equal "$(status_of crashed)" stopped
  run --separate-stderr hacher kill crashed KILL
  assert_equal "$stderr" "hacher: container not running"
  hacher delete crashed
  assert_no_state_left
}

@test "a damaged state.json gives a clear error and is left out of list" {
  mkdir -p "$BATS_TEST_TMPDIR/state/broken"
  printf '{"id": "broken", "pid": ' >"$BATS_TEST_TMPDIR/state/broken/state.json"
  run --separate-stderr hacher state broken
  assert_failure
  assert_equal "$stderr" "hacher: \"$BATS_TEST_TMPDIR/state/broken/state.json\": not valid JSON"
  run hacher list -q
  assert_output ""
}
