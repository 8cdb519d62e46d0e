# Shared helpers for the integration tests: bundles, running hacher, and
# checking that the host rootfs is never modified.
bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HACHER=${HACHER:-$BATS_TEST_DIRNAME/../../build/hacher}
# Absolute, since some tests change directory.
HACHER=$(realpath -m "$HACHER")
PROGRAMS=$(realpath -m "${PROGRAMS:-$(dirname "$HACHER")/programs}")
BUSYBOX=${BUSYBOX:-/bin/busybox}

# The environment every bundle gets; native comparison runs use the same.
TEST_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C HACHER_TEST=1)
TEST_HOSTNAME=trustlet-test

require_kvm()
{
  [[ -e /dev/kvm ]] || skip "no /dev/kvm: trustlets need KVM"
}

require_hacher()
{
  [[ -x $HACHER ]] || fail "hacher binary not found at $HACHER (run make first)"
}

require_programs()
{
  [[ -x $PROGRAMS/exitcode.musl ]] \
    || fail "test programs not found in $PROGRAMS (run hack/build-programs.sh BUILD)"
}

# hacher with a per-test state dir and image cache; never hangs a test run.
hacher()
{
  HACHER_IMAGES=${HACHER_IMAGES:-$BATS_TEST_TMPDIR/images} \
    timeout 60 "$HACHER" --root "$BATS_TEST_TMPDIR/state" "$@" </dev/null
}

# hacher_run BUNDLE [run options] ID
hacher_run()
{
  local bundle=$1
  shift
  hacher run --bundle "$bundle" "$@"
}

# make_bundle DIR: an empty-ish rootfs (etc, data, tmp) with a config.json
# from `hacher spec`, made non-interactive and given the test env/hostname.
make_bundle()
{
  local b=$1 r=$1/rootfs
  mkdir -p "$r"/{bin,etc,data,tmp,root} || return
  chmod 1777 "$r/tmp"
  cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
  echo "$TEST_HOSTNAME" >"$r/etc/hostname"
  head -c 1048576 /dev/urandom >"$r/data/random.bin"
  # Mixed case, duplicates and digits so sort order is not trivial.
  printf '%s\n' pear Apple banana apple 42 cherry Banana 7 pear zebra >"$r/data/words.txt"
  printf 'hello from the host\n' >"$r/data/hello.txt"
  hacher spec --bundle "$b" || return
  local env_json
  env_json=$(json_strings "${TEST_ENV[@]}")
  config_set "$b" '.process.terminal = false | .process.env = $env | .hostname = $host
    | .process.cwd = "/" | .root.readonly = true' \
    --argjson env "$env_json" --arg host "$TEST_HOSTNAME"
}

# add_busybox DIR: busybox plus one symlink per applet in rootfs/bin.
add_busybox()
{
  local r=$1/rootfs applet
  cp "$BUSYBOX" "$r/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$r/bin/$applet"
  done
}

# add_programs DIR NAME...: copies BUILD/programs/NAME into rootfs/bin.
add_programs()
{
  local b=$1 p
  shift
  for p in "$@"; do
    cp "$PROGRAMS/$p" "$b/rootfs/bin/$p" || return
  done
}

# config_set DIR JQ-FILTER [jq options]: edits DIR/config.json in place.
config_set()
{
  local b=$1 filter=$2
  shift 2
  jq "$@" "$filter" "$b/config.json" >"$b/config.json.new" || return
  mv "$b/config.json.new" "$b/config.json"
}

# json_strings ARG...: a JSON array of the arguments. jq parses options even
# after --args, so each one goes through --arg, which takes values literally.
json_strings()
{
  local a
  for a in "$@"; do
    jq -n --arg a "$a" '$a'
  done | jq -s -c .
}

# config_args DIR ARG...: sets process.args.
config_args()
{
  local b=$1 args
  shift
  args=$(json_strings "$@") || return
  config_set "$b" '.process.args = $args' --argjson args "$args"
}

# Everything observable about the host rootfs: names, types, sizes, modes,
# mtimes, link targets and file contents.
snapshot_rootfs()
{
  (
    cd "$1" || exit
    find . -printf '%p %y %s %m %T@ %l\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  ) | sha256sum
}

# Bundles whose rootfs teardown must find unchanged; see remember_rootfs.
SNAPSHOT_DIRS=()
SNAPSHOTS=()

# remember_rootfs DIR: (re)records DIR/rootfs as it is now; call it again
# after changing the rootfs deliberately.
remember_rootfs()
{
  local i
  for i in "${!SNAPSHOT_DIRS[@]}"; do
    if [[ ${SNAPSHOT_DIRS[$i]} == "$1/rootfs" ]]; then
      SNAPSHOTS[i]=$(snapshot_rootfs "$1/rootfs")
      return
    fi
  done
  SNAPSHOT_DIRS+=("$1/rootfs")
  SNAPSHOTS+=("$(snapshot_rootfs "$1/rootfs")")
}

assert_rootfs_unchanged()
{
  local i
  for i in "${!SNAPSHOT_DIRS[@]}"; do
    local now
    now=$(snapshot_rootfs "${SNAPSHOT_DIRS[$i]}")
    if [[ $now != "${SNAPSHOTS[$i]}" ]]; then
      fail "host rootfs ${SNAPSHOT_DIRS[$i]} was modified by a run"
    fi
  done
}

# No run may leave a container state directory behind (no --keep used).
assert_no_state_left()
{
  local left=""
  # A run that failed early may never have created the state dir at all.
  if [[ -d $BATS_TEST_TMPDIR/state ]]; then
    left=$(find "$BATS_TEST_TMPDIR/state" -mindepth 1 -maxdepth 1)
  fi
  [[ -z $left ]] || fail "state left behind: $left"
}

# Mount points a test made; teardown unmounts them.
TEST_MOUNTS=()

teardown()
{
  local m
  for m in "${TEST_MOUNTS[@]}"; do
    umount "$m" 2>/dev/null || true
  done
  assert_rootfs_unchanged
}

# native_busybox DIR CMD...: the same busybox command on the host via chroot,
# with the bundle's environment and nothing else.
native_busybox()
{
  local r=$1/rootfs
  shift
  chroot "$r" /bin/busybox env -i "${TEST_ENV[@]}" "$@" </dev/null
}

# remember_tree DIR: like remember_rootfs, for any host directory a run must
# leave alone (e.g. the sources of bind mounts); teardown checks it.
remember_tree()
{
  local i
  for i in "${!SNAPSHOT_DIRS[@]}"; do
    if [[ ${SNAPSHOT_DIRS[$i]} == "$1" ]]; then
      SNAPSHOTS[i]=$(snapshot_rootfs "$1")
      return
    fi
  done
  SNAPSHOT_DIRS+=("$1")
  SNAPSHOTS+=("$(snapshot_rootfs "$1")")
}

# flip_byte FILE OFFSET: inverts every bit of the byte at OFFSET, in place.
flip_byte()
{
  local f=$1 off=$2 b
  b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
  [[ -n $b ]] || {
    fail "flip_byte: no byte at offset $off of $f"
    return
  }
  # shellcheck disable=SC2059
  printf "$(printf '\\%03o' $((b ^ 0xff)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# offset_of FILE STRING: the byte offset of STRING in FILE, which must hold it
# exactly once (so a flip there hits what the test means to hit).
offset_of()
{
  local hits n
  hits=$(LC_ALL=C grep -obUaF -- "$2" "$1" | cut -d: -f1)
  n=$(grep -c . <<<"$hits")
  [[ $n == 1 ]] || {
    fail "\"$2\" occurs $n times in $1, want exactly once"
    return
  }
  echo "$hits"
}
