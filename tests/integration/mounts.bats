#!/usr/bin/env bats
# Mounts from config.json: bind mounts of files and directories are copied
# into the trustlet at start-up (read-only with `ro`, otherwise writable in
# memory; the host copy never changes), tmpfs mounts are empty writable
# directories, and the kernel file systems of the default spec are the
# LibOS's own (views.bats tests what they show).

load helpers

setup()
{
  require_hacher
  require_kvm
  B=$BATS_TEST_TMPDIR/bundle
  # Mount sources live here; teardown checks that no run changed them.
  H=$BATS_TEST_TMPDIR/host
  make_bundle "$B"
  add_busybox "$B"
  mkdir -p "$H"
  remember_rootfs "$B"
}

# add_mount DESTINATION TYPE SOURCE [OPTION...]
add_mount()
{
  local dst=$1 type=$2 src=$3 opts
  shift 3
  opts=$(json_strings "$@")
  config_set "$B" '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
    --arg d "$dst" --arg t "$type" --arg s "$src" --argjson o "$opts"
}

# in_trustlet CMD...: runs CMD; sets output/stderr/status.
in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" m1
}

# fails_with MESSAGE: the last run failed at start-up with exactly MESSAGE.
fails_with()
{
  assert_equal "$stderr" "$1"
  assert_equal "$status" 1
  assert_equal "$output" ""
  assert_no_state_left
}

@test "file bind mount: visible, writable in memory, the host file unchanged" {
  echo 'echo host-line' >"$H/extra"
  echo 'host hostname' >"$H/hostname"
  chmod 640 "$H/extra"
  chown 12:34 "$H/extra"
  remember_tree "$H"
  add_mount /etc/extra bind "$H/extra" rbind
  # Over a file the image has: the mount hides it.
  add_mount /etc/hostname bind "$H/hostname" rbind
  # The root is read-only (make_bundle); the rw mount is writable anyway.
  # The file is 12:34 0640: root writes it with CAP_DAC_OVERRIDE, as on Linux.
  config_set "$B" '.process.capabilities.effective += ["CAP_DAC_OVERRIDE"]'
  in_trustlet sh -c 'echo "echo appended" >> /etc/extra && . /etc/extra'
  assert_equal "$stderr" ""
  assert_success
  assert_output "$(printf '%s\n' host-line appended)"
  # Each run starts from the host's copy again.
  in_trustlet cat /etc/extra /etc/hostname
  assert_success
  assert_output "$(printf '%s\n' 'echo host-line' 'host hostname')"
  in_trustlet stat -c '%a %u %g %s %Y %n' /etc/extra
  assert_success
  assert_output "$(stat -c '%a %u %g %s %Y /etc/extra' "$H/extra")"
  assert_no_state_left
}

@test "file bind mount with ro: readable, writes fail with EROFS" {
  echo 'echo host-line' >"$H/extra"
  remember_tree "$H"
  add_mount /etc/extra bind "$H/extra" rbind ro
  in_trustlet cat /etc/extra
  assert_success
  assert_output "echo host-line"
  in_trustlet sh -c 'echo "echo appended" >> /etc/extra'
  assert_equal "$status" 1
  assert_output ""
  assert_equal "$stderr" "sh: can't create /etc/extra: Read-only file system"
  in_trustlet sh -c 'echo "echo replaced" > /etc/extra'
  assert_equal "$status" 1
  assert_equal "$stderr" "sh: can't create /etc/extra: Read-only file system"
  # Removing it fails too (Linux says EROFS here, the root being read-only;
  # EBUSY for a mount point on a writable root).
  in_trustlet rm -f /etc/extra
  assert_equal "$status" 1
  assert_regex "$stderr" "^rm: can't remove '/etc/extra': "
  assert_no_state_left
}

@test "directory bind mount: nested contents, modes and links are copied in" {
  local s=$H/src
  mkdir -p "$s/sub/deeper/deepest" "$s/empty-dir"
  echo top >"$s/top.txt"
  echo deep >"$s/sub/deeper/deepest/deep.txt"
  : >"$s/sub/empty"
  ln -s top.txt "$s/link"
  ln -s ../../top.txt "$s/sub/deeper/up-link"
  chmod 640 "$s/top.txt"
  chmod 4755 "$s/sub/empty"
  chown -R 12:34 "$s/sub/deeper"
  head -c 300000 /dev/urandom >"$s/sub/random.bin"
  remember_tree "$H"
  add_mount /data/src bind "$s" rbind ro

  in_trustlet find /data/src
  assert_success
  assert_equal "$(LC_ALL=C sort <<<"$output")" "$(cd "$H" && find src | sed 's|^|/data/|' | LC_ALL=C sort)"

  local files=(/data/src/top.txt /data/src/sub/deeper/deepest/deep.txt /data/src/sub/empty
    /data/src/sub/random.bin)
  in_trustlet stat -c '%a %u %g %s %Y %n' "${files[@]}"
  assert_success
  assert_output "$(cd "$H" && for f in "${files[@]}"; do
    stat -c '%a %u %g %s %Y /data/%n' "${f#/data/}"
  done)"
  in_trustlet stat -c '%a %u %g %n' /data/src/sub/deeper /data/src/empty-dir
  assert_success
  assert_output "$(cd "$H" && stat -c '%a %u %g /data/%n' src/sub/deeper src/empty-dir)"

  in_trustlet cat /data/src/link /data/src/sub/deeper/up-link /data/src/sub/deeper/deepest/deep.txt
  assert_success
  assert_output "$(printf '%s\n' top top deep)"
  in_trustlet md5sum /data/src/sub/random.bin
  assert_success
  assert_output "$(cd "$H" && md5sum src/sub/random.bin | sed 's| src/| /data/src/|')"
  in_trustlet sh -c 'echo x > /data/src/sub/new'
  assert_equal "$status" 1
  assert_equal "$stderr" "sh: can't create /data/src/sub/new: Read-only file system"
  assert_no_state_left
}

@test "directory bind mount without ro: writable in memory, the host unchanged" {
  local s=$H/src
  mkdir -p "$s/sub"
  echo 'echo old' >"$s/sub/script"
  remember_tree "$H"
  add_mount /mnt/src bind "$s" rbind
  in_trustlet sh -c 'echo "echo new" > /mnt/src/sub/new && echo "echo more" >> /mnt/src/sub/script && . /mnt/src/sub/new && . /mnt/src/sub/script'
  assert_equal "$stderr" ""
  assert_success
  assert_output "$(printf '%s\n' new old more)"
  in_trustlet ls /mnt/src/sub
  assert_success
  assert_output "script"
  assert_no_state_left
}

@test "tmpfs mounts are empty writable directories on a read-only root" {
  add_mount /scratch tmpfs tmpfs nosuid
  # Over a directory the image has: its contents are hidden.
  add_mount /data tmpfs tmpfs
  [[ $(jq .root.readonly "$B/config.json") == true ]]
  in_trustlet ls -a /scratch /data
  assert_success
  assert_output "$(printf '%s\n' '/data:' . .. '' '/scratch:' . ..)"
  in_trustlet sh -c 'echo "echo scratch-ok" > /scratch/f && echo "echo data-ok" > /data/f && . /scratch/f && . /data/f'
  assert_equal "$stderr" ""
  assert_success
  assert_output "$(printf '%s\n' scratch-ok data-ok)"
  in_trustlet stat -c '%F %a %u %g' /scratch
  assert_success
  assert_output "directory 1777 0 0"
  # The rest of the root stays read-only.
  in_trustlet sh -c 'echo x > /etc/new'
  assert_equal "$status" 1
  assert_equal "$stderr" "sh: can't create /etc/new: Read-only file system"
  assert_no_state_left
}

@test "a bind mount whose source is missing fails, naming the mount" {
  add_mount /etc/missing bind "$H/nope" rbind ro
  in_trustlet true
  fails_with "hacher: mount \"$H/nope\" on \"/etc/missing\": \"$H/nope\": No such file or directory"
  # A relative source is relative to the bundle.
  config_set "$B" '.mounts[-1].source = "nope-too"'
  in_trustlet true
  fails_with "hacher: mount \"nope-too\" on \"/etc/missing\": \"$(realpath "$B")/nope-too\": No such file or directory"
}

@test "more than 10,000 entries or 64 MiB to copy in is an error naming the mount" {
  mkdir -p "$H/many" "$H/huge"
  (cd "$H/many" && seq -f 'f%05g' 1 10001 | xargs touch)
  truncate -s 65M "$H/huge/file"
  remember_tree "$H"
  add_mount /many bind "$H/many" rbind ro
  in_trustlet true
  fails_with "hacher: mount \"$H/many\" on \"/many\": more than 10000 entries or 64 MiB to copy into the trustlet"
  config_set "$B" '.mounts[-1] = {destination: "/huge", type: "bind", source: $s, options: ["rbind"]}' \
    --arg s "$H/huge"
  in_trustlet true
  fails_with "hacher: mount \"$H/huge\" on \"/huge\": more than 10000 entries or 64 MiB to copy into the trustlet"
}

@test "a directory of 10,000 files is within the cap" {
  mkdir -p "$H/many"
  (cd "$H/many" && seq -f 'f%05g' 1 10000 | xargs touch)
  remember_tree "$H"
  add_mount /many bind "$H/many" rbind ro
  in_trustlet ls /many
  assert_equal "$stderr" ""
  assert_success
  assert_equal "${#lines[@]}" 10000
}

@test "the default spec's kernel mounts do not get in the way" {
  local dst
  # make_bundle keeps `hacher spec`'s mounts.
  for dst in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup; do
    jq -e --arg d "$dst" 'any(.mounts[]; .destination == $d)' "$B/config.json" >/dev/null \
      || fail "default spec has no $dst mount"
  done
  in_trustlet sh -c 'echo x > /dev/null && echo "echo shm-ok" > /dev/shm/f && . /dev/shm/f'
  assert_equal "$stderr" ""
  assert_success
  assert_output "shm-ok"
  in_trustlet od -An -tx1 -N 4 /dev/zero
  assert_equal "$stderr" ""
  assert_success
  assert_output "$("$BUSYBOX" od -An -tx1 -N 4 /dev/zero)"
  in_trustlet ls /dev
  assert_equal "$stderr" ""
  assert_success
  # the devices, /dev/attestation, runc's links into /proc, and the devpts, mqueue and shm mount points
  assert_output "$(printf '%s\n' attestation fd full mqueue null pts random shm stderr stdin stdout urandom zero)"
  in_trustlet cat /dev/null
  assert_equal "$stderr" ""
  assert_success
  assert_output ""
  assert_no_state_left
}

@test "a bind-mount source that is a symlink is followed; symlinks inside a copied directory stay links" {
  echo "resolver content" >"$H/real.conf"
  ln -s real.conf "$H/resolv.conf"
  mkdir -p "$H/dir"
  echo inside >"$H/dir/file"
  ln -s /etc/shadow "$H/dir/escape"
  remember_tree "$H"
  add_mount /etc/resolv.conf bind "$H/resolv.conf" rbind ro
  add_mount /data/dir bind "$H/dir" rbind ro
  in_trustlet cat /etc/resolv.conf /data/dir/file
  assert_success
  assert_output "$(printf '%s\n' 'resolver content' inside)"
  in_trustlet readlink /data/dir/escape
  assert_output /etc/shadow
  in_trustlet cat /data/dir/escape
  assert_failure
  [[ $output != *root:* ]] || fail "a host file leaked in: $output"
}
