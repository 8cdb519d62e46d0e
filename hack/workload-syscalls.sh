#!/usr/bin/env bash
# workload-syscalls.sh BUILD [NAME...]: runs each acceptance workload natively
# (chroot into BUILD/workloads/NAME/rootfs, as tests/workloads/*.bats do)
# under strace -f, and lists the system calls it made that libos/syscalls.def
# does not implement fully: "missing" (no entry: ENOSYS and a log line),
# "declined" or "partial" (with the entry's note), each with its call count.
# Feeds tests/workloads/GAPS.md. Needs root (chroot, mounts) and strace.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD [busybox-sh|coreutils|python|go|node|exec]..." >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "$1")
shift
names=("$@")
((${#names[@]} > 0)) || names=(busybox-sh coreutils python go node)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C HACHER_TEST=1)

# trace ROOTFS LOG SIGNAL CMD...: CMD under chroot in a private mount
# namespace (read-only root, /dev, /proc, private /tmp) traced into LOG;
# with SIGNAL, sends it to CMD once CMD printed "ready".
trace()
{
  local r=$1 log=$2 sig=$3 pid
  shift 3
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --mount --propagation private --fork -- sh -c '
    r=$1 log=$2; shift 2
    mount --bind "$r" "$r" && mount -o remount,bind,ro "$r" &&
      mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
      mount -t tmpfs tmpfs "$r/tmp" || exit 125
    exec strace -f -qq -o "$log" env -i "$@"' sh "$r" "$log" "${ENV[@]}" chroot "$r" "$@" \
    </dev/null >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  if [[ -n $sig ]]; then
    for _ in $(seq 600); do
      grep -qx ready "$tmp/out" 2>/dev/null && break
      sleep 0.1
    done
    # The traced command: the process whose cmdline starts with CMD.
    local p
    for p in $(pgrep -s 0 -x "$(basename "$1")" || true); do
      [[ $(tr '\0' ' ' <"/proc/$p/cmdline") == "$*"* ]] && kill "-$sig" "$p"
    done
  fi
  wait "$pid" || echo "  (exit status $?)"
}

# report LOG TARGET: the calls after the first successful execve of TARGET
# (before it, strace saw env and chroot), by name, against syscalls.def.
report()
{
  local log=$1 target=$2
  awk -v t="execve(\"$target\"" '
    !go && index($0, t) && / = 0$/ { go = 1; next }
    !go { next }
    /^[0-9]+ +\+\+\+|^[0-9]+ +---/ { next }
    { sub(/^[0-9]+ +/, ""); sub(/^<\.\.\. /, ""); n = $0; sub(/[( ].*/, "", n); if (n != "") c[n]++ }
    END { for (n in c) print n, c[n] }' "$log" | LC_ALL=C sort >"$tmp/used"
  # name status note, from the table the LibOS is built from.
  sed -n 's/^SYSCALL(\([a-z0-9_]*\), *\([a-z]*\), *"\(.*\)")$/\1\t\2\t\3/p' \
    "$root/libos/syscalls.def" | LC_ALL=C sort >"$tmp/def"
  local name count status note shown=0
  while read -r name count; do
    status=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$tmp/def")
    note=$(awk -F'\t' -v n="$name" '$1 == n { print $3 }' "$tmp/def")
    [[ $status == implemented ]] && continue
    ((${#note} <= 70)) || note="${note:0:67}..."
    printf '  %-20s %6s  %s%s\n' "$name" "$count" "${status:-missing}" "${note:+: $note}"
    shown=1
  done <"$tmp/used"
  ((shown)) || echo "  (every call is implemented)"
  echo "  used: $(awk '{ printf "%s%s", sep, $1; sep = " " }' "$tmp/used")"
}

for name in "${names[@]}"; do
  r=$build/workloads/$name/rootfs
  [[ $name == exec ]] && r=$build/workloads/busybox-sh/rootfs
  [[ -d $r ]] || {
    echo "workload-syscalls: no $r (run hack/build-workloads.sh $build)" >&2
    exit 1
  }
  log=$tmp/$name.strace
  echo "== $name"
  case $name in
    busybox-sh)
      trace "$r" "$log" TERM /bin/sh /opt/workload/shell.sh
      report "$log" /bin/sh
      ;;
    exec)
      trace "$r" "$log" "" /bin/sh -c 'ps; tr "\0" " " </proc/1/cmdline; echo'
      report "$log" /bin/sh
      ;;
    coreutils)
      trace "$r" "$log" "" /bin/sh -c 'ls -la /usr/bin | sort | grep -c x'
      report "$log" /bin/sh
      ;;
    python)
      trace "$r" "$log" TERM /usr/bin/python3 -u /opt/workload/workload.py
      report "$log" /usr/bin/python3
      ;;
    go)
      trace "$r" "$log" "" /opt/workload/workload
      report "$log" /opt/workload/workload
      ;;
    node)
      trace "$r" "$log" "" /usr/bin/node /opt/workload/workload.js
      report "$log" /usr/bin/node
      ;;
    *)
      echo "workload-syscalls: unknown workload \"$name\"" >&2
      exit 2
      ;;
  esac
done
