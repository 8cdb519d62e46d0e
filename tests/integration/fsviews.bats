#!/usr/bin/env bats
# /proc, /dev, /sys as a program sees them, and the writable layer's
# semantics (links, renames, owners, modes, times, sizes, permissions).
# tests/programs/fscheck.c holds the checks; the first test runs it natively
# so that its expectations are Linux's own. Busybox applets run as the
# container's process (no fork inside a trustlet yet).

load helpers

FLAVOURS=(musl musl-pie glibc glibc-pie)

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  add_programs "$B" "${FLAVOURS[@]/#/fscheck.}"
  config_set "$B" '.process.env += ["FSCHECK=yes"]'
  remember_rootfs "$B"
}

# in_trustlet CMD...: runs CMD; sets output/stderr/status.
in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" fs
}

writable_root()
{
  config_set "$B" '.root.readonly = false'
}

# as_user UID GID: the function runs as UID without capabilities.
as_user()
{
  config_set "$B" '.process.user = {uid: ($u | tonumber), gid: ($g | tonumber)}
    | .process.capabilities = {bounding: [], effective: [], permitted: []}' \
    --arg u "$1" --arg g "$2"
}

# with_caps CAP...: the function's capabilities (bounding, effective, permitted).
with_caps()
{
  local caps
  caps=$(json_strings "$@")
  config_set "$B" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
    --argjson c "$caps"
}

@test "fscheck's expectations hold natively (Linux is the reference)" {
  local p=$PROGRAMS/fscheck.glibc d=$BATS_TEST_TMPDIR/native c
  command -v setpriv >/dev/null || skip "setpriv not installed"
  for c in links rename attrs times; do
    mkdir -p "$d/$c"
    run "$p" "$c" "$d/$c"
    assert_success
    assert_output "fscheck $c ok"
  done
  mkdir -p "$d/dirs"
  run "$p" dirs "$d/dirs" /proc
  assert_output "fscheck dirs ok"
  # fallocate's unsupported modes are tmpfs's answer (the trustlet's layer is memory)
  local shm
  shm=$(mktemp -d /dev/shm/fscheck.XXXXXX)
  run "$p" sizes "$shm"
  rm -rf "$shm"
  assert_output "fscheck sizes ok"
  echo image >"$d/img"
  run "$p" imglink "$d/img" "$d"
  assert_output "fscheck imglink ok"
  FSCHECK=yes run "$p" proc
  assert_output "fscheck proc ok"
  run "$p" dev
  assert_output "fscheck dev ok"
  # a directory uid 1000 can reach (the test's own is private)
  local nr
  nr=$(mktemp -d /tmp/fscheck-nonroot.XXXXXX)
  chmod 755 "$nr"
  chown 1000:1000 "$nr"
  run setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$p" nonroot "$nr"
  rm -rf "$nr"
  assert_output "fscheck nonroot ok"
}

@test "/proc/PID and the system files in all four flavours" {
  local f
  for f in "${FLAVOURS[@]}"; do
    in_trustlet "fscheck.$f" proc
    assert_success
    assert_output "fscheck proc ok"
  done
  assert_no_state_left
}

@test "/proc/self/maps is in Linux's layout; the heap, stack and program are named" {
  in_trustlet cat /proc/self/maps
  assert_success
  assert_line --regexp ' \[stack\]$'
  assert_line --regexp ' \[heap\]$'
  # the program's segments carry its path, with their own protections
  assert_line --regexp ' r-xp .* /bin/busybox$'
  assert_line --regexp ' rw-p .* /bin/busybox$'
  # names start in column 74; unnamed ranges end with the inode and a space, as on Linux
  local line pre named=0
  for line in "${lines[@]}"; do
    [[ $line =~ ^[0-9a-f]{8,}-[0-9a-f]{8,}\ [r-][w-][x-]p\ [0-9a-f]{8}\ 00:00\ 0\ (.*)$ ]] \
      || fail "not a maps line: '$line'"
    if [[ -n ${BASH_REMATCH[1]} ]]; then
      pre=${line%%[[/]*}
      assert_equal "${#pre}" 73
      named=$((named + 1))
    fi
  done
  ((named >= 4)) || fail "named $named"
}

@test "/proc/self/fd, fdinfo, task and thread-self through busybox" {
  in_trustlet ls -l /proc/self/fd
  assert_line --regexp '^lr-x------ +1 root +root +0 .* 0 -> pipe:\[0\]$'
  assert_line --regexp '^l-wx------ +1 root +root +0 .* 1 -> pipe:\[1\]$'
  in_trustlet cat /proc/self/fdinfo/1
  assert_success
  assert_output "$(printf 'pos:\t0\nflags:\t01\nmnt_id:\t0\nino:\t0')"
  in_trustlet readlink /proc/thread-self
  assert_output 1/task/1
  in_trustlet ls /proc/self/task /proc/1/task/1/fd
  assert_success
  assert_output "$(printf '/proc/1/task/1/fd:\n0\n1\n2\n3\n\n/proc/self/task:\n1')"
  in_trustlet cat /proc/sys/kernel/pid_max /proc/sys/kernel/ngroups_max
  assert_output "$(printf '32768\n65536')"
  # only the function's pid is a directory of /proc
  in_trustlet ls /proc/2
  assert_failure
}

@test "/proc/meminfo: the memory limit and what is not mapped" {
  config_set "$B" '.linux.resources.memory.limit = 268435456'
  in_trustlet cat /proc/meminfo
  assert_success
  local total free avail
  total=$(awk '/^MemTotal:/ {print $2}' <<<"$output")
  free=$(awk '/^MemFree:/ {print $2}' <<<"$output")
  avail=$(awk '/^MemAvailable:/ {print $2}' <<<"$output")
  assert_equal "$total" 262144
  ((free > 0 && free < total && avail == free)) || fail "MemFree $free MemAvailable $avail"
}

@test "/dev: null, zero, full, random, urandom, the fd links and /dev/shm" {
  local f
  for f in musl glibc; do
    in_trustlet "fscheck.$f" dev
    assert_success
    assert_output "fscheck dev ok"
  done
  in_trustlet ls -ld /dev/shm
  assert_output --regexp '^drwxrwxrwt '
  in_trustlet cat /proc/self/mountinfo
  assert_line --regexp '^[0-9]+ [0-9]+ 0:[0-9]+ / /dev/shm rw - tmpfs '
}

@test "/dev/shm is there without a mount in the config" {
  config_set "$B" '.mounts |= map(select(.destination != "/dev/shm"))'
  in_trustlet cat /proc/self/mountinfo
  assert_line --regexp '^[0-9]+ [0-9]+ 0:[0-9]+ / /dev/shm rw - tmpfs shm rw$'
  in_trustlet fscheck.musl dev
  assert_output "fscheck dev ok"
}

@test "/sys/devices/system/cpu: the trustlet's one CPU" {
  in_trustlet cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible \
    /sys/devices/system/cpu/present
  assert_output "$(printf '0\n0\n0')"
}

@test "hard links and renames in /tmp and on a writable root" {
  local f
  for f in "${FLAVOURS[@]}"; do
    in_trustlet "fscheck.$f" links /tmp
    assert_output "fscheck links ok"
    in_trustlet "fscheck.$f" rename /tmp
    assert_output "fscheck rename ok"
  done
  writable_root
  in_trustlet fscheck.musl links /data
  assert_output "fscheck links ok"
  in_trustlet fscheck.glibc rename /root
  assert_output "fscheck rename ok"
  # a link to an image file copies it up: both names are one file
  in_trustlet fscheck.musl imglink /data/hello.txt /data
  assert_output "fscheck imglink ok"
  in_trustlet ln -v /data/hello.txt /data/hello2.txt
  assert_success
  assert_output "'/data/hello2.txt' -> '/data/hello.txt'"
  assert_no_state_left
}

@test "links and renames across mounts give EXDEV; mv copies instead" {
  in_trustlet ln /data/hello.txt /tmp/hello.txt
  assert_failure
  assert_equal "$stderr" "ln: /tmp/hello.txt: Invalid cross-device link"
  # mv falls back to copy and remove; the read-only image refuses the remove
  in_trustlet mv /data/hello.txt /tmp/
  assert_failure
  assert_equal "$stderr" "mv: can't remove '/data/hello.txt': Read-only file system"
  writable_root
  in_trustlet mv -v /data/hello.txt /tmp/
  assert_success
  in_trustlet mv /data /tmp/
  assert_success
}

@test "mkdir and rmdir: ENOTEMPTY, EINVAL for '.', EBUSY for mount points" {
  in_trustlet fscheck.musl dirs /tmp /proc
  assert_output "fscheck dirs ok"
  in_trustlet rmdir /tmp
  assert_failure
  assert_equal "$stderr" "rmdir: '/tmp': Device or resource busy"
  writable_root
  in_trustlet fscheck.glibc dirs /root /dev/shm
  assert_output "fscheck dirs ok"
}

@test "chmod and chown as root: CAP_CHOWN decides who may give a file away" {
  writable_root
  with_caps CAP_CHOWN CAP_FOWNER
  in_trustlet fscheck.musl attrs /tmp
  assert_output "fscheck attrs ok"
  in_trustlet chown 1234:5678 /data/hello.txt
  assert_success
  with_caps CAP_KILL
  in_trustlet chown 1234 /data/hello.txt
  assert_failure
  assert_equal "$stderr" "chown: /data/hello.txt: Operation not permitted"
  # the owner may still pick one of its own groups
  in_trustlet chgrp 0 /data/hello.txt
  assert_success
}

@test "as a uid without capabilities: owners, modes, times and access" {
  writable_root
  as_user 1000 1000
  in_trustlet fscheck.musl nonroot /tmp
  assert_output "fscheck nonroot ok"
  in_trustlet fscheck.glibc access /etc/passwd r 0
  assert_output "fscheck access ok"
  in_trustlet fscheck.glibc access /etc/passwd w EACCES
  assert_output "fscheck access ok"
  in_trustlet touch /newfile
  assert_failure
  assert_equal "$stderr" "touch: /newfile: Permission denied"
}

@test "access on a read-only root: EROFS only after the permission check" {
  in_trustlet fscheck.musl access /data/hello.txt w EROFS
  assert_output "fscheck access ok"
  in_trustlet fscheck.musl access /dev/null rw 0
  assert_output "fscheck access ok"
  as_user 1000 1000
  in_trustlet fscheck.musl access /root w EACCES
  assert_output "fscheck access ok"
}

@test "times, truncate, fallocate, mknod and the sync family" {
  local f
  for f in "${FLAVOURS[@]}"; do
    in_trustlet "fscheck.$f" times /tmp
    assert_output "fscheck times ok"
    in_trustlet "fscheck.$f" sizes /tmp
    assert_output "fscheck sizes ok"
  done
  writable_root
  in_trustlet fscheck.musl times /data
  assert_output "fscheck times ok"
  in_trustlet touch -d '2001-09-09 01:46:40' /data/hello.txt
  assert_success
}

@test "statfs and df: the image's size on a read-only root, the memory pool where writes land" {
  in_trustlet fscheck.musl statfs /
  assert_output "$(printf 'type=794c7630 sized=1 free=0 ro=1\nfscheck statfs ok')"
  in_trustlet fscheck.musl statfs /tmp
  assert_output "$(printf 'type=1021994 sized=1 free=1 ro=0\nfscheck statfs ok')"
  in_trustlet df
  assert_success
  assert_line --regexp '^overlay +[0-9]+ +[0-9]+ +0 +100% /$'
  assert_line --regexp '^tmpfs +[0-9]+ +[0-9]+ +[1-9][0-9]* +[0-9]+% /tmp$'
  writable_root
  in_trustlet fscheck.musl statfs /
  assert_output "$(printf 'type=794c7630 sized=1 free=1 ro=0\nfscheck statfs ok')"
}
