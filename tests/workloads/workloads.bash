# Helpers for the acceptance workloads: bundles over the root file systems
# that hack/build-workloads.sh makes, foreground runs that send a signal once
# the function is ready, and the same command run natively (chroot) on the
# same rootfs for comparison.
load ../integration/helpers

WORKLOADS=$(realpath -m "${WORKLOADS:-$(dirname "$HACHER")/workloads}")
# One image cache for all the workload tests: the node image is 100 MB, and
# the cache is keyed by the rootfs's content, so sharing it cannot hide a change.
export HACHER_IMAGES=${HACHER_IMAGES:-$WORKLOADS/images}

# workload_bundle NAME: $B, a bundle whose read-only root is the NAME rootfs
# (used in place, not copied), with the test environment and hostname; sets
# ROOTFS. Teardown checks that the rootfs was left unchanged.
workload_bundle()
{
  ROOTFS=$WORKLOADS/$1/rootfs
  [[ -d $ROOTFS ]] || fail "no rootfs at $ROOTFS (run hack/build-workloads.sh BUILD)"
  B=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$B"
  hacher spec --bundle "$B" || fail "hacher spec failed"
  local env_json
  env_json=$(json_strings "${TEST_ENV[@]}")
  config_set "$B" '.root.path = $root | .root.readonly = true | .process.terminal = false
    | .process.env = $env | .hostname = $host | .process.cwd = "/"' \
    --arg root "$ROOTFS" --argjson env "$env_json" --arg host "$TEST_HOSTNAME"
  remember_tree "$ROOTFS"
}

# wait_ready FILE [PID]: up to 60 s for a line "ready" in FILE, or until
# process PID (when given) has ended.
wait_ready()
{
  for _ in $(seq 600); do
    grep -qx ready "$1" 2>/dev/null && return 0
    [[ -z ${2:-} ]] || kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# workload_run ID [SIGNAL]: runs $B's process in a trustlet in the
# foreground; with SIGNAL, sends it with `hacher kill` once the function
# printed "ready". Sets status, output, lines and stderr.
workload_run()
{
  local id=$1 sig=${2:-} out=$BATS_TEST_TMPDIR/$1.out err=$BATS_TEST_TMPDIR/$1.err killer=""
  : >"$out"
  if [[ -n $sig ]]; then
    (wait_ready "$out" && hacher kill "$id" "$sig") &
    killer=$!
  fi
  status=0
  hacher run --bundle "$B" "$id" >"$out" 2>"$err" || status=$?
  if [[ -n $killer ]]; then
    # A function that ended before "ready" leaves the killer polling.
    kill "$killer" 2>/dev/null || true
    wait "$killer" || true
  fi
  output=$(cat "$out")
  stderr=$(cat "$err")
  # As bats' run: assert_line reads lines.
  mapfile -t lines <<<"$output"
}

# native_run [SIGNAL] CMD...: CMD in $ROOTFS under chroot, as the trustlet
# sees it: the root read-only, /dev, /proc and a private /tmp, the test
# environment and nothing else; all in a private mount namespace, so neither
# the host nor the rootfs changes. With SIGNAL, sends it to CMD once it printed
# "ready". Sets status, output, lines and stderr.
native_run()
{
  local sig=$1 out=$BATS_TEST_TMPDIR/native.out err=$BATS_TEST_TMPDIR/native.err pid child
  shift
  : >"$out"
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --mount --propagation private --fork -- sh -c '
    r=$1; shift
    mount --bind "$r" "$r" && mount -o remount,bind,ro "$r" &&
      mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
      mount -t tmpfs tmpfs "$r/tmp" || exit 125
    exec env -i "$@"' sh "$ROOTFS" "${TEST_ENV[@]}" chroot "$ROOTFS" "$@" \
    </dev/null >"$out" 2>"$err" &
  pid=$!
  if [[ -n $sig ]] && wait_ready "$out" "$pid"; then
    # unshare --fork does not forward signals: signal its only child, which
    # by now is CMD itself (sh -> env -> chroot -> CMD are execs).
    child=$(cat "/proc/$pid/task/$pid/children")
    kill "-$sig" "$child"
  fi
  status=0
  wait "$pid" || status=$?
  output=$(cat "$out")
  stderr=$(cat "$err")
  # As bats' run: assert_line reads lines.
  mapfile -t lines <<<"$output"
}

# remove_containers: deletes what detached tests left running.
remove_containers()
{
  local id
  for id in $(hacher list -q 2>/dev/null); do
    hacher delete --force "$id" >/dev/null 2>&1 || true
  done
}
