#!/usr/bin/env bash
# bench-density.sh BUILD [N]: memory per idle instance when N copies of one
# ~60 MiB image run at once, hacher trustlets vs runc containers.
#
# One bundle: static busybox (+ applet links) and 6 x 10 MiB of random bytes
# (pages an image cache could share), process `/bin/sleep 600`, read-only
# root. For each runtime: MemAvailable and Cached from /proc/meminfo before
# and after N instances are up, and the PSS (/proc/PID/smaps_rollup) of the
# processes each instance keeps on the host:
#   hacher: the `hacher run` process (the monitor holding the trustlet),
#   runc:   the `runc run` process (stays as parent) + the container's sleep.
# Per instance = total / instances running. Everything lives in one temp dir,
# removed (with every instance stopped) on exit, failure or ^C.
#
# Environment: SETTLE (s, default 2) wait after all are up before measuring;
# START_TIMEOUT (s, default 90) per runtime; PER_INSTANCE_MIB (default 20)
# host memory budget per instance that N must fit in MemAvailable.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD [N]" >&2
  exit 2
fi
build=$(realpath "$1")
hacher="$build/hacher"
n=${2:-100}
SETTLE=${SETTLE:-2}
START_TIMEOUT=${START_TIMEOUT:-90}
PER_INSTANCE_MIB=${PER_INSTANCE_MIB:-20}
BLOBS=6    # files of random bytes in the image
BLOB_MIB=10

if [[ ! $n =~ ^[0-9]+$ ]] || ((n < 1)); then
  echo "density: N must be a positive integer (got \"$n\")" >&2
  exit 2
fi
[[ -x $hacher ]] || {
  echo "density: $hacher missing (run make)" >&2
  exit 1
}
busybox=/bin/busybox # busybox-static: the programs must be static
[[ -x $busybox ]] || {
  echo "density: $busybox missing (apt-get install busybox-static)" >&2
  exit 1
}
for t in jq awk; do
  command -v "$t" >/dev/null || {
    echo "density: $t missing" >&2
    exit 1
  }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hacher-density.XXXXXX")
bundle="$tmp/bundle"
hroot="$tmp/hacher-state"
rroot="$tmp/runc-state"
logs="$tmp/logs"
# A private image cache for hacher versions that keep one (HACHER_IMAGES);
# older versions build the image into each container's state directory.
export HACHER_IMAGES="$tmp/images"
prefix="density$$-" # container ids; runc names cgroups after them
mkdir -p "$logs"

# PIDs of the runtime processes this script started (its children) and has
# not yet reaped. A PID is only signalled while it is still a live child of
# this shell, so a recycled PID is never hit; a child forked but not yet
# exec'd counts too.
declare -a live=()

# ours PID: PID is a child of this script and not a zombie. Builtins only.
ours()
{
  local k v state='' ppid=''
  while read -r k v; do
    case $k in
    State:) state=${v%% *} ;;
    PPid:)
      ppid=$v
      break
      ;;
    esac
  done 2>/dev/null <"/proc/$1/status" || return 1
  [[ $ppid == "$$" && $state != Z ]]
}

# descendants PID...: the PIDs and all their descendants, one per line.
descendants()
{
  local p
  local -a kids
  for p in "$@"; do
    [[ -d /proc/$p ]] || continue
    echo "$p"
    mapfile -t kids < <(cat /proc/"$p"/task/*/children 2>/dev/null | tr ' ' '\n' | grep .)
    ((${#kids[@]} == 0)) || descendants "${kids[@]}"
  done
}

# in_tmp PID: PID's command line names the temp dir (a runtime's helper,
# such as hacher's mkfs.erofs, left running after its parent died).
in_tmp()
{
  local cmd
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ $cmd == *"$tmp/"* ]]
}

# runc_stop_all: kill and delete every runc container of this run, again
# and again while `runc run` processes of ours are alive (one may still be
# creating its container), at most ~15 s.
runc_stop_all()
{
  [[ -d $rroot ]] || return 0
  local id p round busy
  local -a ids
  for ((round = 0; round < 75; round++)); do
    mapfile -t ids < <(runc --root "$rroot" list -q 2>/dev/null || true)
    for id in "${ids[@]}"; do
      runc --root "$rroot" kill "$id" KILL >/dev/null 2>&1 || true
      runc --root "$rroot" delete -f "$id" >/dev/null 2>&1 || true
    done
    busy=0
    for p in "${live[@]}"; do
      ours "$p" && busy=1 && break
    done
    ((${#ids[@]} == 0 && busy == 0)) && break
    sleep 0.2
  done
  return 0
}

# sweep_cgroups: containers runc lost track of (a `runc run` killed while
# creating): KILL what is left in cgroups named after this run's container
# ids, remove those cgroups. Prints how many cgroups could not be removed.
sweep_cgroups()
{
  local d p round left=0
  local -a dirs
  for ((round = 0; round < 10; round++)); do
    mapfile -t dirs < <(find /sys/fs/cgroup -maxdepth 3 -type d -name "${prefix}*" 2>/dev/null)
    ((${#dirs[@]} == 0)) && break
    for d in "${dirs[@]}"; do
      while read -r p; do
        kill -KILL "$p" 2>/dev/null || true
      done 2>/dev/null <"$d/cgroup.procs"
    done
    sleep 0.2
    left=0
    for d in "${dirs[@]}"; do
      rmdir "$d" 2>/dev/null || ((++left))
    done
    ((left == 0)) && break
  done
  echo "$left"
}

# helpers: sets helpers to the processes other than the live ones whose
# command line names the temp dir, e.g. hacher's mkfs.erofs, which can
# outlive (or be started by) a hacher that is being stopped.
helpers()
{
  local p
  local -A is_live=()
  for p in "${live[@]}"; do
    is_live[$p]=1
  done
  helpers=()
  for p in $(pgrep -f -- "$tmp/" || true); do
    [[ -n ${is_live[$p]:-} ]] || helpers+=("$p")
  done
}

# stop_live: TERM every live process and every helper, KILL what is left
# after 10 s, reap.
stop_live()
{
  local p i left sig=TERM
  local -a helpers
  for p in "${live[@]}"; do
    if ours "$p"; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for ((i = 0; i < 120; i++)); do
    ((i == 100)) && sig=KILL
    left=0
    for p in "${live[@]}"; do
      if ours "$p"; then
        ((++left))
        [[ $sig == KILL ]] && kill -KILL "$p" 2>/dev/null
      fi
    done
    helpers
    for p in "${helpers[@]}"; do
      in_tmp "$p" && kill -"$sig" "$p" 2>/dev/null && ((++left))
    done
    ((left == 0)) && break
    sleep 0.1
  done
  for p in "${live[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  live=()
}

cleanup()
{
  local rc=$?
  trap - EXIT INT TERM
  runc_stop_all
  stop_live
  if [[ -d $rroot ]]; then
    runc_stop_all
    [[ $(sweep_cgroups) == 0 ]] || echo "density: cgroups ${prefix}* left behind" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# settle_mem: waits (at most 30 s) until MemAvailable holds still: three
# readings 1 s apart within 8 MiB of each other. After large frees (a
# previous phase's page cache) the kernel hands pages back over seconds;
# with virtio-balloon free page reporting, batches of free pages are off the
# free lists while the hypervisor is told about them. Sets waited (seconds).
# (No command substitution around it: a trapped ^C must not wait for it.)
settle_mem()
{
  local a b c i
  sync
  a=$(meminfo MemAvailable)
  sleep 1
  b=$(meminfo MemAvailable)
  for ((i = 2; i < 30; i++)); do
    sleep 1
    c=$(meminfo MemAvailable)
    if ((a - c < 8192 && c - a < 8192 && b - c < 8192 && c - b < 8192)); then
      break
    fi
    a=$b
    b=$c
  done
  waited=$i
}

# kernel_mem: "SLAB PAGE_TABLES KERNEL_STACKS PERCPU VMALLOC" (KiB); page
# tables include KVM's secondary (guest) page tables; vmalloc holds e.g.
# KVM's per-memslot arrays, sized by guest memory, not by its use.
kernel_mem()
{
  awk '$1 == "Slab:" { s = $2 } $1 == "PageTables:" || $1 == "SecPageTables:" { t += $2 }
       $1 == "KernelStack:" { k = $2 } $1 == "Percpu:" { p = $2 } $1 == "VmallocUsed:" { v = $2 }
       END { printf "%d %d %d %d %d\n", s, t, k, p, v }' /proc/meminfo
}

# pss_rss PID...: "PSS PSS_ANON PSS_FILE RSS PROCESSES" (KiB) summed over the PIDs.
pss_rss()
{
  local -a files=()
  local p
  for p in "$@"; do
    files+=("/proc/$p/smaps_rollup")
  done
  awk '/^Pss:/ { p += $2 } /^Pss_Anon:/ { a += $2 } /^Pss_File:/ { f += $2 }
       /^Rss:/ { r += $2; k++ } END { printf "%d %d %d %d %d\n", p, a, f, r, k }' \
    "${files[@]}" 2>/dev/null || true
}

# --- the bundle -------------------------------------------------------------
echo "density: building the bundle" >&2
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/data" "$bundle/rootfs/proc" \
  "$bundle/rootfs/dev" "$bundle/rootfs/sys" "$bundle/rootfs/tmp"
cp "$busybox" "$bundle/rootfs/bin/busybox"
for a in $("$busybox" --list); do
  [[ $a == busybox || $a == */* ]] || ln -s busybox "$bundle/rootfs/bin/$a"
done
for ((i = 1; i <= BLOBS; i++)); do
  head -c "$((BLOB_MIB << 20))" /dev/urandom >"$bundle/rootfs/data/blob$i"
done
"$hacher" spec --bundle "$bundle"
jq '.process.terminal = false | .process.args = ["/bin/sleep", "600"] | .root.readonly = true' \
  "$bundle/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$bundle/config.json"
rootfs_kib=$(du -sk "$bundle/rootfs" | awk '{ print $1 }')

# --- how many the host can take -------------------------------------------
# Each instance may cost up to PER_INSTANCE_MIB of RAM; an image file per
# trustlet (no cache) costs disk, or RAM too when the temp dir is a tmpfs.
per_kib=$((PER_INSTANCE_MIB * 1024))
fstype=$(stat -f -c %T "$tmp")
[[ $fstype == tmpfs ]] && per_kib=$((per_kib + rootfs_kib))
avail_kib=$(meminfo MemAvailable)
if ((avail_kib <= n * per_kib)); then
  cap=$(((avail_kib - 1) / per_kib))
  ((cap >= 1)) || {
    echo "density: MemAvailable ${avail_kib} KiB is too small for one instance" >&2
    exit 1
  }
  echo "density: N=$n needs more than $((n * per_kib)) KiB, MemAvailable is $avail_kib KiB: N capped to $cap" >&2
  n=$cap
fi
disk_kib=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [[ $fstype != tmpfs ]] && ((disk_kib <= n * rootfs_kib + 1048576)); then
  cap=$(((disk_kib - 1048576) / rootfs_kib))
  ((cap >= 1)) || {
    echo "density: not enough disk space in $tmp for one image" >&2
    exit 1
  }
  echo "density: $disk_kib KiB free in $tmp, N capped to $cap (an image per trustlet)" >&2
  n=$cap
fi

kind=kvm
[[ -e /sys/module/kvm_pvm ]] && kind="kvm (pvm)"
echo "density: N=$n, rootfs $((rootfs_kib / 1024)) MiB (busybox + $BLOBS x $BLOB_MIB MiB random)," \
  "idle /bin/sleep 600; $(nproc) CPUs; $kind; temp dir on $fstype" >&2

declare -a rows=() notes=()

# phase NAME: starts N instances with start_NAME I (which appends to live),
# waits for ready_NAME, measures, stops them with stop_NAME.
phase()
{
  local name=$1 i p t0 t1 ready failed avail0 cached0 avail1 cached1 running waited
  local -a started=() procs_list=() kern0 kern1
  settle_mem
  avail0=$(meminfo MemAvailable)
  cached0=$(meminfo Cached)
  read -r -a kern0 < <(kernel_mem)
  t0=$(now)
  for ((i = 1; i <= n; i++)); do
    "start_$name" "$i"
    started+=("$!")
    live+=("$!")
  done
  # Ready when every instance is up or has given up.
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    "ready_$name"
    failed=0
    for p in "${started[@]}"; do
      ours "$p" || ((++failed))
    done
    ((ready + failed >= n || SECONDS >= deadline)) && break
    sleep 0.05
  done
  t1=$(now)
  if ((ready < n)); then
    notes+=("$name: $ready of $n up after $(elapsed "$t0" "$t1") s ($failed exited)")
  fi
  sleep "$SETTLE"

  avail1=$(meminfo MemAvailable)
  cached1=$(meminfo Cached)
  read -r -a kern1 < <(kernel_mem)
  local -a alive=()
  for p in "${started[@]}"; do
    ours "$p" && alive+=("$p")
  done
  running=${#alive[@]}
  local pss=0 pss_anon=0 pss_file=0 rss=0 procs=0
  if ((running > 0)); then
    mapfile -t procs_list < <(descendants "${alive[@]}")
    read -r pss pss_anon pss_file rss procs < <(pss_rss "${procs_list[@]}")
  fi
  "info_$name"
  if ((running < n)); then
    local log
    for ((i = 1; i <= n; i++)); do
      log="$logs/$name$i.err"
      if [[ -s $log ]]; then
        notes+=("$name: $((n - running)) of $n not running; $name$i said: $(head -c 300 "$log" | tr '\n' ' ')")
        break
      fi
    done
  fi
  local div=$((running > 0 ? running : 1))
  rows+=("$name $running/$n $(((avail0 - avail1) / div)) $((pss / div)) \
$(awk -v a="$cached0" -v b="$cached1" 'BEGIN { printf "%.1f", (b - a) / 1024 }') \
$(elapsed "$t0" "$t1")")
  notes+=("$name: per instance: RSS $((rss / div)) KiB, PSS anon $((pss_anon / div)) + file\
 $((pss_file / div)) KiB ($procs processes); kernel growth: Slab $(((kern1[0] - kern0[0]) / div)),\
 page tables $(((kern1[1] - kern0[1]) / div)), kernel stacks $(((kern1[2] - kern0[2]) / div)),\
 percpu $(((kern1[3] - kern0[3]) / div)), vmalloc $(((kern1[4] - kern0[4]) / div)) KiB; baseline after ${waited} s of MemAvailable settling")
  if ((waited >= 30)); then
    notes+=("$name: MemAvailable did not hold still within 30 s before the start (other\
 activity on the host?): its delta is noisy")
  fi

  echo "density: stopping $running $name instances" >&2
  "stop_$name"
}

# hacher ----------------------------------------------------------------------
start_hacher()
{
  "$hacher" --root "$hroot" run --bundle "$bundle" "${prefix}h$1" \
    </dev/null >/dev/null 2>"$logs/hacher$1.err" &
}
# ready_NAME: sets ready to the number of instances up.
ready_hacher()
{
  local i
  ready=0
  for ((i = 1; i <= n; i++)); do
    [[ -e $hroot/${prefix}h$i/state.json ]] && ((++ready))
  done
  return 0
}
info_hacher()
{
  local files kib
  read -r files kib < <(find "$hroot" "$HACHER_IMAGES" -type f -size +1M -printf '%k\n' 2>/dev/null |
    awk '{ s += $1; k++ } END { print k + 0, s + 0 }')
  notes+=("hacher: image files (1+ MiB) on disk while running: $files, $((kib / 1024)) MiB in all\
 (one per trustlet without an image cache, one in all with it)")
}
stop_hacher()
{
  stop_live
  local left
  left=$(pgrep -f -- "--root $hroot " | wc -l || true)
  if ((left > 0)); then
    notes+=("hacher: $left processes still running after stop")
  elif [[ -d $hroot ]] && ! rmdir "$hroot" 2>/dev/null; then
    notes+=("hacher: state left in $hroot: $(find "$hroot" -mindepth 1 -maxdepth 1 | wc -l) entries")
    rm -rf "$hroot"
  fi
  rm -rf "$HACHER_IMAGES"
}

# runc ------------------------------------------------------------------------
start_runc()
{
  runc --root "$rroot" run --bundle "$bundle" "${prefix}r$1" \
    </dev/null >/dev/null 2>"$logs/runc$1.err" &
}
ready_runc()
{
  ready=$(runc --root "$rroot" list -f json 2>/dev/null |
    jq '[.[]? | select(.status == "running")] | length' 2>/dev/null || true)
  ready=${ready:-0}
}
info_runc() { :; }
stop_runc()
{
  runc_stop_all
  stop_live
  local left
  left=$(runc --root "$rroot" list -q 2>/dev/null | wc -l || true)
  if ((left > 0)); then
    notes+=("runc: $left containers left after delete")
  fi
  left=$(sweep_cgroups)
  if ((left > 0)); then
    notes+=("runc: $left cgroups ${prefix}* could not be removed")
  fi
  rm -rf "$rroot"
}

echo "density: starting $n hacher trustlets" >&2
phase hacher
if command -v runc >/dev/null; then
  echo "density: starting $n runc containers" >&2
  phase runc
else
  notes+=("runc: not installed")
fi

fmt='%-8s %9s %24s %14s %19s %15s\n'
# shellcheck disable=SC2059 # one format for header and rows
printf "$fmt" runtime "running/N" "MemAvail delta KiB/inst" "PSS KiB/inst" "Cached growth MiB" \
  "start all (s)"
for r in "${rows[@]}"; do
  read -r name cnt avail pss cached secs <<<"$r"
  # shellcheck disable=SC2059
  printf "$fmt" "$name" "$cnt" "$avail" "$pss" "$cached" "$secs"
done
echo "PSS counted: hacher = the 'hacher run' process (monitor + trustlet memory);" \
  "runc = 'runc run' (stays as parent) + the container's /bin/sleep."
echo "MemAvailable and Cached are host-wide (anything else running shows up in them;" \
  "page cache counts as available); PSS is per process, shared pages split."
for note in "${notes[@]}"; do
  echo "note: $note"
done
