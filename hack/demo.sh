#!/usr/bin/env bash
# demo.sh BUILD: runs a few busybox commands and a musl-built program in
# trustlets, showing each command and what it printed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD" >&2
  exit 2
fi
build=$(realpath "$1")
hacher="$build/hacher"
programs="$build/programs"
for f in "$hacher" "$programs/exitcode.musl" "$programs/tmpfile.musl" "$programs/attest.musl" \
  /bin/busybox; do
  [[ -x $f ]] || {
    echo "demo: $f missing (make all programs; busybox-static)" >&2
    exit 1
  }
done
if [[ ! -e /dev/kvm ]]; then
  echo "demo: no /dev/kvm: trustlets need KVM" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/hacher-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
state="$tmp/state"
out=""                                     # the last step's output
export HACHER_ATTEST_DIR="$tmp/attest-key" # a node key for the demo only

# new_bundle DIR: rootfs skeleton plus a non-interactive config.json.
new_bundle()
{
  mkdir -p "$1/rootfs"/{bin,etc,data,tmp}
  echo 'root:x:0:0:root:/root:/bin/sh' >"$1/rootfs/etc/passwd"
  echo 'root:x:0:' >"$1/rootfs/etc/group"
  "$hacher" spec --bundle "$1"
  jq '.process.terminal = false | .hostname = "demo-trustlet"
    | .process.env = ["PATH=/bin", "HOME=/"]' "$1/config.json" >"$tmp/c.json"
  mv "$tmp/c.json" "$1/config.json"
}

bb="$tmp/busybox"
new_bundle "$bb"
cp /bin/busybox "$bb/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ $applet == busybox ]] || ln -s busybox "$bb/rootfs/bin/$applet"
done
head -c 1048576 /dev/urandom >"$bb/rootfs/data/random.bin"

prog="$tmp/musl"
new_bundle "$prog"
cp "$programs/exitcode.musl" "$prog/rootfs/bin/exitcode"
cp "$programs/tmpfile.musl" "$prog/rootfs/bin/tmpfile"
cp "$programs/threads.musl" "$prog/rootfs/bin/threads"

steps=0 good=0

# show_args ARG...: the command as one would type it.
show_args()
{
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./+%=-]+$ ]]; then out+=("$a"); else out+=("'$a'"); fi
  done
  echo "${out[*]}"
}

# step TITLE BUNDLE WANT-STATUS WANT-TEXT CMD...: one trustlet run; it
# behaved if it exited WANT-STATUS and printed WANT-TEXT somewhere.
step()
{
  local title=$1 bundle=$2 want_status=$3 want_text=$4 status=0 args
  shift 4
  steps=$((steps + 1))
  args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -s -c .)
  jq --argjson a "$args" '.process.args = $a' "$bundle/config.json" >"$tmp/c.json"
  mv "$tmp/c.json" "$bundle/config.json"
  echo
  echo "== $title"
  echo "\$ hacher run ($(basename "$bundle") bundle): $(show_args "$@")"
  out=$("$hacher" --root "$state" run --bundle "$bundle" "demo$steps" 2>&1 </dev/null) || status=$?
  [[ -n $out ]] && sed 's/^/  /' <<<"$out"
  echo "  [exit status $status]"
  if [[ $status == "$want_status" && $out == *"$want_text"* ]]; then
    good=$((good + 1))
  else
    echo "  !! expected status $want_status and output containing \"$want_text\""
  fi
}

step "echo (busybox)" "$bb" 0 "hello from busybox" echo hello from busybox in a trustlet
step "ls (busybox)" "$bb" 0 "random.bin" ls -l /data /etc
host_sum=$(sha256sum <"$bb/rootfs/data/random.bin" | cut -d' ' -f1)
step "sha256sum of a 1 MiB file (host says ${host_sum:0:16}...)" "$bb" 0 "$host_sum" \
  sha256sum /data/random.bin
step "uname -n is the config hostname" "$bb" 0 "demo-trustlet" uname -n
step "exit status 42 (musl program, 64 MiB touched)" "$prog" 42 "exiting with 42" \
  /bin/exitcode 42
step "write to the private /tmp (musl program)" "$prog" 0 "tmpfile ok" /bin/tmpfile
step "write to /tmp from busybox sh" "$bb" 0 "written" \
  sh -c 'echo hi > /tmp/note && [ -s /tmp/note ] && echo written'
step "processes: a pipeline, a subshell and a background job (fork, execve, pipes, wait)" \
  "$bb" 0 "background job done" \
  sh -c 'echo "$(ls /bin | grep -c sh) applets named *sh*"; (sleep 0.1; echo background job done) & wait'
step "threads: four pthreads and a busy one preempted (musl program)" "$prog" 0 "threads: ok" \
  /bin/threads

# Attestation: a secret sealed for the function's measurement, then a report
# over a nonce, verified on the host (docs/attestation.md).
att="$tmp/attest"
new_bundle "$att"
cp "$programs/attest.musl" "$att/rootfs/bin/attest"
nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
jq --arg n "$nonce" --arg p "$tmp/api-key.sealed" '.process.args = ["/bin/attest", $n, "api-key", "hello"]
  | .annotations["io.hacher.secret.api-key"] = $p' "$att/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$att/config.json"
measurement=$("$hacher" attest measure --bundle "$att")
echo
echo "== attestation: measurement $measurement"
printf 'demo secret' | "$hacher" secret seal --name api-key --measurement "$measurement" \
  >"$tmp/api-key.sealed"
want_mac=$(printf hello | openssl dgst -sha256 -hmac 'demo secret' -r | cut -d' ' -f1)
step "a sealed secret at /run/secrets/api-key (HMAC of \"hello\" with it)" "$att" 0 \
  "hmac: $want_mac" /bin/attest "$nonce" api-key hello
sed -n 's/^report: //p' <<<"$out" >"$tmp/report.hex"
"$hacher" attest node-cert >"$tmp/node.pem"
steps=$((steps + 1))
echo "\$ hacher attest verify report.hex --cert node.pem --measurement ... --report-data $nonce"
if "$hacher" attest verify "$tmp/report.hex" --cert "$tmp/node.pem" \
  --measurement "$measurement" --report-data "$nonce" | sed 's/^/  /'; then
  good=$((good + 1))
fi

echo
kind=kvm
[[ -e /sys/module/kvm_pvm ]] && kind="kvm (pvm)"
echo "demo: $good of $steps trustlet runs behaved as expected ($kind, $("$hacher" --version | head -n 1))"
((good == steps))
