#!/usr/bin/env bats
# podman 4.3 (with conmon) driving hacher as its OCI runtime, with a private
# store and the options our machines need (cgroupfs, no systemd, rlimits
# that fit the caller's hard limits).

load ../integration/helpers

setup_file()
{
  export PM=$BATS_FILE_TMPDIR/podman
  mkdir -p "$PM/rootfs/bin"
  cp "$BUSYBOX" "$PM/rootfs/bin/busybox"
  local a
  for a in echo sh cat ls sleep uname true false env tty; do
    ln -s busybox "$PM/rootfs/bin/$a"
  done
  (cd "$PM/rootfs" && tar -c .) | pm import - localhost/hacher-bb:latest >/dev/null
}

teardown_file()
{
  pm rm -a -f >/dev/null 2>&1 || true
  pm rmi -a -f >/dev/null 2>&1 || true
  # nothing of hacher may outlive the suite
  run pgrep -f "$PM"
  [[ $status -ne 0 ]] || fail "processes left: $output"
}

pm()
{
  # conmon does not pass podman's environment on: the image cache is a flag
  timeout 120 podman --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp" \
    --cgroup-manager cgroupfs --events-backend file --runtime "$HACHER" \
    --runtime-flag "images=$PM/images" "$@"
}

OPTS=(--network none --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

setup()
{
  require_kvm
  require_hacher
  command -v podman >/dev/null || fail "podman is not installed (hack/install-deps.sh installs it)"
}

@test "podman run --rm: output and exit code" {
  run --separate-stderr pm run --rm "${OPTS[@]}" localhost/hacher-bb /bin/echo hello from a trustlet
  assert_success
  assert_output "hello from a trustlet"
  run pm run --rm "${OPTS[@]}" localhost/hacher-bb /bin/false
  assert_equal "$status" 1
  run pm run --rm "${OPTS[@]}" --hostname fn1 localhost/hacher-bb /bin/uname -n
  assert_output fn1
  # every container of the image shares one trustlet image: its lower layer
  assert_equal "$(find "$PM/images/blobs" -name '*.img' | wc -l)" 1
}

@test "podman run -d, ps, logs, stop, rm -f" {
  pm run -d --name d1 "${OPTS[@]}" localhost/hacher-bb /bin/sleep 60 >/dev/null
  run pm ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^d1 Up'
  run pm stop -t 5 d1
  assert_success
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^d1 Exited \(143\)'
  pm rm -f d1
  run pm ps -a -q
  assert_output ""
}

@test "podman logs shows the function's output" {
  pm run -d --name l1 "${OPTS[@]}" localhost/hacher-bb /bin/echo logged line >/dev/null
  run pm wait l1
  assert_output 0
  run pm logs l1
  assert_output "logged line"
  pm rm -f l1
}

@test "podman: a create failure shows hacher's error" {
  run -127 --separate-stderr pm run --rm "${OPTS[@]}" localhost/hacher-bb /nope
  [[ $stderr == *'hacher: exec "/nope": no such file or directory'* ]] || fail "$stderr"
}

@test "podman pause / unpause" {
  pm run -d --name p1 "${OPTS[@]}" localhost/hacher-bb /bin/sleep 60 >/dev/null
  pm pause p1
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^p1 Paused'
  pm unpause p1
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^p1 Up'
  pm rm -f p1
}

@test "podman exec: a process inside the running trustlet, plain and -it" {
  pm run -d --name e1 "${OPTS[@]}" localhost/hacher-bb /bin/sleep 60 >/dev/null
  run --separate-stderr pm exec e1 /bin/sh -c 'cat /proc/1/comm; echo err >&2; exit 7'
  assert_equal "$status" 7
  assert_output "sleep"
  assert_equal "$stderr" "err"
  run pm exec -e GREETING=hi -w /tmp e1 /bin/sh -c 'echo $GREETING $(pwd)'
  assert_success
  assert_output "hi /tmp"
  run "$BATS_TEST_DIRNAME/../integration/pty-run.py" \
    podman --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp" \
    --cgroup-manager cgroupfs --events-backend file --runtime "$HACHER" \
    --runtime-flag "images=$PM/images" exec -it e1 tty
  assert_success
  assert_output --regexp '/dev/pts/[0-9]+'
  # the function itself goes on
  run pm ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^e1 Up'
  pm rm -f e1 >/dev/null
}

@test "podman run -it: sh -c tty shows the container's pty" {
  # podman -it needs a terminal on its stdin: pty-run gives it one
  run "$BATS_TEST_DIRNAME/../integration/pty-run.py" \
    podman --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp" \
    --cgroup-manager cgroupfs --events-backend file --runtime "$HACHER" \
    --runtime-flag "images=$PM/images" run -it --rm "${OPTS[@]}" localhost/hacher-bb sh -c tty
  assert_success
  assert_output --partial "/dev/pts/0"
  refute_output --partial "not a tty"
}

@test "podman --memory, --pids-limit and podman update reach the container's cgroup" {
  pm run -d --name u1 --memory 256m --pids-limit 50 "${OPTS[@]}" localhost/hacher-bb /bin/sleep 60 >/dev/null
  local id pid mem=memory/ pids=pids/ limit=memory.limit_in_bytes
  id=$(pm inspect --format '{{.Id}}' u1)
  pid=$(pm inspect --format '{{.State.Pid}}' u1)
  if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
    mem="" pids="" limit=memory.max
  fi
  local mdir=/sys/fs/cgroup/${mem}libpod_parent/libpod-$id
  assert_equal "$(cat "$mdir/cgroup.procs")" "$pid"
  assert_equal "$(cat "$mdir/$limit")" 268435456
  assert_equal "$(cat "/sys/fs/cgroup/${pids}libpod_parent/libpod-$id/pids.max")" 50
  pm update --memory 300m u1
  assert_equal "$(cat "$mdir/$limit")" 314572800
  pm rm -f u1
  [[ ! -e $mdir ]] || fail "cgroup $mdir left behind"
}

@test "podman --security-opt seccomp=FILE: the profile holds inside the trustlet" {
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"],
    "action": "SCMP_ACT_ERRNO"}]}' >"$BATS_TEST_TMPDIR/profile.json"
  run --separate-stderr pm run --rm "${OPTS[@]}" --security-opt seccomp="$BATS_TEST_TMPDIR/profile.json" \
    localhost/hacher-bb /bin/busybox mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "mkdir: can't create directory '/tmp/x': Operation not permitted"
  # podman's own default profile, which it always passes, lets it through
  run --separate-stderr pm run --rm "${OPTS[@]}" localhost/hacher-bb /bin/busybox mkdir /tmp/x
  assert_success
}
