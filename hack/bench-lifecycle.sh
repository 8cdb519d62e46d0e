#!/usr/bin/env bash
# bench-lifecycle.sh BUILD: create+start+wait+delete cycles per second of a
# static hello, for 100 sequential containers and for 10 parallel streams of
# 10, with hacher, runc and crun on the same bundle in one run.
set -euo pipefail

build=$(realpath "${1:-build}")
hacher="$build/hacher"
hello="$build/programs/hello.musl"
tmp=$(mktemp -d /tmp/hacher-cycles.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HACHER_IMAGES="$tmp/images"

bundle="$tmp/bundle"
mkdir -p "$bundle/rootfs"
cp "$hello" "$bundle/rootfs/hello"
"$hacher" spec --bundle "$bundle"
jq '.process.terminal = false | .process.args = ["/hello"]' "$bundle/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$bundle/config.json"

# cycle RUNTIME ID: one container through its whole life (run = create +
# start + wait; the runtime removes it afterwards, as runc run does).
cycle()
{
  case $1 in
    hacher) "$hacher" --root "$tmp/hacher" run --bundle "$bundle" "$2" ;;
    runc) runc --root "$tmp/runc" run --bundle "$bundle" "$2" ;;
    crun) unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
      crun --root "$tmp/crun" run --bundle "$bundle" "$2" ;;
  esac >/dev/null 2>&1 </dev/null
}

stream()
{
  local rt=$1 s=$2 n=$3 i
  for ((i = 0; i < n; i++)); do
    cycle "$rt" "c$s-$i" || return 1
  done
}

now() { date +%s.%N; }

printf '%-8s %22s %26s\n' runtime "100 sequential (/s)" "10 streams x 10 (/s)"
for rt in hacher runc crun; do
  command -v "$rt" >/dev/null 2>&1 || [[ $rt == hacher ]] || { echo "$rt: not installed"; continue; }
  cycle "$rt" warm || { echo "$rt: cannot run here"; continue; }
  t0=$(now)
  stream "$rt" s 100 || { echo "$rt: a cycle failed"; continue; }
  t1=$(now)
  pids=()
  for s in $(seq 10); do
    stream "$rt" "p$s" 10 &
    pids+=($!)
  done
  ok=1
  for p in "${pids[@]}"; do wait "$p" || ok=0; done
  t2=$(now)
  ((ok)) || { echo "$rt: a parallel cycle failed"; continue; }
  printf '%-8s %22.1f %26.1f\n' "$rt" "$(echo "100 / ($t1 - $t0)" | bc -l)" \
    "$(echo "100 / ($t2 - $t1)" | bc -l)"
done
echo "(crun runs under unshare -m without the cgroup2 mount: it refuses this host's hybrid layout)"
