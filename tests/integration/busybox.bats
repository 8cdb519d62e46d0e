#!/usr/bin/env bats
# Busybox applets in a trustlet must print exactly what they print natively.

load helpers

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  remember_rootfs "$B"
}

# in_trustlet CMD...: runs CMD in a trustlet; sets output/stderr/status.
in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" bb
}

# same_as_native CMD...: the trustlet run and the chroot run agree exactly,
# on stdout, stderr and exit status.
same_as_native()
{
  local want want_err want_status=0
  want=$(native_busybox "$B" "$@" 2>"$BATS_TEST_TMPDIR/native.err") || want_status=$?
  want_err=$(cat "$BATS_TEST_TMPDIR/native.err")
  in_trustlet "$@"
  assert_equal "$output" "$want"
  assert_equal "$stderr" "$want_err"
  assert_equal "$status" "$want_status"
  assert_no_state_left
}

@test "busybox echo hello world" {
  same_as_native echo hello world
  assert_output "hello world"
}

@test "busybox cat /etc/passwd" {
  same_as_native cat /etc/passwd
  assert_output "$(cat "$B/rootfs/etc/passwd")"
}

# Directory sizes are the file system's own (EROFS reports the bytes a
# directory uses, ext4 4096), so the reference is the kernel's EROFS driver on
# the very image the trustlet ran from. /dev, /tmp, /proc and /sys are the
# runtime's own mounts in the trustlet and are checked on their own.
@test "busybox ls -l / matches the kernel's view of the same image" {
  local mnt=$BATS_TEST_TMPDIR/mnt want
  config_args "$B" ls -l /
  run --separate-stderr hacher_run "$B" --keep bb
  assert_success
  assert_equal "$stderr" ""
  mkdir -p "$mnt"
  local image
  image=$(jq -r .image "$BATS_TEST_TMPDIR/state/bb/state.json")
  mount -t erofs -o loop,ro "$BATS_TEST_TMPDIR/images/blobs/$image.img" "$mnt"
  want=$(chroot "$mnt" /bin/busybox env -i "${TEST_ENV[@]}" ls -l / </dev/null | grep -v -e '^total' -e ' dev$' -e ' tmp$' -e ' proc$' -e ' sys$')
  umount "$mnt"
  hacher delete bb 2>/dev/null || rm -rf "$BATS_TEST_TMPDIR/state/bb"
  assert_equal "$(grep -v -e '^total' -e ' dev$' -e ' tmp$' -e ' proc$' -e ' sys$' <<<"$output")" "$want"
  assert_line --regexp '^drwxrwxrwt +2 root +root +40 .* tmp$'
  assert_line --regexp '^dr-xr-xr-x +2 root +root +0 .* proc$'
  assert_line --regexp '^dr-xr-xr-x +2 root +root +0 .* sys$'
  assert_line --regexp '^drwxr-xr-x +[0-9]+ root +root +[0-9]+ .* dev$'
  assert_line --partial " bin"
  assert_line --partial " data"
}

@test "busybox ls -l of files keeps sizes, modes and mtimes" {
  touch -d '2021-06-15 12:34:56' "$B/rootfs/etc/passwd"
  remember_rootfs "$B"
  same_as_native ls -l /etc /data
  assert_line --regexp '^-rw-r--r-- +1 root +root +[0-9]+ Jun 15  2021 passwd$'
}

@test "busybox sha256sum of a 1 MiB file" {
  same_as_native sha256sum /data/random.bin
  assert_output "$(cd "$B/rootfs" && sha256sum data/random.bin | sed 's| data/| /data/|')"
}

@test "busybox wc /etc/passwd" {
  same_as_native wc /etc/passwd
  assert_output --regexp "^ *3 +[0-9]+ +$(stat -c %s "$B/rootfs/etc/passwd") /etc/passwd$"
}

@test "busybox sort" {
  same_as_native sort /data/words.txt
  assert_output "$(LC_ALL=C sort "$B/rootfs/data/words.txt")"
}

@test "busybox date +%Y-%m-%d matches the host" {
  local before after
  before=$(native_busybox "$B" date +%Y-%m-%d)
  in_trustlet date +%Y-%m-%d
  after=$(native_busybox "$B" date +%Y-%m-%d)
  assert_success
  assert_equal "$stderr" ""
  # Either side of a midnight that may fall between the runs.
  [[ $output == "$before" || $output == "$after" ]] \
    || fail "trustlet date '$output', host date '$before'/'$after'"
}

@test "busybox uname -n is the config hostname" {
  in_trustlet uname -n
  assert_success
  assert_output "$TEST_HOSTNAME"
  config_set "$B" '.hostname = "another-name"'
  run --separate-stderr hacher_run "$B" bb
  assert_success
  assert_output "another-name"
}

@test "busybox env is exactly process.env" {
  same_as_native env
  assert_output "$(printf '%s\n' "${TEST_ENV[@]}")"
}

@test "busybox pwd is process.cwd" {
  config_set "$B" '.process.cwd = "/etc"'
  in_trustlet pwd
  assert_success
  assert_equal "$stderr" ""
  assert_output "$(chroot "$B/rootfs" /bin/busybox sh -c 'cd /etc && pwd')"
  assert_output "/etc"
}

@test "busybox false exits 1" {
  same_as_native false
  assert_failure 1
}
