#!/usr/bin/env bash
# Installs the Debian packages needed to build, test, lint and benchmark hacher.
# Idempotent: returns at once when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential pkg-config libseccomp-dev libyajl-dev libcap-dev libssl-dev
  bats bats-assert bats-support jq musl-tools busybox-static erofs-utils
  cryptsetup-bin clang llvm runc crun clang-format cppcheck
  podman conmon containerd bc python3-grpcio python3-protobuf
  # The acceptance workloads (hack/build-workloads.sh, tests/workloads):
  # Debian's CPython 3.11, Go toolchain and Node.js (where another nodejs
  # package is installed already, that one is used), and strace for
  # hack/workload-syscalls.sh.
  python3.11 golang-go nodejs strace
)

# One dpkg-query call and no other forks keep the common case fast; unknown
# packages print nothing on stdout, so they count as missing.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${PKGS[@]}"; do
  [[ $'\n'$installed$'\n' == *$'\n'"$p install ok installed"$'\n'* ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
