#!/usr/bin/env bats
# hacher exec: flags and errors as runc's, and the whole path from the CLI
# through the exec proxy and the monitor's exec socket into the LibOS, which
# starts the process. Most cases run /bin/probe, a script that says so on
# its stderr and exits 126 (a status no path of hacher's own produces).

load helpers

NOT_YET="exec probe: ran inside the trustlet"

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  printf '#!/bin/sh\necho "%s" >&2\nexit 126\n' "$NOT_YET" >"$B/rootfs/bin/probe"
  chmod 755 "$B/rootfs/bin/probe"
  config_args "$B" sleep 60
  STATE=$BATS_TEST_TMPDIR/state
  export HACHER_IMAGES=$BATS_TEST_TMPDIR/images
}

teardown()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
  [[ -z ${RECEIVER:-} ]] || kill "$RECEIVER" 2>/dev/null || true
}

# start_bg ID: a running container (run -d) whose function sleeps.
start_bg()
{
  hacher run -d --bundle "$B" "$1"
  run hacher state "$1"
  assert_output --partial '"status": "running"'
}

monitor_pid()
{
  hacher state "$1" | jq -r .pid
}

# exec_reaped PIDFILE EXEC-ARGS...: `hacher exec -d --pid-file` under a
# subreaper that then waits for the pid, as conmon and containerd do.
exec_reaped()
{
  local pidfile=$1
  shift
  timeout 60 "$BATS_TEST_DIRNAME/exec-subreaper.py" "$pidfile" \
    "$HACHER" --root "$STATE" exec -d --pid-file "$pidfile" "$@"
}

@test "exec: usage errors (status 1)" {
  run hacher exec
  assert_failure 1
  assert_output --partial "usage: hacher exec"
  run hacher exec c1
  assert_failure 1
  assert_output --partial "a command or --process is required"
  run hacher exec --env NOVALUE c1 true
  assert_failure 1
  assert_output --partial '--env "NOVALUE": expected KEY=VALUE'
  run hacher exec --additional-gids abc c1 true
  assert_failure 1
  assert_output --partial '--additional-gids "abc"'
  run hacher exec --bogus c1 true
  assert_failure 1
}

@test "exec: a missing container, a stopped one, a created one (runc's messages, status 255)" {
  run hacher exec nope true
  assert_failure 255
  assert_output --partial "exec failed: container does not exist"
  config_args "$B" true
  hacher run --keep --bundle "$B" stopped1
  run hacher exec stopped1 true
  assert_failure 255
  assert_output --partial "exec failed: cannot exec in a stopped container"
  config_args "$B" sleep 60
  hacher create --bundle "$B" created1
  run hacher exec created1 true
  assert_failure 255
  assert_output --partial "not started yet"
}

@test "exec: bad flags and a bad process.json name what is wrong" {
  start_bg c1
  run hacher exec --user root c1 true
  assert_failure 255
  assert_output --partial '--user "root": expected UID[:GID]'
  run hacher exec --cwd tmp c1 true
  assert_failure 255
  assert_output --partial 'cwd "tmp" is not an absolute path'
  echo '{"args": "ls"}' >"$BATS_TEST_TMPDIR/p.json"
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_failure 255
  assert_output --partial "p.json: .args: expected an array of strings"
  echo '{"cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_output --partial "p.json: .args: missing"
  echo '{"args": ["ls"], "cwd": "rel"}' >"$BATS_TEST_TMPDIR/p.json"
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_output --partial "p.json: .cwd: expected an absolute path"
  echo '{"args": ["ls"], "user": {"uid": -1}}' >"$BATS_TEST_TMPDIR/p.json"
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_output --partial "p.json: .user.uid: expected an unsigned 32-bit integer"
  run hacher exec --process "$BATS_TEST_TMPDIR/missing.json" c1
  assert_failure 255
  assert_output --partial "missing.json"
  # runc's console rules
  run hacher exec -d -t c1 sh
  assert_failure 255
  assert_output --partial "cannot allocate tty if runc will detach without setting console socket"
  run hacher exec -d --console-socket "$BATS_TEST_TMPDIR/s" c1 sh
  assert_output --partial "cannot use console socket if runc will not detach or allocate tty"
}

@test "exec: the process's stdio and status reach the caller; the function goes on" {
  start_bg c1
  run --separate-stderr hacher exec c1 probe -l /
  assert_failure 126
  assert_output ""
  assert_equal "$stderr" "$NOT_YET"
  # --process and the flags take the same path
  printf '%s' '{"args": ["probe"], "cwd": "/tmp", "env": ["A=1"], "user": {"uid": 1, "gid": 1}}' \
    >"$BATS_TEST_TMPDIR/p.json"
  run --separate-stderr hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_failure 126
  assert_equal "$stderr" "$NOT_YET"
  run --separate-stderr hacher exec --env B=2 --cwd /data --user 1000:1000 -g 5 --no-new-privs \
    --cap CAP_KILL --apparmor x --process-label y c1 probe
  assert_failure 126
  # the function goes on: still running, and its signals still end it
  run hacher state c1
  assert_output --partial '"status": "running"'
  hacher kill c1 TERM
  for _ in $(seq 100); do
    hacher state c1 | grep -q '"stopped"' && break
    sleep 0.05
  done
  run hacher state c1
  assert_output --partial '"status": "stopped"'
}

@test "exec: a real process inside: output, status, cwd, env, /proc, a missing program" {
  start_bg c1
  run --separate-stderr hacher exec c1 sh -c 'echo out; echo err >&2; exit 3'
  assert_failure 3
  assert_output "out"
  assert_equal "$stderr" "err"
  printf '%s' '{"args": ["sh", "-c", "pwd; echo $A; cat /proc/1/cmdline | tr \"\\0\" \" \""], "cwd": "/tmp", "env": ["A=from-process-json"]}' \
    >"$BATS_TEST_TMPDIR/p.json"
  run hacher exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_success
  assert_line --index 0 "/tmp"
  assert_line --index 1 "from-process-json"
  assert_line --index 2 "sleep 60 "
  # ps sees the function (pid 1) and the exec'd processes
  run hacher exec c1 sh -c 'ps -o pid,args'
  assert_success
  assert_line --regexp '^ +1 +sleep 60$'
  run -127 --separate-stderr hacher exec c1 /no/such/program
  assert_failure 127
  assert_output ""
  [[ $stderr == *"/no/such/program"* ]] || fail "unexpected stderr: $stderr"
  # a signal to the exec'd process through its proxy ends only that process
  run hacher exec c1 sh -c 'kill -TERM $$; echo not reached'
  assert_failure 143
  run hacher state c1
  assert_output --partial '"status": "running"'
}

@test "exec: the pid file holds the proxy's pid; -d returns and the proxy exits with the status" {
  start_bg c1
  local pidfile=$BATS_TEST_TMPDIR/exec.pid
  run --separate-stderr exec_reaped "$pidfile" c1 probe
  assert_success
  assert_output --regexp '^cli=0 pid=[0-9]+ status=126$'
  assert_equal "$stderr" "$NOT_YET"
  # the pid was the (now reaped) proxy's: a child of our subreaper, not the CLI
  local pid=${output#*pid=}
  pid=${pid%% *}
  [[ ! -e /proc/$pid ]] || [[ $(awk '{print $3}' "/proc/$pid/stat") == Z ]]
  # foreground: the pid file is written too, and the status is returned
  rm -f "$pidfile"
  run hacher exec --pid-file "$pidfile" c1 probe
  assert_failure 126
  [[ $(cat "$pidfile") =~ ^[0-9]+$ ]]
}

@test "exec --tty --console-socket: the pty master arrives over the socket" {
  start_bg c1
  local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out
  "$BATS_TEST_DIRNAME/console-receiver.py" "$sock" "$out" &
  RECEIVER=$!
  for _ in $(seq 100); do
    [[ -S $sock ]] && break
    sleep 0.05
  done
  run exec_reaped "$BATS_TEST_TMPDIR/tty.pid" --tty --console-socket "$sock" c1 probe
  assert_output --regexp '^cli=0 pid=[0-9]+ status=126$'
  wait "$RECEIVER"
  RECEIVER=
  run cat "$out"
  assert_output "$NOT_YET"$'\r'
  run cat "$out.name"
  assert_output --regexp '^/dev/pts/[0-9]+$'
}

@test "exec --tty in the foreground: the CLI copies the terminal" {
  start_bg c1
  run hacher exec -t c1 probe
  assert_failure 126
  assert_output "$NOT_YET"$'\r'
}

@test "exec: two at once, and twenty in a row, leave no fd and no process behind" {
  start_bg c1
  local mon fds_before fds_after
  mon=$(monitor_pid c1)
  fds_before=$(ls "/proc/$mon/fd" | wc -l)
  hacher exec c1 probe a >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
  local a=$!
  hacher exec c1 probe b >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
  local b=$!
  local sa=0 sb=0
  wait "$a" || sa=$?
  wait "$b" || sb=$?
  assert_equal "$sa $sb" "126 126"
  run cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out"
  assert_output "$NOT_YET"$'\n'"$NOT_YET"
  for i in $(seq 20); do
    run hacher exec c1 probe n$i
    assert_failure 126
  done
  # slots and connections are closed in the monitor; no proxy is left
  fds_after=$(ls "/proc/$mon/fd" | wc -l)
  assert_equal "$fds_after" "$fds_before"
  run pgrep -f "exec c1 probe (a|b|n[0-9]+)$"
  assert_failure
}

@test "exec reaches a function that computes without syscalls and one blocked reading stdin" {
  add_programs "$B" signals.musl
  config_args "$B" /bin/signals.musl spin
  start_bg spin1
  run timeout 20 "$HACHER" --root "$STATE" exec spin1 probe
  assert_failure 126
  run hacher state spin1
  assert_output --partial '"status": "running"'
  # blocked in read(0): the read is restarted afterwards, the data still arrives
  config_args "$B" /bin/signals.musl read-restart
  mkfifo "$BATS_TEST_TMPDIR/in"
  "$HACHER" --root "$STATE" run --bundle "$B" rd1 <"$BATS_TEST_TMPDIR/in" \
    >"$BATS_TEST_TMPDIR/rd.out" 2>&1 &
  local runner=$!
  exec 9>"$BATS_TEST_TMPDIR/in"
  for _ in $(seq 200); do
    grep -q ready "$BATS_TEST_TMPDIR/rd.out" 2>/dev/null && break
    sleep 0.05
  done
  run timeout 20 "$HACHER" --root "$STATE" exec rd1 probe
  assert_failure 126
  echo "after exec" >&9
  exec 9>&-
  local st=0
  wait "$runner" || st=$?
  assert_equal "$st" 0
  run cat "$BATS_TEST_TMPDIR/rd.out"
  assert_output --partial "read 11 bytes after 0 signals: after exec"
}

@test "exec after the container exits fails cleanly; a waiting exec learns it stopped" {
  start_bg c1
  hacher kill c1 KILL
  for _ in $(seq 100); do
    hacher state c1 | grep -q '"stopped"' && break
    sleep 0.05
  done
  run hacher exec c1 true
  assert_failure 255
  assert_output --partial "cannot exec in a stopped container"
  # a request queued on a paused container, which then goes away
  start_bg c2
  hacher pause c2
  run hacher exec c2 true
  assert_failure 255
  assert_output --partial "cannot exec in a paused container"
  hacher exec --ignore-paused c2 true >"$BATS_TEST_TMPDIR/p.out" 2>&1 &
  local waiting=$!
  sleep 0.5
  hacher delete --force c2
  run wait "$waiting"
  assert_failure 255
  run cat "$BATS_TEST_TMPDIR/p.out"
  assert_output --partial "the container stopped before the process started"
}

@test "exec: signals to the proxy are forwarded, not fatal to it" {
  start_bg c1
  # a paused trustlet holds the request, so the proxy lives long enough
  hacher pause c1
  "$HACHER" --root "$STATE" exec --ignore-paused c1 probe sigtest >"$BATS_TEST_TMPDIR/s.out" 2>&1 &
  local cli=$! proxy=""
  for _ in $(seq 100); do
    proxy=$(pgrep -f -P "$cli" "exec --ignore-paused c1 probe sigtest") && break
    sleep 0.05
  done
  [[ -n $proxy ]]
  sleep 0.3 # its handlers are installed
  kill -TERM "$proxy"
  kill -USR1 "$proxy"
  kill -HUP "$cli" # the CLI hands it to the proxy
  sleep 0.2
  kill -0 "$proxy"
  kill -0 "$cli"
  hacher resume c1
  local st=0
  wait "$cli" || st=$?
  # the monitor took the request and the signals (a message it refused
  # would have ended the exec with 255): they reach the process, whose
  # shell dies of one of them (HUP, USR1 or TERM) instead of running
  case $st in
    129 | 138 | 143) ;;
    *) fail "exec status $st, not killed by a forwarded signal" ;;
  esac
}
