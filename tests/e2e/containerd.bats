#!/usr/bin/env bats
# containerd 1.6 with its runc shim (io.containerd.runc.v2) driving hacher
# through --runc-binary: a private containerd instance per file.

load ../integration/helpers

setup_file()
{
  # short: podman refuses a runroot path longer than 50 characters
  CT=$(mktemp -d /tmp/hct.XXXXXX)
  export CT
  mkdir -p "$CT/rootfs/bin" "$CT/podman"
  cat >"$CT/config.toml" <<TOML
version = 2
root = "$CT/root"
state = "$CT/state"
[grpc]
  address = "$CT/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
TOML
  # the runc shim, and so hacher, inherit containerd's environment: the
  # instance's image cache is private
  HACHER_IMAGES=$CT/images containerd --config "$CT/config.toml" >"$CT/containerd.log" 2>&1 &
  echo $! >"$CT/containerd.pid"
  for _ in $(seq 100); do
    [[ -S $CT/containerd.sock ]] && break
    sleep 0.05
  done
  # an OCI image archive of a busybox rootfs, made with podman (no registry)
  cp "$BUSYBOX" "$CT/rootfs/bin/busybox"
  local a
  for a in echo sleep false uname sh tty cat; do
    ln -s busybox "$CT/rootfs/bin/$a"
  done
  local pm=(podman --root "$CT/podman/root" --runroot "$CT/podman/runroot" --tmpdir "$CT/podman/tmp"
    --cgroup-manager cgroupfs --events-backend file)
  (cd "$CT/rootfs" && tar -c .) | "${pm[@]}" import - localhost/hacher-bb:latest >/dev/null
  "${pm[@]}" save --format oci-archive -o "$CT/bb.tar" localhost/hacher-bb:latest >/dev/null 2>&1
  "${pm[@]}" rmi -a -f >/dev/null 2>&1 || true
  ctr_ image import "$CT/bb.tar" >/dev/null
}

teardown_file()
{
  local id
  for id in $(ctr_ task ls -q 2>/dev/null); do
    ctr_ task kill -s KILL "$id" >/dev/null 2>&1 || true
    ctr_ task delete -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_ container ls -q 2>/dev/null); do
    ctr_ container rm "$id" >/dev/null 2>&1 || true
  done
  kill "$(cat "$CT/containerd.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$CT"
}

ctr_()
{
  timeout 120 ctr --address "$CT/containerd.sock" -n hacher-test "$@"
}

crun_()
{
  ctr_ run --runc-binary "$HACHER" "$@"
}

setup()
{
  require_kvm
  require_hacher
  command -v containerd >/dev/null || fail "containerd is not installed (hack/install-deps.sh installs it)"
}

@test "ctr run --rm: output and exit code" {
  run crun_ --rm localhost/hacher-bb:latest r1 /bin/echo hello from ctr
  assert_success
  assert_output "hello from ctr"
  run crun_ --rm localhost/hacher-bb:latest r2 /bin/false
  assert_equal "$status" 1
  # both containers used one trustlet image: the image's snapshot layer
  assert_equal "$(find "$CT/images/blobs" -name '*.img' | wc -l)" 1
}

@test "ctr run -d, task ps, task kill" {
  crun_ -d localhost/hacher-bb:latest d1 /bin/sleep 60 >/dev/null
  run ctr_ task ls
  assert_output --regexp 'd1 +[0-9]+ +RUNNING'
  local pid
  pid=$(ctr_ task ls | awk '$1 == "d1" {print $2}')
  run ctr_ task ps d1
  assert_output --partial "$pid"
  ctr_ task kill d1
  for _ in $(seq 100); do
    ctr_ task ls | grep -q 'd1 .*STOPPED' && break
    sleep 0.05
  done
  run ctr_ task ls
  assert_output --regexp 'd1 +[0-9]+ +STOPPED'
  ctr_ task delete d1 >/dev/null
  ctr_ container rm d1
}

@test "ctr task exec: a process inside the running trustlet" {
  crun_ -d localhost/hacher-bb:latest x1 /bin/sleep 60 >/dev/null
  run ctr_ task exec --exec-id probe1 x1 /bin/sh -c 'cat /proc/1/comm; exit 5'
  assert_equal "$status" 5
  assert_output "sleep"
  run ctr_ task exec --exec-id probe2 x1 /bin/echo second
  assert_success
  assert_output "second"
  run ctr_ task ls
  assert_output --regexp 'x1 +[0-9]+ +RUNNING'
  ctr_ task kill -s KILL x1
  for _ in $(seq 100); do
    ctr_ task ls | grep -q 'x1 .*STOPPED' && break
    sleep 0.05
  done
  ctr_ task delete x1 >/dev/null
  ctr_ container rm x1
}

@test "ctr: a failure shows hacher's message" {
  run crun_ --rm localhost/hacher-bb:latest f1 /nope
  assert_failure
  assert_output --partial 'exec "/nope": no such file or directory'
}

@test "ctr task pause / resume" {
  crun_ -d localhost/hacher-bb:latest pr1 /bin/sleep 60 >/dev/null
  ctr_ task pause pr1
  run ctr_ task ls
  assert_output --regexp 'pr1 +[0-9]+ +PAUSED'
  ctr_ task resume pr1
  run ctr_ task ls
  assert_output --regexp 'pr1 +[0-9]+ +RUNNING'
  ctr_ task kill -s KILL pr1
  sleep 0.3
  ctr_ task delete pr1 >/dev/null
  ctr_ container rm pr1
}

@test "ctr run --tty: the function's stdio is the pty ctr relays" {
  # ctr --tty needs a terminal on its stdin: pty-run gives it one
  run "$BATS_TEST_DIRNAME/../integration/pty-run.py" timeout 120 ctr --address "$CT/containerd.sock" \
    -n hacher-test run --runc-binary "$HACHER" --rm --tty localhost/hacher-bb:latest t1 sh -c tty
  assert_success
  assert_output --partial "/dev/pts/0"
  refute_output --partial "not a tty"
}
