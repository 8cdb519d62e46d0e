#!/usr/bin/env bash
# bench.sh BUILD: start-up latency of a static hello function in hacher vs
# runc vs crun, same bundle; median/p90 wall time and peak RSS per run.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD" >&2
  exit 2
fi
build=$(realpath "$1")
hacher="$build/hacher"
hello="$build/programs/hello.musl"
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}

for f in "$hacher" "$hello"; do
  [[ -x $f ]] || {
    echo "bench: $f missing (run make all programs)" >&2
    exit 1
  }
done

tmp=$(mktemp -d /tmp/hacher-bench.XXXXXX)
export HACHER_IMAGES="$tmp/images" # warm after the first warm-up run
trap 'rm -rf "$tmp"' EXIT

# A tiny runner: fork/exec/wait4 per run gives wall time without shell
# overhead and the child's peak RSS (ru_maxrss, KiB) in one go.
cat >"$tmp/runner.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* runner RUNS WARMUP CMD...: prints "median_ms p90_ms max_rss_kib". */
int main(int argc, char **argv)
{
  int runs = atoi(argv[1]), warm = atoi(argv[2]);
  double *ms = calloc((size_t)runs, sizeof(double));
  long rss = 0;

  for (int i = 0; i < warm + runs; i++) {
    struct timespec t0, t1;
    struct rusage ru;
    int st;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1); /* the function's greeting is checked once, before */
      execvp(argv[3], argv + 3);
      _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
      return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "run %d failed (status %#x)\n", i, st);
      return 1;
    }
    if (i < warm)
      continue;
    ms[i - warm] = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (ru.ru_maxrss > rss)
      rss = ru.ru_maxrss;
  }
  qsort(ms, (size_t)runs, sizeof(double), cmp);
  /* Nearest-rank percentiles. */
  printf("%.2f %.2f %ld\n", ms[(runs + 1) / 2 - 1], ms[(runs * 9 + 9) / 10 - 1], rss);
  return 0;
}
EOF
gcc -O2 -o "$tmp/runner" "$tmp/runner.c"

# One bundle for all three runtimes: the rootfs holds only the program.
bundle="$tmp/bundle"
mkdir -p "$bundle/rootfs"
cp "$hello" "$bundle/rootfs/hello"
"$hacher" spec --bundle "$bundle"
jq '.process.terminal = false | .process.args = ["/hello"]' "$bundle/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$bundle/config.json"

kind=kvm
[[ -e /sys/module/kvm_pvm ]] && kind="kvm (pvm)"

declare -a rows=()
notes=()

# bench_one NAME CMD...: checks one run prints the greeting, then times it.
bench_one()
{
  local name=$1 out
  shift
  if ! out=$("$@" 2>&1 </dev/null) || [[ $out != *"hello from a trustlet"* ]]; then
    notes+=("$name: not measured: $(head -n 3 <<<"$out" | tr '\n' ' ')")
    return 1
  fi
  local res
  if ! res=$("$tmp/runner" "$RUNS" "$WARMUP" "$@" 2>&1 </dev/null); then
    notes+=("$name: a timed run failed: $res")
    return 1
  fi
  rows+=("$name $res")
}

echo "bench: $RUNS runs after $WARMUP warm-up runs each; $(nproc) CPUs; $kind" >&2

bench_one hacher "$hacher" --root "$tmp/hacher-state" run --bundle "$bundle" bench || true

if command -v runc >/dev/null; then
  bench_one runc runc --root "$tmp/runc-state" run --bundle "$bundle" bench || true
else
  notes+=("runc: not installed")
fi

if command -v crun >/dev/null; then
  # crun refuses hybrid cgroups while cgroup2 is mounted alongside v1; a
  # private mount namespace without the cgroup2 mount works around it.
  crun_cmd=(crun --root "$tmp/crun-state" run --bundle "$bundle" bench)
  if "${crun_cmd[@]}" >/dev/null 2>&1 </dev/null; then
    bench_one crun "${crun_cmd[@]}" || true
  elif mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    why=$("${crun_cmd[@]}" 2>&1 </dev/null | head -n 1 || true)
    notes+=("crun: plain run failed (\"$why\"); measured under unshare -m with /sys/fs/cgroup/unified unmounted (includes unshare's cost)")
    bench_one crun unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "${crun_cmd[@]}" \
      || true
  else
    why=$("${crun_cmd[@]}" 2>&1 </dev/null | head -n 1 || true)
    notes+=("crun: cannot run here: $why")
  fi
else
  notes+=("crun: not installed")
fi

printf '%-8s %10s %10s %16s\n' runtime "median ms" "p90 ms" "peak RSS KiB"
for r in "${rows[@]}"; do
  read -r name med p90 rss <<<"$r"
  printf '%-8s %10s %10s %16s\n' "$name" "$med" "$p90" "$rss"
done
echo "kvm kind: $kind"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Syscall costs inside a trustlet against native, same program and file;
# the last column with a default-style seccomp profile (~300 names,
# tests/integration/data/seccomp-default.json) enforced by the LibOS.
# Trustlet runs alternate and each column is the median of SYSBENCH_RUNS.
sysbench="$build/programs/sysbench.musl"
if [[ -x $sysbench ]]; then
  mkdir -p "$bundle/rootfs/data"
  head -c 65536 /dev/urandom >"$bundle/rootfs/data/file"
  cp "$sysbench" "$bundle/rootfs/sysbench"
  jq '.process.args = ["/sysbench", "/data/file"]' "$bundle/config.json" >"$tmp/c.json"
  mv "$tmp/c.json" "$bundle/config.json"
  jq --slurpfile p "$repo/tests/integration/data/seccomp-default.json" '.linux.seccomp = $p[0]' \
    "$bundle/config.json" >"$tmp/seccomp.json"
  cp -r "$bundle" "$tmp/bundle-seccomp"
  mv "$tmp/seccomp.json" "$tmp/bundle-seccomp/config.json"
  "$sysbench" "$bundle/rootfs/data/file" 2>"$tmp/native.txt" >/dev/null
  for ((i = 0; i < ${SYSBENCH_RUNS:-5}; i++)); do
    "$hacher" --root "$tmp/hacher-state" run --bundle "$bundle" sysbench 2>>"$tmp/plain.txt" >/dev/null
    "$hacher" --root "$tmp/hacher-state" run --bundle "$tmp/bundle-seccomp" sysbench \
      2>>"$tmp/profiled.txt" >/dev/null
  done
  median() { awk -v op="$1" '$1 == op { print $2 }' "$2" | sort -n | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)] }'; }
  printf '\n%-16s %12s %12s %16s\n' "syscall" "native ns" "hacher ns" "+seccomp ns"
  while read -r op nat; do
    printf '%-16s %12s %12s %16s\n' "$op" "$nat" "$(median "$op" "$tmp/plain.txt")" \
      "$(median "$op" "$tmp/profiled.txt")"
  done <"$tmp/native.txt"
else
  notes+=("syscall microbenchmark: $sysbench missing")
fi
# The LibOS's seccomp lookup alone, on the same profile (built for the host).
if gcc -O2 -I"$repo" -I"$repo/libos" "$repo/tests/bench/seccomp_lookup.c" \
  "$repo/libos/seccomp_policy.c" "$build/libhacher.a" \
  $(pkg-config --libs yajl libseccomp libcap openssl) -o "$tmp/seccomp_lookup" 2>"$tmp/cc.err"; then
  printf '\n%-40s %10s\n' "seccomp lookup (default-style profile)" "ns"
  "$tmp/seccomp_lookup" "$repo/tests/integration/data/seccomp-default.json" |
    while read -r _ what ns; do printf '%-40s %10s\n' "$what" "$ns"; done
else
  notes+=("seccomp lookup benchmark: build failed: $(head -n 1 "$tmp/cc.err")")
fi
# Image cache lookup of an unchanged rootfs (the cost every create pays).
if gcc -O2 -I"$repo" "$repo/tests/bench/image_lookup.c" "$build/libhacher.a" \
  $(pkg-config --libs yajl libseccomp libcap openssl) -o "$tmp/image_lookup" 2>"$tmp/cc.err"; then
  mkdir -p "$tmp/bbroot/bin"
  cp /bin/busybox "$tmp/bbroot/bin/busybox"
  for a in $(/bin/busybox --list); do
    [[ $a == busybox ]] || ln -sf busybox "$tmp/bbroot/bin/$a"
  done
  printf '\n%-28s %8s %10s\n' "image lookup (warm cache)" entries "median us"
  for root in "$bundle/rootfs" "$tmp/bbroot"; do
    read -r _ entries us < <("$tmp/image_lookup" "$tmp/lookup-cache" "$root" 50)
    printf '%-28s %8s %10s\n' "$(basename "$root")" "$entries" "$us"
  done
else
  notes+=("image lookup benchmark: build failed: $(head -n 1 "$tmp/cc.err")")
fi

for n in "${notes[@]}"; do
  echo "note: $n"
done

# Lifecycle throughput: create+start+wait+delete cycles per second.
echo
"$(dirname "${BASH_SOURCE[0]}")/bench-lifecycle.sh" "$build"

# Density: N idle trustlets vs N runc containers of one ~60 MiB image
# (hack/bench-density.sh; DENSITY=0 skips it).
DENSITY=${DENSITY:-1}
if [[ $DENSITY != 0 ]]; then
  echo
  "$(dirname "${BASH_SOURCE[0]}")/bench-density.sh" "$build"
fi
