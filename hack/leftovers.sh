#!/usr/bin/env bash
# leftovers.sh: what a test run must not leave on the node.
#   leftovers.sh snapshot DIR               before the run: records what exists
#   leftovers.sh check DIR HACHER TESTDIR   after it: one "ok"/"not ok" line per
#                                           kind, details as "#" lines; exit 1 if any
# TESTDIR is the run's temporary directory (bats' BATS_RUN_TMPDIR). Kinds:
# processes (HACHER, or naming a test path), mounts and open fds on test
# paths, new cgroup directories, new container state. The check is exact when
# nothing else on the node starts containers at the same time.
set -uo pipefail
export LC_ALL=C # one collation for sort and comm

# Private instances of the e2e files (containerd.bats, cri.bats) and the
# runtime's default root: test paths besides TESTDIR.
INSTANCE_GLOBS=(/tmp/hct.* /tmp/hcri.*)
EXTRA_PREFIXES=(/tmp/hct. /tmp/hcri. /run/hacher/)
# Where container state lives outside the test dirs: hacher's default root
# and the runc shim's roots.
STATE_GLOBS=(/run/hacher/* /run/containerd/runc/*/*)
# The node image cache: tests use private ones, but `make demo` and other
# users of the node write it too, so new entries are only noted.
CACHE_GLOBS=(/var/lib/hacher/images/index/*)
# Parents kept by design once made, as runc keeps them: podman's
# (cgroupfs), hacher's default parent and containerd's per-namespace one
# (the ctr tests use namespace hacher-test).
CGROUP_KEPT='/(libpod_parent(/conmon)?|hacher|hacher-test)$'

# "PID STARTTIME" of every process; field 22 of stat, after the comm field.
procs()
{
  local p s
  for p in /proc/[0-9]*; do
    s=$(cat "$p/stat" 2>/dev/null) || continue
    s=${s##*) }
    read -r -a f <<<"$s"
    echo "${p#/proc/} ${f[19]}"
  done | sort
}

cgroup_dirs()
{
  find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
}

# ls_glob GLOB...: the paths that exist, sorted.
ls_glob()
{
  local e
  for e in "$@"; do
    [[ -e $e ]] && echo "$e"
  done | sort
}

state_entries()
{
  ls_glob "${STATE_GLOBS[@]}" "${INSTANCE_GLOBS[@]}"
}

snapshot()
{
  mkdir -p "$1"
  procs >"$1/procs"
  cgroup_dirs >"$1/cgroups"
  state_entries >"$1/state"
  ls_glob "${CACHE_GLOBS[@]}" >"$1/cache"
}

# under PATH: true if PATH starts with a test prefix.
under()
{
  local p
  for p in "${PREFIXES[@]}"; do
    [[ $1 == "$p"* ]] && return 0
  done
  return 1
}

# Processes of this check (it names the test dir in its own arguments).
ours()
{
  local p=$1 s
  while [[ $p -gt 1 ]]; do
    [[ $p == "$$" ]] && return 0
    s=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
    s=${s##*) }
    read -r -a f <<<"$s"
    p=${f[1]}
  done
  return 1
}

cmdline()
{
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"
}

# report NAME FINDINGS: the result line, then the findings as comments.
report()
{
  local lines
  mapfile -t lines <<<"$2"
  if [[ -z $2 ]]; then
    echo "ok leftovers: $1"
  else
    echo "not ok leftovers: $1"
    printf '#   %s\n' "${lines[@]}"
    bad=1
  fi
}

check_processes()
{
  local pid exe cmd out=""
  while read -r pid _; do
    ours "$pid" && continue
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
    cmd=$(cmdline "$pid")
    if [[ $exe == "$HACHER" || $exe == "$HACHER (deleted)" ]] || under_any "$cmd" \
      || under "$(readlink "/proc/$pid/cwd" 2>/dev/null)"; then
      out+="$pid $cmd"$'\n'
    fi
  done < <(comm -13 "$SNAP/procs" <(procs))
  report "no hacher process or process of a test left" "${out%$'\n'}"
}

# under_any STRING: true if STRING contains a test prefix anywhere.
under_any()
{
  local p
  for p in "${PREFIXES[@]}"; do
    [[ $1 == *"$p"* ]] && return 0
  done
  return 1
}

check_mounts()
{
  local out="" target
  # mountinfo's 5th field is the mount point, with spaces as \040
  while read -r _ _ _ _ target _; do
    target=$(printf '%b' "$target")
    under "$target/" && out+="$target"$'\n'
  done </proc/self/mountinfo
  report "no mount under the test dirs or /run/hacher" "${out%$'\n'}"
}

# Cgroups of other jobs beside this one (siblings of our own cgroup) are
# not the tests'.
beside_us()
{
  local rel=$1 own parent
  while IFS=: read -r _ _ own; do
    parent=${own%/*}
    # at the top level, siblings cannot be told from the tests' cgroups
    [[ -n $parent ]] || continue
    [[ $rel == "$parent/"* && $rel != "$own" && $rel != "$own/"* ]] && return 0
  done </proc/self/cgroup
  return 1
}

check_cgroups()
{
  local d rel out=""
  while read -r d; do
    [[ -d $d ]] || continue
    rel=/${d#/sys/fs/cgroup/*/}
    [[ $rel =~ $CGROUP_KEPT ]] && continue
    beside_us "$rel" && continue
    out+="$d"$'\n'
  done < <(comm -13 "$SNAP/cgroups" <(cgroup_dirs))
  report "no new cgroup directory" "${out%$'\n'}"
}

check_state()
{
  local out
  out=$(comm -13 "$SNAP/state" <(state_entries))
  report "no container state left (/run/hacher, containerd's runc roots, e2e instances)" "$out"
  local n
  n=$(comm -13 "$SNAP/cache" <(ls_glob "${CACHE_GLOBS[@]}") | wc -l)
  ((n == 0)) || echo "# note: $n new entries in the node image cache /var/lib/hacher/images"
}

check_fds()
{
  local p fd target out=""
  for p in /proc/[0-9]*; do
    ours "${p#/proc/}" && continue
    for fd in "$p"/fd/*; do
      target=$(readlink "$fd" 2>/dev/null) || continue
      under "$target" && out+="${p#/proc/} $(cmdline "${p#/proc/}"): $fd -> $target"$'\n'
    done
  done
  report "no open fd on the test dirs or /run/hacher" "${out%$'\n'}"
}

case ${1:-} in
  snapshot)
    [[ $# -eq 2 ]] || exec "$0"
    snapshot "$2"
    ;;
  check)
    [[ $# -eq 4 ]] || exec "$0"
    SNAP=$2 HACHER=$(realpath -m "$3")
    PREFIXES=("${4%/}/" "${EXTRA_PREFIXES[@]}")
    bad=0
    check_processes
    check_mounts
    check_cgroups
    check_state
    check_fds
    exit "$bad"
    ;;
  *)
    echo "usage: $0 snapshot DIR | check DIR HACHER TESTDIR" >&2
    exit 2
    ;;
esac
