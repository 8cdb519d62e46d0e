#!/usr/bin/env bats
# The Kubernetes path: containerd's CRI plugin with a runtime handler "hacher"
# (the runc shim with BinaryName = hacher), driven as kubelet drives a pod
# with runtimeClassName: hacher. The pod sandbox (pause) is a trustlet too.
# Host-network pod, no CNI; a private containerd instance per file.

load ../integration/helpers

PY=/usr/bin/python3 # Debian's, which has python3-grpcio and python3-protobuf
IMG=localhost/hacher-bb:1
PAUSE_IMG=localhost/hacher-pause:1

setup_file()
{
  # Without KVM, setup() skips every test with the reason.
  [[ -e /dev/kvm ]] || return 0
  CT=$(mktemp -d /tmp/hcri.XXXXXX)
  export CT
  # The pods' cgroup parent, as kubelet's pod cgroup (removed in teardown_file).
  export CGPARENT=/${CT##*/}
  mkdir -p "$CT"/{pause,bb/bin,logs,cni/bin,cni/conf}
  cp "$PROGRAMS/pause.musl" "$CT/pause/pause"
  cp "$BUSYBOX" "$CT/bb/bin/busybox"
  local a
  for a in echo sh sleep false uname cat true; do
    ln -s busybox "$CT/bb/bin/$a"
  done
  oci_archive "$PAUSE_IMG" "$CT/pause" "$CT/pause.tar" '["/pause"]'
  oci_archive "$IMG" "$CT/bb" "$CT/bb.tar" null
  write_config
  # The runc shim and so hacher inherit containerd's environment.
  HACHER_IMAGES=$CT/images containerd --config "$CT/config.toml" >"$CT/containerd.log" 2>&1 &
  echo $! >"$CT/containerd.pid"
  for _ in $(seq 200); do
    [[ -S $CT/containerd.sock ]] && break
    sleep 0.05
  done
  ctr_ image import "$CT/pause.tar" >/dev/null
  ctr_ image import "$CT/bb.tar" >/dev/null
}

# The CRI plugin with two handlers: runc (the default) and hacher; the shim's
# --root is private, so `hacher --root $CT/runc/k8s.io` sees its containers.
write_config()
{
  local cri='plugins."io.containerd.grpc.v1.cri"'
  cat >"$CT/config.toml" <<TOML
version = 2
root = "$CT/root"
state = "$CT/state"
[grpc]
  address = "$CT/containerd.sock"
[$cri]
  disable_tcp_service = true
  sandbox_image = "$PAUSE_IMG"
  # nothing here may lower oom_score_adj (no CAP_SYS_RESOURCE)
  restrict_oom_score_adj = true
  [$cri.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [$cri.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [$cri.containerd.runtimes.hacher]
      runtime_type = "io.containerd.runc.v2"
      [$cri.containerd.runtimes.hacher.options]
        BinaryName = "$HACHER"
        Root = "$CT/runc"
        SystemdCgroup = false
  [$cri.cni]
    bin_dir = "$CT/cni/bin"
    conf_dir = "$CT/cni/conf"
TOML
}

# oci_archive NAME ROOTFS OUT ENTRYPOINT-JSON: a one-layer OCI image archive
# (sorted, mtime-0 tar) that `ctr image import` accepts; no registry needed.
oci_archive()
{
  local name=$1 rootfs=$2 out=$3 entry=$4 w
  w=$(mktemp -d "$CT/oci.XXXXXX")
  mkdir -p "$w/blobs/sha256"
  tar -C "$rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$w/layer.tar" .
  local diff_id
  diff_id=sha256:$(sha256sum <"$w/layer.tar" | cut -d' ' -f1)
  gzip -n "$w/layer.tar"
  local layer config manifest
  layer=$(blob "$w" "$w/layer.tar.gz")
  jq -n -c --arg d "$diff_id" --argjson e "$entry" \
    '{architecture: "amd64", os: "linux", rootfs: {type: "layers", diff_ids: [$d]},
      config: ({Env: ["PATH=/bin"]} + if $e then {Entrypoint: $e} else {} end)}' >"$w/config"
  config=$(blob "$w" "$w/config")
  jq -n -c --argjson c "$config" --argjson l "$layer" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: ($c + {mediaType: "application/vnd.oci.image.config.v1+json"}),
      layers: [$l + {mediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}]}' >"$w/manifest"
  manifest=$(blob "$w" "$w/manifest")
  jq -n -c --argjson m "$manifest" --arg n "$name" \
    '{schemaVersion: 2, manifests: [$m + {mediaType: "application/vnd.oci.image.manifest.v1+json",
      annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]}' \
    >"$w/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci-layout"
  tar -C "$w" -cf "$out" oci-layout index.json blobs
  rm -rf "$w"
}

# blob DIR FILE: moves FILE into DIR's blob store; prints {digest, size}.
blob()
{
  local d s
  d=$(sha256sum <"$2" | cut -d' ' -f1)
  s=$(stat -c %s "$2")
  mv "$2" "$1/blobs/sha256/$d"
  jq -n -c --arg d "sha256:$d" --argjson s "$s" '{digest: $d, size: $s}'
}

teardown_file()
{
  [[ -n ${CT:-} && -d $CT ]] || return 0
  # What kubelet does before a node drains: remove every container and pod.
  if [[ -S $CT/containerd.sock ]]; then
    local id
    for id in $(cri ListContainers 2>/dev/null | jq -r '.containers[].id'); do
      cri RemoveContainer "$(jq -n -c --arg c "$id" '{container_id: $c}')" >/dev/null 2>&1 || true
    done
    for id in $(cri ListPodSandbox 2>/dev/null | jq -r '.items[].id'); do
      cri StopPodSandbox "$(pod_req "$id")" >/dev/null 2>&1 || true
      cri RemovePodSandbox "$(pod_req "$id")" >/dev/null 2>&1 || true
    done
  fi
  local pid
  pid=$(cat "$CT/containerd.pid" 2>/dev/null) && stop_pid "$pid"
  # Anything still naming the instance (shims, monitors) goes, by pid.
  for pid in $(pids_naming "$CT"); do
    stop_pid "$pid"
  done
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$CT/" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rmdir /sys/fs/cgroup/*"$CGPARENT" 2>/dev/null || true
  rm -rf "$CT"
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s.
stop_pid()
{
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  kill -9 "$1" 2>/dev/null || true
}

# pids_naming STRING: processes (not zombies) whose command line holds STRING.
pids_naming()
{
  local p
  for p in /proc/[0-9]*; do
    [[ $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") == *"$1"* ]] || continue
    [[ $(awk '{print $3}' "$p/stat" 2>/dev/null) != Z ]] && echo "${p#/proc/}"
  done
}

ctr_()
{
  timeout 120 ctr --address "$CT/containerd.sock" -n k8s.io "$@"
}

# cri METHOD [JSON]: one CRI call; the response JSON on stdout.
cri()
{
  timeout 120 "$PY" "$BATS_TEST_DIRNAME/cri_client.py" --address "$CT/containerd.sock" "$@"
}

# hacher as the shim runs it for namespace k8s.io.
hacher_k8s()
{
  timeout 60 "$HACHER" --root "$CT/runc/k8s.io" "$@" </dev/null
}

pod_req()
{
  jq -n -c --arg p "$1" '{pod_sandbox_id: $p}'
}

ctr_req()
{
  jq -n -c --arg c "$1" '{container_id: $c}'
}

# The pod's config, as kubelet sends it for a host-network pod.
pod_config()
{
  jq -n -c --arg logs "$CT/logs/p1" --arg cg "$CGPARENT" \
    '{metadata: {name: "p1", uid: "uid-p1", namespace: "default", attempt: 0},
      hostname: "p1host", log_directory: $logs,
      linux: {cgroup_parent: $cg, security_context: {namespace_options: {network: "NODE"}}}}'
}

# new_container NAME ARGS-JSON: CreateContainer in the pod; prints its id.
new_container()
{
  jq -n -c --arg p "$(cat "$CT/pod.id")" --arg n "$1" --argjson a "$2" \
    --argjson pc "$(pod_config)" --arg img "$IMG" \
    '{pod_sandbox_id: $p, sandbox_config: $pc,
      config: {metadata: {name: $n, attempt: 0}, image: {image: $img}, command: $a,
               log_path: ($n + ".log"),
               linux: {resources: {cpu_shares: 2, oom_score_adj: 1000}}}}' |
    cri CreateContainer - | jq -r .container_id
}

container_state()
{
  cri ContainerStatus "$(ctr_req "$1")" | jq -r '.status.state'
}

# wait_exited ID: up to 10 s for CONTAINER_EXITED.
wait_exited()
{
  for _ in $(seq 50); do
    [[ $(container_state "$1") == CONTAINER_EXITED ]] && return
    sleep 0.2
  done
}

# run_to_exit NAME ARGS-JSON: create, start, wait; prints the id.
run_to_exit()
{
  local id
  id=$(new_container "$1" "$2") || return
  cri StartContainer "$(ctr_req "$id")" >/dev/null || return
  wait_exited "$id"
  echo "$id"
}

# remove_container ID: as kubelet when a pod's container is gone.
remove_container()
{
  cri StopContainer "$(jq -n -c --arg c "$1" '{container_id: $c, timeout: 10}')" >/dev/null
  cri RemoveContainer "$(ctr_req "$1")" >/dev/null
}

# assert_monitor PID: fails unless PID is a hacher monitor of this instance.
assert_monitor()
{
  local pid=$1 cmd
  [[ $(readlink "/proc/$pid/exe") == "$HACHER" ]] \
    || fail "pid $pid is $(readlink "/proc/$pid/exe"), not $HACHER"
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $cmd == *"--root $CT/runc/k8s.io "*" create "* ]] || fail "pid $pid: $cmd"
}

setup()
{
  require_kvm
  require_hacher
  require_programs
  command -v containerd >/dev/null || fail "containerd is not installed (hack/install-deps.sh installs it)"
  "$PY" -c 'import grpc, google.protobuf' 2>/dev/null \
    || fail "python3-grpcio/python3-protobuf are not installed (hack/install-deps.sh installs them)"
  [[ -S $CT/containerd.sock ]] || fail "containerd did not start: $(tail -n 5 "$CT/containerd.log")"
}

@test "CRI: the runtime answers; images are in namespace k8s.io" {
  run cri Version '{"version": "v1"}'
  assert_success
  assert_equal "$(jq -r .runtime_api_version <<<"$output")" v1
  run cri ListImages
  assert_success
  assert_equal "$(jq -r '[.images[].repo_tags[]] | sort | join(" ")' <<<"$output")" \
    "$IMG $PAUSE_IMG"
}

@test "CRI: RunPodSandbox with handler hacher runs pause in a trustlet" {
  run cri RunPodSandbox "$(jq -n -c --argjson c "$(pod_config)" '{config: $c, runtime_handler: "hacher"}')"
  assert_success
  local pod
  pod=$(jq -r .pod_sandbox_id <<<"$output")
  echo "$pod" >"$CT/pod.id"
  run cri PodSandboxStatus "$(jq -n -c --arg p "$pod" '{pod_sandbox_id: $p, verbose: true}')"
  assert_success
  assert_equal "$(jq -r '.status.state + " " + .status.runtime_handler' <<<"$output")" \
    "SANDBOX_READY hacher"
  local pid
  pid=$(jq -r '.info.info | fromjson | .pid' <<<"$output")
  # hacher's own view under the shim's --root agrees, and the pid is a monitor
  run hacher_k8s state "$pod"
  assert_success
  assert_equal "$(jq -r '.status + " " + (.pid | tostring)' <<<"$output")" "running $pid"
  assert_monitor "$pid"
  assert_equal "$(jq -c .process.args "$(jq -r .bundle <<<"$output")/config.json")" '["/pause"]'
  # pause blocks: still there a second later
  sleep 1
  assert_equal "$(hacher_k8s state "$pod" | jq -r .status)" running
}

@test "CRI: a container runs to completion; its output is in the CRI log" {
  local id
  id=$(new_container hello '["/bin/echo", "hello-from-trustlet"]')
  [[ -n $id ]] || fail "CreateContainer failed"
  assert_equal "$(container_state "$id")" CONTAINER_CREATED
  run cri StartContainer "$(ctr_req "$id")"
  assert_success
  wait_exited "$id"
  run cri ContainerStatus "$(ctr_req "$id")"
  assert_equal "$(jq -r '.status | .state + " " + (.exit_code | tostring) + " " + .reason' <<<"$output")" \
    "CONTAINER_EXITED 0 Completed"
  local log
  log=$(jq -r .status.log_path <<<"$output")
  assert_equal "$log" "$CT/logs/p1/hello.log"
  run cat "$log"
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) stdout F hello-from-trustlet$'
  remove_container "$id"
  run cri ContainerStatus "$(ctr_req "$id")"
  assert_failure
  assert_output --partial NOT_FOUND
}

@test "CRI: the container's kernel is the trustlet's LibOS" {
  local id
  id=$(run_to_exit kernel '["uname", "-r", "-v"]')
  assert_equal "$(cri ContainerStatus "$(ctr_req "$id")" | jq -r .status.exit_code)" 0
  run cat "$CT/logs/p1/kernel.log"
  assert_output --regexp ' stdout F 6\.1\.0-hacher #1 SMP hacher trustlet$'
  remove_container "$id"
}

@test "CRI: a nonzero exit code is reported in ContainerStatus" {
  local id
  id=$(run_to_exit fails '["/bin/false"]')
  run cri ContainerStatus "$(ctr_req "$id")"
  assert_equal "$(jq -r '.status | .state + " " + (.exit_code | tostring) + " " + .reason' <<<"$output")" \
    "CONTAINER_EXITED 1 Error"
  remove_container "$id"
  id=$(run_to_exit fails42 '["sh", "-c", "exit 42"]')
  assert_equal "$(cri ContainerStatus "$(ctr_req "$id")" | jq -r .status.exit_code)" 42
  remove_container "$id"
}

@test "CRI: a long-running container runs under hacher; StopContainer ends it with SIGTERM" {
  local id pid
  id=$(new_container sleeper '["sleep", "600"]')
  cri StartContainer "$(ctr_req "$id")" >/dev/null
  run cri ContainerStatus "$(jq -n -c --arg c "$id" '{container_id: $c, verbose: true}')"
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_RUNNING
  pid=$(jq -r '.info.info | fromjson | .pid' <<<"$output")
  assert_monitor "$pid"
  run hacher_k8s list --format json
  assert_equal "$(jq -r --arg c "$id" '.[] | select(.id == $c) | .status + " " + (.pid | tostring)' <<<"$output")" \
    "running $pid"
  # SIGTERM ends it (143) well before the 10 s grace period's SIGKILL
  local t0=$SECONDS
  run cri StopContainer "$(jq -n -c --arg c "$id" '{container_id: $c, timeout: 10}')"
  assert_success
  ((SECONDS - t0 < 8)) || fail "StopContainer took $((SECONDS - t0)) s"
  run cri ContainerStatus "$(ctr_req "$id")"
  assert_equal "$(jq -r '.status | .state + " " + (.exit_code | tostring)' <<<"$output")" \
    "CONTAINER_EXITED 143"
  [[ ! -e /proc/$pid ]] || fail "monitor $pid outlived its container"
  cri RemoveContainer "$(ctr_req "$id")" >/dev/null
  run hacher_k8s state "$id"
  assert_failure
  assert_output "hacher: container does not exist"
}

@test "CRI: ExecSync runs a command inside the running trustlet (exec probes)" {
  local id
  id=$(new_container execd '["sleep", "600"]')
  cri StartContainer "$(ctr_req "$id")" >/dev/null
  run cri ExecSync "$(jq -n -c --arg c "$id" \
    '{container_id: $c, cmd: ["sh", "-c", "cat /proc/1/comm; echo oops >&2; exit 3"], timeout: 30}')"
  assert_success
  assert_equal "$(jq -r .exit_code <<<"$output")" 3
  assert_equal "$(jq -r .stdout <<<"$output" | base64 -d)" "sleep"
  assert_equal "$(jq -r .stderr <<<"$output" | base64 -d)" "oops"
  run cri ExecSync "$(jq -n -c --arg c "$id" '{container_id: $c, cmd: ["true"], timeout: 30}')"
  assert_success
  assert_equal "$(jq -r .exit_code <<<"$output")" 0
  cri StopContainer "$(jq -n -c --arg c "$id" '{container_id: $c, timeout: 10}')" >/dev/null
  cri RemoveContainer "$(ctr_req "$id")" >/dev/null
}

@test "CRI: a failing create shows hacher's message in the CRI error" {
  local id
  id=$(new_container broken '["/nope"]')
  run cri StartContainer "$(ctr_req "$id")"
  assert_failure
  assert_output --partial 'OCI runtime create failed: exec "/nope": no such file or directory'
  # what `kubectl describe pod` shows
  run cri ContainerStatus "$(ctr_req "$id")"
  assert_equal "$(jq -r '.status | .state + " " + (.exit_code | tostring) + " " + .reason' <<<"$output")" \
    "CONTAINER_EXITED 128 StartError"
  assert_equal "$(jq -r .status.message <<<"$output" | grep -c 'exec "/nope": no such file or directory')" 1
  run hacher_k8s state "$id"
  assert_output "hacher: container does not exist"
  cri RemoveContainer "$(ctr_req "$id")" >/dev/null
}

@test "CRI: StopPodSandbox and RemovePodSandbox leave nothing behind" {
  local pod pid
  pod=$(cat "$CT/pod.id")
  pid=$(hacher_k8s state "$pod" | jq -r .pid)
  assert_monitor "$pid"
  run cri ListContainers
  assert_equal "$(jq '.containers | length' <<<"$output")" 0
  run cri StopPodSandbox "$(pod_req "$pod")"
  assert_success
  assert_equal "$(cri PodSandboxStatus "$(pod_req "$pod")" | jq -r .status.state)" SANDBOX_NOTREADY
  [[ ! -e /proc/$pid ]] || fail "the pause monitor $pid outlived StopPodSandbox"
  run cri RemovePodSandbox "$(pod_req "$pod")"
  assert_success
  run cri ListPodSandbox
  assert_equal "$(jq '.items | length' <<<"$output")" 0
  run hacher_k8s list -q
  assert_output ""
  # no shm or rootfs mount, no shim or monitor of this instance is left
  run findmnt -rn -o TARGET
  refute_output --partial "$CT/"
  local left
  left=$(pids_naming "$CT/" | grep -vx "$(cat "$CT/containerd.pid")" || true)
  [[ -z $left ]] || fail "processes left: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
}
