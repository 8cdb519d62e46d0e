#!/usr/bin/env bats
# OCI hooks: host programs run with the state JSON on stdin, in runc's order,
# with runc's failure rules.

load helpers

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  config_args "$B" /bin/echo hi
  LOG=$BATS_TEST_TMPDIR/hooks.log
  # hook.sh ARGS: appends "STATUS PID ID ANNOTATION ARGS X=$X" to the log
  cat >"$BATS_TEST_TMPDIR/hook.sh" <<EOF
#!/bin/sh
jq -j '.status, " ", .pid, " ", .id, " ", (.annotations["org.example"] // "-"), " "' >>"$LOG"
echo "\$* X=\$X" >>"$LOG"
EOF
  chmod +x "$BATS_TEST_TMPDIR/hook.sh"
  config_set "$B" '.annotations = {"org.example": "ann"}'
}

teardown()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
}

# add_hook KIND PATH [ARG...]: appends a hook whose args are PATH KIND ARG...
add_hook()
{
  local kind=$1 path=$2
  shift 2
  local args
  args=$(json_strings "$path" "$kind" "$@")
  config_set "$B" '.hooks[$k] += [{"path": $p, "args": $a, "env": ["X=1"]}]' \
    --arg k "$kind" --arg p "$path" --argjson a "$args"
}

detached()
{
  hacher "$@" >"$BATS_TEST_TMPDIR/d.out" 2>"$BATS_TEST_TMPDIR/d.err" </dev/null
}

wait_stopped()
{
  for _ in $(seq 100); do
    [[ $(hacher state "$1" | jq -r .status) == stopped ]] && return
    sleep 0.05
  done
}

@test "every hook kind runs once, in runc's order, with the state on stdin" {
  local k
  for k in poststop poststart startContainer createContainer createRuntime prestart; do
    add_hook "$k" "$BATS_TEST_TMPDIR/hook.sh"
  done
  detached create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" h1
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  run cat "$LOG"
  assert_output "creating $pid h1 ann prestart X=1
creating $pid h1 ann createRuntime X=1
creating $pid h1 ann createContainer X=1"
  hacher start h1
  run cat "$LOG"
  assert_line --index 3 "created $pid h1 ann startContainer X=1"
  assert_line --index 4 "running $pid h1 ann poststart X=1"
  wait_stopped h1
  hacher delete h1
  run cat "$LOG"
  assert_line --index 5 "stopped $pid h1 ann poststop X=1"
  assert_equal "${#lines[@]}" 6
}

@test "run in the foreground runs poststop after the function ends" {
  add_hook poststop "$BATS_TEST_TMPDIR/hook.sh" extra
  run hacher run --bundle "$B" h2
  assert_success
  assert_output hi
  run cat "$LOG"
  assert_output --regexp '^stopped [0-9]+ h2 ann poststop extra X=1$'
}

@test "a failing createRuntime hook fails create with its stderr and leaves nothing" {
  printf '#!/bin/sh\necho boom >&2\nexit 3\n' >"$BATS_TEST_TMPDIR/bad.sh"
  chmod +x "$BATS_TEST_TMPDIR/bad.sh"
  add_hook createRuntime "$BATS_TEST_TMPDIR/bad.sh"
  add_hook createContainer "$BATS_TEST_TMPDIR/hook.sh"
  run hacher create --bundle "$B" h3
  assert_failure
  assert_output --partial "createRuntime hook #0 (\"$BATS_TEST_TMPDIR/bad.sh\"): exit status 3, stderr: boom"
  run hacher list -q
  assert_output ""
  # the later hook never ran; no monitor is left
  [[ ! -e $LOG ]]
  run pgrep -f "hacher.*$BATS_TEST_TMPDIR"
  assert_failure
}

@test "a hook past its timeout is killed and fails create" {
  printf '#!/bin/sh\nsleep 30\n' >"$BATS_TEST_TMPDIR/slow.sh"
  chmod +x "$BATS_TEST_TMPDIR/slow.sh"
  config_set "$B" '.hooks.prestart = [{"path": $p, "timeout": 1}]' \
    --arg p "$BATS_TEST_TMPDIR/slow.sh"
  SECONDS=0
  run hacher create --bundle "$B" h4
  assert_failure
  assert_output --partial "prestart hook #0 (\"$BATS_TEST_TMPDIR/slow.sh\"): timed out after 1s"
  ((SECONDS < 20))
  run hacher list -q
  assert_output ""
}

@test "a failing poststart hook fails start and ends the container" {
  config_args "$B" /bin/sleep 30
  add_hook poststart /bin/false
  detached create --bundle "$B" h5
  run hacher start h5
  assert_failure
  assert_output --partial 'poststart hook #0 ("/bin/false"): exit status 1'
  wait_stopped h5
  run hacher state h5
  assert_output --partial '"status": "stopped"'
}

@test "a failing poststop hook fails delete after the state is removed, as runc" {
  add_hook poststop /bin/false
  detached run -d --bundle "$B" h6
  wait_stopped h6
  run hacher delete h6
  assert_failure
  assert_output --partial 'poststop hook #0 ("/bin/false"): exit status 1'
  run hacher list -q
  assert_output ""
}

@test "hooks come from the config as created, not the bundle as it is later" {
  add_hook poststop "$BATS_TEST_TMPDIR/hook.sh"
  detached create --bundle "$B" h7
  config_set "$B" 'del(.hooks)'
  hacher delete --force h7
  run cat "$LOG"
  assert_output --regexp '^stopped [0-9]+ h7 ann poststop X=1$'
}
