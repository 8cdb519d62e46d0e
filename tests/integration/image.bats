#!/usr/bin/env bats
# Trustlet images: deterministic EROFS + dm-verity builds, what the standard
# tools say about them, tamper detection by `hacher image verify` and inside
# the trustlet, rootfs edge cases, and the node's image cache.

load helpers

setup()
{
  require_hacher
  B=$BATS_TEST_TMPDIR/bundle
  R=$B/rootfs
  IMAGES=$BATS_TEST_TMPDIR/images
  make_bundle "$B"
  add_busybox "$B"
}

# build_image ROOTFS IMAGE: `hacher image build`; sets ROOT to the root hash
# it printed. (Options first: the documented `ROOTFS -o IMAGE` order has a
# test of its own.)
build_image()
{
  run --separate-stderr hacher image build -o "$2" "$1"
  assert_success
  assert_output --regexp '^[0-9a-f]{64}$'
  ROOT=$output
}

# image_geometry IMAGE: what `hacher image inspect` says, and where each
# level of the hash tree starts (level 0 holds the data blocks' digests; the
# levels are stored top first after the verity superblock block).
image_geometry()
{
  local json n l at
  json=$(hacher image inspect "$1") || fail "hacher image inspect $1 failed"
  EROFS_SIZE=$(jq -e .erofsSize <<<"$json")
  HASH_OFFSET=$(jq -e .verity.hashOffset <<<"$json")
  FILE_SIZE=$(jq -e .fileSize <<<"$json")
  CLAIMED_ROOT=$(jq -e -r .verity.rootHash <<<"$json")
  LEVEL_COUNT=()
  LEVEL_OFFSET=()
  n=$((EROFS_SIZE / 4096))
  while ((n > 1)); do
    n=$(((n + 127) / 128))
    LEVEL_COUNT+=("$n")
  done
  at=$((HASH_OFFSET + 4096))
  for ((l = ${#LEVEL_COUNT[@]} - 1; l >= 0; l--)); do
    LEVEL_OFFSET[l]=$at
    at=$((at + LEVEL_COUNT[l] * 4096))
  done
  TREE_END=$at
}

# add_marker: /data/marker.txt, 5 blocks of numbered lines found nowhere else.
add_marker()
{
  local i
  for ((i = 0; i < 500; i++)); do
    printf 'image-test-marker %05d the quick brown fox\n' "$i"
  done >"$R/data/marker.txt"
}

# add_big_dir: /data/many, 400 empty files, so several directory blocks.
add_big_dir()
{
  mkdir -p "$R/data/many"
  (cd "$R/data/many" && seq -f 'dirblock-entry-%04g' 1 400 | xargs touch)
}

# debug_run ID: runs the bundle with --debug; stderr loses the syscall trace
# and IMAGE_LINE holds the `hacher: image ROOT for rootfs ...` line.
debug_run()
{
  run --separate-stderr hacher --debug run --bundle "$B" "$1"
  IMAGE_LINE=$(grep -E '^hacher: image [0-9a-f]{64} for rootfs ' <<<"$stderr" || true)
  KEY_LINE=$(grep -E '^hacher: rootfs .* keyed by ' <<<"$stderr" || true)
  stderr=$(grep -v -E -e '^hacher: trace: ' -e '^hacher: image [0-9a-f]{64} for rootfs ' \
    -e '^hacher: rootfs .* keyed by ' <<<"$stderr" || true)
}

# first_run ARG...: runs ARG... with --debug and requires that it built the
# image; sets BLOB to the cached image it built.
first_run()
{
  config_args "$B" "$@"
  debug_run first
  assert_success
  assert_equal "$IMAGE_LINE" "hacher: image ${IMAGE_LINE:14:64} for rootfs \"$(realpath "$R")\" (built)"
  BLOB=$IMAGES/blobs/${IMAGE_LINE:14:64}.img
  [[ -f $BLOB ]] || fail "no cached image $BLOB"
}

# reused_run ID: runs again; the image must come from the cache, unchanged.
reused_run()
{
  debug_run "$1"
  assert_equal "$IMAGE_LINE" "hacher: image $(basename "$BLOB" .img) for rootfs \"$(realpath "$R")\""
}

# ---- building -------------------------------------------------------------

@test "image build: the same rootfs, copied elsewhere and built later, gives the same bytes" {
  local copy=$BATS_TEST_TMPDIR/elsewhere/deeper/rootfs root1
  add_marker
  add_big_dir
  ln "$R/data/hello.txt" "$R/data/hello-hardlink"
  ln -s ../etc/hostname "$R/data/rel-link"
  ln -s /etc/passwd "$R/data/abs-link"
  : >"$R/data/empty"
  truncate -s 16M "$R/data/sparse"
  printf 'tail' >>"$R/data/sparse"
  chown 1234:5678 "$R/data/hello.txt"
  chmod 4755 "$R/data/marker.txt"
  remember_rootfs "$B"
  build_image "$R" "$BATS_TEST_TMPDIR/one.img"
  root1=$ROOT
  mkdir -p "$(dirname "$copy")"
  cp -a "$R" "$copy"
  # Different inode numbers, ctimes and path; then a build time a second later.
  [[ $(stat -c %i "$copy/data/marker.txt") != $(stat -c %i "$R/data/marker.txt") ]]
  sleep 1.1
  build_image "$copy" "$BATS_TEST_TMPDIR/two.img"
  assert_equal "$ROOT" "$root1"
  cmp "$BATS_TEST_TMPDIR/one.img" "$BATS_TEST_TMPDIR/two.img"
  image_geometry "$BATS_TEST_TMPDIR/two.img"
  assert_equal "$CLAIMED_ROOT" "$root1"
}

@test "image build ROOTFS -o IMAGE: the documented argument order works" {
  remember_rootfs "$B"
  build_image "$R" "$BATS_TEST_TMPDIR/options-first.img"
  run --separate-stderr hacher image build "$R" -o "$BATS_TEST_TMPDIR/documented.img"
  assert_equal "$stderr" ""
  assert_success
  assert_output "$ROOT"
  cmp "$BATS_TEST_TMPDIR/options-first.img" "$BATS_TEST_TMPDIR/documented.img"
}

@test "image build: veritysetup and fsck.erofs accept the image; inspect and verify agree" {
  local img=$BATS_TEST_TMPDIR/img.img ex=$BATS_TEST_TMPDIR/extracted wrong
  add_marker
  remember_rootfs "$B"
  build_image "$R" "$img"
  image_geometry "$img"
  assert_equal "$CLAIMED_ROOT" "$ROOT"
  assert_equal "$EROFS_SIZE" "$HASH_OFFSET"
  assert_equal "$((EROFS_SIZE % 4096))" 0
  assert_equal "$FILE_SIZE" "$(stat -c %s "$img")"
  # [EROFS][verity superblock block][tree]: nothing before, between or after.
  assert_equal "$TREE_END" "$FILE_SIZE"

  run veritysetup verify "$img" "$img" "$ROOT" --hash-offset="$EROFS_SIZE"
  assert_success
  # ... and it does check: a wrong root hash is refused.
  wrong=$( (echo 0; echo f) | grep -v "^${ROOT:0:1}$" | head -1)${ROOT:1}
  run veritysetup verify "$img" "$img" "$wrong" --hash-offset="$EROFS_SIZE"
  assert_failure

  run fsck.erofs "$img"
  assert_success
  run fsck.erofs --extract="$ex" "$img"
  assert_success
  run diff -r --no-dereference "$R" "$ex"
  assert_success
  assert_equal "$(cd "$ex" && find . ! -type d -printf '%p %y %m %U %G %s %l\n' | LC_ALL=C sort)" \
    "$(cd "$R" && find . ! -type d -printf '%p %y %m %U %G %s %l\n' | LC_ALL=C sort)"

  run hacher image verify "$img" "$ROOT"
  assert_success
  assert_output "$img: ok"

  # The tree is byte for byte what veritysetup format writes over the EROFS part.
  cp "$img" "$BATS_TEST_TMPDIR/formatted.img"
  truncate -s "$EROFS_SIZE" "$BATS_TEST_TMPDIR/formatted.img"
  run veritysetup format "$BATS_TEST_TMPDIR/formatted.img" "$BATS_TEST_TMPDIR/formatted.img" \
    --hash-offset="$EROFS_SIZE" --salt=- --uuid=00000000-0000-0000-0000-000000000000
  assert_success
  assert_line --regexp "^Root hash:[[:space:]]+$ROOT\$"
  cmp "$BATS_TEST_TMPDIR/formatted.img" "$img"
}

@test "image verify: a wrong or malformed root hash is refused" {
  local img=$BATS_TEST_TMPDIR/img.img other
  remember_rootfs "$B"
  build_image "$R" "$img"
  other=$(printf '%s' "$ROOT" | sha256sum | cut -c1-64)
  run --separate-stderr hacher image verify "$img" "$other"
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "hacher: $img: root hash mismatch: expected $other, image has $ROOT"
  run --separate-stderr hacher image verify "$img" "${ROOT:0:63}"
  assert_failure 1
  assert_equal "$stderr" "hacher: image verify: \"${ROOT:0:63}\" is not a 64-digit hex root hash"
}

# ---- tampering, found by `hacher image verify` --------------------------------

# tampered_copy: a fresh copy of the pristine image to damage (T).
tampered_copy()
{
  T=$BATS_TEST_TMPDIR/tampered-$((++TAMPERED)).img
  cp "$PRISTINE" "$T"
}

# verify_fails MESSAGE: `hacher image verify T ROOT` fails with exactly it.
verify_fails()
{
  run --separate-stderr hacher image verify "$T" "$ROOT"
  assert_equal "$stderr" "$1"
  assert_equal "$output" ""
  assert_equal "$status" 1
}

setup_tamper()
{
  TAMPERED=0
  PRISTINE=$BATS_TEST_TMPDIR/pristine.img
  add_marker
  add_big_dir
  remember_rootfs "$B"
  build_image "$R" "$PRISTINE"
  image_geometry "$PRISTINE"
  # More than 128 data blocks: a top block above level 0.
  assert_equal "${#LEVEL_COUNT[@]}" 2
  assert_equal "${LEVEL_COUNT[1]}" 1
}

@test "image verify: a flipped byte in file data names the data block" {
  local off
  setup_tamper
  tampered_copy
  off=$(offset_of "$T" 'image-test-marker 00250 ')
  flip_byte "$T" $((off + 20))
  verify_fails "hacher: $T: data block $(((off + 20) / 4096)) does not match the hash tree"
  # The pristine image still passes.
  run hacher image verify "$PRISTINE" "$ROOT"
  assert_success
}

@test "image verify: a flipped byte in level 0 of the hash tree names the hash block" {
  setup_tamper
  tampered_copy
  flip_byte "$T" $((LEVEL_OFFSET[0] + 2 * 4096 + 77))
  verify_fails "hacher: $T: hash block 2 (level 0) does not match the hash tree"
}

@test "image verify: a flipped byte in the top hash block changes the root hash" {
  local have
  setup_tamper
  tampered_copy
  flip_byte "$T" $((LEVEL_OFFSET[1] + 5))
  image_geometry "$T"
  have=$CLAIMED_ROOT
  [[ $have != "$ROOT" ]] || fail "inspect still claims $ROOT"
  verify_fails "hacher: $T: root hash mismatch: expected $ROOT, image has $have"
}

@test "image verify: a flipped byte in the EROFS superblock (data block 0)" {
  setup_tamper
  tampered_copy
  # A byte of the superblock's UUID (1024 + 48): still a valid EROFS superblock.
  flip_byte "$T" $((1024 + 48 + 5))
  verify_fails "hacher: $T: data block 0 does not match the hash tree"
}

@test "image verify: a damaged dm-verity superblock" {
  setup_tamper
  tampered_copy
  flip_byte "$T" $((HASH_OFFSET + 1))
  verify_fails "hacher: image \"$T\": verity superblock at offset $HASH_OFFSET: bad signature (no dm-verity superblock)"
  tampered_copy
  # Byte 1000 of the block lies past the 512-byte superblock: must stay zero.
  flip_byte "$T" $((HASH_OFFSET + 1000))
  verify_fails "hacher: $T: nonzero byte at offset 1000 of the verity superblock block"
}

@test "image verify: a flipped byte in a directory block names that block" {
  local off
  setup_tamper
  tampered_copy
  off=$(offset_of "$T" 'dirblock-entry-0123')
  flip_byte "$T" $((off + 16))
  verify_fails "hacher: $T: data block $(((off + 16) / 4096)) does not match the hash tree"
}

@test "image verify: a truncated image" {
  setup_tamper
  tampered_copy
  truncate -s $((FILE_SIZE - 4096)) "$T"
  verify_fails "hacher: image \"$T\": truncated: the file has $((FILE_SIZE - 4096)) bytes, the hash tree ends at $FILE_SIZE"
}

# ---- tampering, found inside the trustlet ----------------------------------

# The root hash a run trusts is the cache's (the blob's name): a byte flipped
# in the cached blob after a first run is served to the next run, which must
# see EIO, never the wrong bytes.

@test "trustlet: a tampered data block reads as EIO and is logged, never served" {
  require_kvm
  local off block
  add_marker
  remember_rootfs "$B"
  first_run cat /data/marker.txt
  assert_output "$(cat "$R/data/marker.txt")"
  off=$(offset_of "$BLOB" 'image-test-marker 00250 ')
  block=$(((off + 20) / 4096))
  flip_byte "$BLOB" $((off + 20))

  reused_run tampered
  assert_equal "$status" 1
  # Whatever reached stdout is a prefix of the true content (here: nothing).
  [[ "$(cat "$R/data/marker.txt")" == "$output"* ]] || fail "wrong data served: $output"
  [[ $stderr == *"cat: read error: Input/output error"* ]] || fail "stderr: $stderr"
  [[ $stderr == *"hacher: image: data block $block (level 0) does not match the hash tree: reads of it fail with EIO"* ]] \
    || fail "no log line for data block $block: $stderr"

  # Other blocks of the same file and other files still read correctly.
  config_args "$B" dd if=/data/marker.txt bs=4096 count=1
  reused_run first-block
  assert_success
  assert_output "$(head -c 4096 "$R/data/marker.txt")"
  config_args "$B" cat /etc/hostname
  reused_run other-file
  assert_success
  assert_output "$TEST_HOSTNAME"
  assert_no_state_left
}

@test "trustlet: a tampered block is logged once per trustlet" {
  require_kvm
  local off block
  add_marker
  remember_rootfs "$B"
  first_run cat /data/marker.txt
  off=$(offset_of "$BLOB" 'image-test-marker 00250 ')
  block=$(((off + 20) / 4096))
  flip_byte "$BLOB" $((off + 20))
  reused_run tampered
  assert_equal "$status" 1
  assert_equal "$(grep -c "^hacher: image: data block $block (level 0) does not match" <<<"$stderr")" 1
}

@test "trustlet: a tampered level-0 hash block makes the blocks below it EIO" {
  require_kvm
  local off block
  add_marker
  remember_rootfs "$B"
  first_run cat /data/marker.txt
  image_geometry "$BLOB"
  off=$(offset_of "$BLOB" 'image-test-marker 00250 ')
  block=$((off / 4096))
  # Level-0 block 0 also covers the superblock; this test wants another one.
  ((block / 128 > 0)) || fail "marker in data block $block: covered by level-0 block 0"
  flip_byte "$BLOB" $((LEVEL_OFFSET[0] + block / 128 * 4096 + block % 128 * 32))
  reused_run tampered
  assert_equal "$status" 1
  [[ "$(cat "$R/data/marker.txt")" == "$output"* ]] || fail "wrong data served: $output"
  [[ $stderr == *"hacher: image: hash block $((block / 128)) (level 0) does not match the hash tree: reads of it fail with EIO"* ]] \
    || fail "no log line for hash block $((block / 128)): $stderr"
}

@test "trustlet: a tampered directory block hides nothing and reads as EIO" {
  require_kvm
  local off
  add_big_dir
  remember_rootfs "$B"
  first_run ls /data/many
  assert_equal "${#lines[@]}" 400
  off=$(offset_of "$BLOB" 'dirblock-entry-0001')
  flip_byte "$BLOB" $((off + 16))

  config_args "$B" ls -a /data/many
  reused_run tampered-ls
  # busybox ls ignores readdir errors (natively too), so only . and .. show.
  refute_output --partial dirblock-entry
  [[ $stderr == *"hacher: image: data block $(((off + 16) / 4096)) (level 0) does not match the hash tree: reads of it fail with EIO"* ]] \
    || fail "no log line for the directory block: $stderr"

  # A name in the damaged block is an I/O error, not a missing file.
  config_args "$B" stat -c %n /data/many/dirblock-entry-0001
  reused_run tampered-stat
  assert_equal "$status" 1
  assert_output ""
  [[ $stderr == *"stat: can't stat '/data/many/dirblock-entry-0001': Input/output error"* ]] \
    || fail "stderr: $stderr"
}

@test "trustlet: a tampered EROFS superblock ends start-up" {
  require_kvm
  remember_rootfs "$B"
  first_run cat /etc/hostname
  flip_byte "$BLOB" $((1024 + 48 + 5))
  reused_run tampered
  assert_equal "$status" 1
  assert_output ""
  assert_equal "$(tail -n 1 <<<"$stderr")" "hacher: rootfs image: superblock does not match the trusted root hash"
  assert_no_state_left
}

@test "trustlet: a tampered top hash block no longer matches the blob's name: rebuilt" {
  require_kvm
  local pristine=$BATS_TEST_TMPDIR/pristine.img name
  remember_rootfs "$B"
  first_run cat /etc/hostname
  name=$(basename "$BLOB" .img)
  cp "$BLOB" "$pristine"
  image_geometry "$BLOB"
  flip_byte "$BLOB" $((LEVEL_OFFSET[${#LEVEL_COUNT[@]} - 1] + 10))
  debug_run rebuilt
  assert_success
  assert_equal "$stderr" ""
  assert_output "$TEST_HOSTNAME"
  assert_equal "$IMAGE_LINE" "hacher: image $name for rootfs \"$(realpath "$R")\" (built)"
  cmp "$BLOB" "$pristine"
  run hacher image verify "$BLOB" "$name"
  assert_success
}

# ---- rootfs edge cases: the trustlet sees what the host has -----------------

@test "rootfs: hard links share an inode; symlinks resolve inside the image, escaping ones too" {
  require_kvm
  mkdir -p "$R/a/b"
  echo 'linked content' >"$R/data/h1"
  ln "$R/data/h1" "$R/data/h2"
  ln -s /etc/hostname "$R/a/abs"
  ln -s ../etc/hostname "$R/a/rel"
  ln -s ../../../../../etc/hostname "$R/a/b/esc"
  ln -s ../../../../.. "$R/a/b/up"
  ln -s b "$R/a/dirlink"
  remember_rootfs "$B"
  [[ $(cat /etc/hostname 2>/dev/null) != "$TEST_HOSTNAME" ]] || skip "host hostname is the test's"

  config_args "$B" stat -c '%i %h %s %n' /data/h1 /data/h2
  run --separate-stderr hacher_run "$B" links
  assert_success
  assert_equal "${#lines[@]}" 2
  assert_regex "${lines[0]}" '^[0-9]+ 2 15 /data/h1$'
  assert_equal "${lines[1]}" "${lines[0]%% *} 2 15 /data/h2"

  config_args "$B" stat -c %N /a/abs /a/rel /a/b/esc /a/b/up /a/dirlink
  run --separate-stderr hacher_run "$B" links
  assert_success
  assert_output "$(native_busybox "$B" stat -c %N /a/abs /a/rel /a/b/esc /a/b/up /a/dirlink)"
  assert_line "'/a/b/esc' -> '../../../../../etc/hostname'"

  config_args "$B" cat /a/abs /a/rel /a/b/esc /a/b/up/etc/hostname /a/dirlink/esc /data/h2
  run --separate-stderr hacher_run "$B" links
  assert_success
  assert_equal "$stderr" ""
  assert_output "$(printf '%s\n' "$TEST_HOSTNAME" "$TEST_HOSTNAME" "$TEST_HOSTNAME" "$TEST_HOSTNAME" "$TEST_HOSTNAME" 'linked content')"
  assert_no_state_left
}

@test "rootfs: 255-byte names work" {
  require_kvm
  local n255 d255
  n255=$(printf 'n%.0s' {1..255})
  d255=$(printf 'd%.0s' {1..255})
  mkdir -p "$R/long/$d255"
  echo 'long file' >"$R/long/$n255"
  echo 'in a long dir' >"$R/long/$d255/$n255"
  remember_rootfs "$B"
  config_args "$B" ls /long
  run --separate-stderr hacher_run "$B" long
  assert_success
  assert_output "$(printf '%s\n' "$d255" "$n255")"
  config_args "$B" cat "/long/$n255" "/long/$d255/$n255"
  run --separate-stderr hacher_run "$B" long
  assert_success
  assert_output "$(printf '%s\n' 'long file' 'in a long dir')"
  # and fsck.erofs agrees with the image
  run hacher image build -o "$BATS_TEST_TMPDIR/long.img" "$R"
  assert_success
  run fsck.erofs "$BATS_TEST_TMPDIR/long.img"
  assert_success
}

@test "rootfs: empty files and a 1 GiB sparse file; the image stays small" {
  require_kvm
  : >"$R/data/empty"
  truncate -s 1G "$R/data/sparse"
  printf 'MIDDLE' | dd of="$R/data/sparse" bs=1 seek=$((512 << 20)) conv=notrunc status=none
  printf 'TAILBYTES' | dd of="$R/data/sparse" bs=1 seek=$(((1 << 30) - 9)) conv=notrunc status=none
  remember_rootfs "$B"
  config_args "$B" stat -c '%s %n' /data/empty /data/sparse
  run --separate-stderr hacher_run "$B" sparse
  assert_success
  assert_output "$(printf '%s\n' '0 /data/empty' '1073741824 /data/sparse')"
  config_args "$B" tail -c 9 /data/sparse
  run --separate-stderr hacher_run "$B" sparse
  assert_success
  assert_output "TAILBYTES"
  config_args "$B" od -An -tx1 -j $((512 << 20)) -N 8 /data/sparse
  run --separate-stderr hacher_run "$B" sparse
  assert_success
  assert_output "$("$BUSYBOX" od -An -tx1 -j $((512 << 20)) -N 8 "$R/data/sparse")"
  assert_output --partial "4d 49 44 44 4c 45 00 00"
  config_args "$B" md5sum /data/empty
  run --separate-stderr hacher_run "$B" sparse
  assert_success
  assert_output "d41d8cd98f00b204e9800998ecf8427e  /data/empty"
  local blob
  blob=$(find "$IMAGES/blobs" -name '*.img')
  assert_equal "$(wc -l <<<"$blob")" 1
  (($(stat -c %s "$blob") < 10 << 20)) || fail "image is $(stat -c %s "$blob") bytes"
  assert_no_state_left
}

@test "rootfs: 10,000 files in one directory, and a deep path" {
  require_kvm
  local deep=/deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p
  mkdir -p "$R/big" "$R$deep"
  (cd "$R/big" && seq -f 'f%05g' 1 10000 | xargs touch)
  echo 'last one' >"$R/big/f10000"
  echo 'deep one' >"$R$deep/file"
  remember_rootfs "$B"
  config_args "$B" ls /big
  run --separate-stderr hacher_run "$B" big
  assert_success
  assert_equal "${#lines[@]}" 10000
  assert_output "$(cd "$R/big" && ls)"
  config_args "$B" stat -c '%s %n' /big/f10000 /big/f05000 /big/f00001 "$deep/file"
  run --separate-stderr hacher_run "$B" big
  assert_success
  assert_output "$(printf '%s\n' '9 /big/f10000' '0 /big/f05000' '0 /big/f00001' "9 $deep/file")"
  config_args "$B" cat /big/f10000 "$deep/file"
  run --separate-stderr hacher_run "$B" big
  assert_success
  assert_output "$(printf '%s\n' 'last one' 'deep one')"
}

@test "rootfs: modes, owners and setuid/setgid/sticky bits are kept" {
  require_kvm
  local p=$R/perm f files=() dirs=()
  mkdir -p "$p/d2755" "$p/d1777" "$p/d0700"
  for f in 4755 2755 1777 0600 0444 0755 6711; do
    printf 'mode %s\n' "$f" >"$p/f$f"
  done
  chown -R 1234:5678 "$p"
  chown 0:5678 "$p/f0444"
  chown 65534:65534 "$p/d0700"
  # chmod after chown: chown clears the setuid and setgid bits.
  for f in 4755 2755 1777 0600 0444 0755 6711; do chmod "$f" "$p/f$f"; done
  chmod 2755 "$p/d2755"
  chmod 1777 "$p/d1777"
  chmod 0700 "$p/d0700"
  remember_rootfs "$B"
  for f in "$p"/f*; do files+=("/perm/${f##*/}"); done
  for f in "$p" "$p"/d*; do dirs+=("${f#"$R"}"); done

  config_args "$B" stat -c '%f %a %u %g %s %n' "${files[@]}"
  run --separate-stderr hacher_run "$B" perm
  assert_success
  assert_output "$(native_busybox "$B" stat -c '%f %a %u %g %s %n' "${files[@]}")"
  assert_line "89ed 4755 1234 5678 10 /perm/f4755"
  assert_line "8dc9 6711 1234 5678 10 /perm/f6711"
  # Directory sizes are the file system's own; the rest must match.
  config_args "$B" stat -c '%f %a %u %g %n' "${dirs[@]}"
  run --separate-stderr hacher_run "$B" perm
  assert_success
  assert_output "$(native_busybox "$B" stat -c '%f %a %u %g %n' "${dirs[@]}")"
  assert_line "45ed 2755 1234 5678 /perm/d2755"
}

@test "rootfs: fifos, sockets and devices are skipped with a warning" {
  require_kvm
  local abs
  mkfifo "$R/data/fifo"
  mknod "$R/data/chr" c 1 3
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$R/data/sock"
  [[ -S $R/data/sock ]] || fail "no socket made"
  remember_rootfs "$B"
  abs=$(realpath "$R")

  run --separate-stderr hacher image build -o "$BATS_TEST_TMPDIR/img.img" "$R"
  assert_success
  assert_equal "$(LC_ALL=C sort <<<"$stderr")" "$(printf '%s\n' \
    "hacher: rootfs \"$R\": skipping character device \"/data/chr\"" \
    "hacher: rootfs \"$R\": skipping fifo \"/data/fifo\"" \
    "hacher: rootfs \"$R\": skipping socket \"/data/sock\"")"

  config_args "$B" ls -a /data
  run --separate-stderr hacher_run "$B" special
  assert_success
  assert_output "$(cd "$R/data" && ls -a | grep -v -x -e fifo -e chr -e sock)"
  assert_equal "$(LC_ALL=C sort <<<"$stderr")" "$(printf '%s\n' \
    "hacher: rootfs \"$abs\": skipping character device \"/data/chr\"" \
    "hacher: rootfs \"$abs\": skipping fifo \"/data/fifo\"" \
    "hacher: rootfs \"$abs\": skipping socket \"/data/sock\"")"
  config_args "$B" stat -c %n /data/fifo
  run --separate-stderr hacher_run "$B" special
  assert_failure 1
  [[ $stderr == *"stat: can't stat '/data/fifo': No such file or directory"* ]] || fail "$stderr"
}

# ---- the image cache ---------------------------------------------------------

@test "cache: a second run reuses the image, which is what image build writes" {
  require_kvm
  remember_rootfs "$B"
  first_run cat /data/hello.txt
  assert_output "hello from the host"
  reused_run again
  assert_success
  assert_output "hello from the host"
  build_image "$R" "$BATS_TEST_TMPDIR/built.img"
  assert_equal "$ROOT" "$(basename "$BLOB" .img)"
  cmp "$BLOB" "$BATS_TEST_TMPDIR/built.img"
  assert_equal "$(find "$IMAGES/blobs" -type f | wc -l)" 1
  assert_no_state_left
}

@test "cache: a same-size change with the mtime put back is rebuilt and served" {
  require_kvm
  local f=$R/data/hello.txt mtime size old
  remember_rootfs "$B"
  first_run cat /data/hello.txt
  assert_output "hello from the host"
  old=$BLOB
  mtime=$(stat -c %y "$f")
  size=$(stat -c %s "$f")
  printf 'HELLO from the HOST\n' >"$f"
  touch -d "$mtime" "$f"
  assert_equal "$(stat -c '%y %s' "$f")" "$mtime $size"
  remember_rootfs "$B"
  debug_run changed
  assert_success
  assert_output "HELLO from the HOST"
  [[ $IMAGE_LINE == *" (built)" ]] || fail "not rebuilt: $IMAGE_LINE"
  [[ $IMAGE_LINE != *"$(basename "$old" .img)"* ]] || fail "same image: $IMAGE_LINE"
}

# mount_overlay NAME LOWER...: an overlay of the lower dirs with its own
# upper layer at $BATS_TEST_TMPDIR/NAME/merged (unmounted by teardown).
mount_overlay()
{
  local d=$BATS_TEST_TMPDIR/$1 lowers
  shift
  lowers=$(IFS=:; echo "$*")
  mkdir -p "$d"/{upper,work,merged}
  mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$d/upper,workdir=$d/work" "$d/merged" \
    || fail "cannot mount overlayfs"
  TEST_MOUNTS=("$d/merged" "${TEST_MOUNTS[@]}")
}

@test "cache: an overlay rootfs's image is its lower layers; its upper layer travels with each container" {
  require_kvm
  remember_rootfs "$B"
  mount_overlay ov1 "$R"
  config_set "$B" '.root.path = $m' --arg m "$BATS_TEST_TMPDIR/ov1/merged"
  R=$BATS_TEST_TMPDIR/ov1/merged
  first_run cat /data/hello.txt
  assert_output "hello from the host"
  assert_equal "$KEY_LINE" "hacher: rootfs \"$R\" keyed by its 1 lower layer(s); its upper layer travels with the container"
  # changes through the mount land in the upper layer: the image stays, the trustlet sees them
  printf 'changed through the mount\n' >"$R/data/hello.txt"
  rm "$R/data/words.txt"
  mkdir -p "$R/data/newdir"
  echo fresh >"$R/data/newdir/f"
  ln -s newdir/f "$R/data/link"
  config_args "$B" cat /data/hello.txt /data/link
  reused_run changed
  assert_success
  assert_output "changed through the mount
fresh"
  config_args "$B" ls /data
  reused_run listed
  assert_output "$(ls "$R/data")"
  [[ $output != *words.txt* ]] || fail "a deleted file is visible"
  # a second container of the same lower layer shares the image
  mount_overlay ov2 "$B/rootfs"
  config_set "$B" '.root.path = $m' --arg m "$BATS_TEST_TMPDIR/ov2/merged"
  R=$BATS_TEST_TMPDIR/ov2/merged
  config_args "$B" cat /data/hello.txt
  reused_run second
  assert_output "hello from the host"
}

@test "cache: a directory replaced through an overlay mount hides the image's (opaque)" {
  require_kvm
  add_big_dir
  remember_rootfs "$B"
  mount_overlay ov "$R"
  config_set "$B" '.root.path = $m' --arg m "$BATS_TEST_TMPDIR/ov/merged"
  R=$BATS_TEST_TMPDIR/ov/merged
  rm -r "$R/data/many"
  mkdir "$R/data/many"
  echo only >"$R/data/many/one"
  config_args "$B" ls /data/many
  debug_run opaque
  assert_success
  assert_output one
}

@test "cache: several lower layers are merged for the image" {
  require_kvm
  local top=$BATS_TEST_TMPDIR/top
  add_marker
  remember_rootfs "$B"
  mkdir -p "$top/data"
  echo "from the top layer" >"$top/data/top.txt"
  echo "top wins" >"$top/data/hello.txt"
  mount_overlay ov "$top" "$R"
  config_set "$B" '.root.path = $m' --arg m "$BATS_TEST_TMPDIR/ov/merged"
  R=$BATS_TEST_TMPDIR/ov/merged
  first_run cat /data/top.txt /data/hello.txt /data/marker.txt
  assert_output "from the top layer
top wins
$(cat "$B/rootfs/data/marker.txt")"
  [[ $KEY_LINE == *"keyed by its 2 lower layer(s)"* ]] || fail "$KEY_LINE"
  # the merge mount lived in a private namespace and is gone
  run grep -c "$IMAGES/tmp" /proc/self/mountinfo
  assert_output 0
}

@test "cache: an overlay rootfs with something mounted inside is keyed by the whole tree" {
  require_kvm
  remember_rootfs "$B"
  mount_overlay ov "$R"
  config_set "$B" '.root.path = $m' --arg m "$BATS_TEST_TMPDIR/ov/merged"
  R=$BATS_TEST_TMPDIR/ov/merged
  mkdir -p "$R/mnt"
  mount -t tmpfs tmpfs "$R/mnt"
  TEST_MOUNTS=("$R/mnt" "${TEST_MOUNTS[@]}")
  echo inner >"$R/mnt/inner.txt"
  config_args "$B" cat /mnt/inner.txt
  debug_run inner
  assert_output inner
  [[ $KEY_LINE == *"keyed by the whole tree"* ]] || fail "$KEY_LINE"
}

@test "cache: four concurrent runs of a new rootfs build it once" {
  require_kvm
  local i pids=() st
  remember_rootfs "$B"
  config_args "$B" cat /data/hello.txt
  for i in 1 2 3 4; do
    hacher --debug run --bundle "$B" "c$i" >"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" &
    pids+=($!)
  done
  for i in 1 2 3 4; do
    st=0
    wait "${pids[i - 1]}" || st=$?
    assert_equal "c$i: $st" "c$i: 0"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out$i")" "hello from the host"
  done
  assert_equal "$(cat "$BATS_TEST_TMPDIR"/err? | grep -c -E '^hacher: image [0-9a-f]{64} for rootfs .* \(built\)$')" 1
  assert_equal "$(cat "$BATS_TEST_TMPDIR"/err? | grep -E '^hacher: image ' | cut -d' ' -f3 | sort -u | wc -l)" 1
  assert_equal "$(find "$IMAGES/blobs" -type f | wc -l)" 1
  assert_equal "$(find "$IMAGES/tmp" -mindepth 1 | wc -l)" 0
  assert_no_state_left
}

@test "cache: image ls lists the images; gc keeps the one a container uses" {
  require_kvm
  local kept others=() b header
  header=$(printf '%-64s  %10s  %s' "ROOT HASH" BYTES STATE)
  remember_rootfs "$B"
  first_run cat /etc/hostname
  config_args "$B" cat /etc/hostname
  run --separate-stderr hacher_run "$B" --keep kept
  assert_success
  kept=$(jq -r .image "$BATS_TEST_TMPDIR/state/kept/state.json")
  assert_equal "$kept" "$(basename "$BLOB" .img)"
  for b in second third; do
    echo "$b" >"$R/etc/hostname"
    remember_rootfs "$B"
    debug_run "$b"
    assert_success
    assert_output "$b"
    others+=("${IMAGE_LINE:14:64}")
  done

  run --separate-stderr hacher image ls
  assert_success
  assert_equal "${lines[0]}" "$header"
  assert_equal "${#lines[@]}" 4
  assert_line --regexp "^$kept +$(stat -c %s "$IMAGES/blobs/$kept.img")  in use\$"
  for b in "${others[@]}"; do
    assert_line --regexp "^$b +$(stat -c %s "$IMAGES/blobs/$b.img")  -\$"
  done

  run --separate-stderr hacher image gc
  assert_success
  assert_output "removed 2 image(s)"
  assert_equal "$(ls "$IMAGES/blobs")" "$kept.img"
  # Index entries of removed images go too.
  assert_equal "$(cat "$IMAGES"/index/*)" "$kept"
  run --separate-stderr hacher image ls
  assert_equal "${#lines[@]}" 2
  assert_line --regexp "^$kept +[0-9]+  in use\$"

  hacher delete kept 2>/dev/null || rm -rf "$BATS_TEST_TMPDIR/state/kept"
  run --separate-stderr hacher image gc
  assert_success
  assert_output "removed 1 image(s)"
  assert_equal "$(ls "$IMAGES/blobs")" ""
  run --separate-stderr hacher image ls
  assert_output "$header"
  assert_no_state_left
}

@test "cache: a crashed build's leftover is never served, and gc removes it" {
  require_kvm
  local key root other=$BATS_TEST_TMPDIR/other fd busy
  remember_rootfs "$B"
  first_run cat /etc/hostname
  root=$(basename "$BLOB" .img)
  key=$(ls "$IMAGES/index")
  cp "$BLOB" "$BATS_TEST_TMPDIR/good.img"
  # A complete, valid image of another rootfs, as a build that died before
  # its rename would leave it, and a half-written mkfs output.
  cp -a "$R" "$other"
  echo 'not this one' >"$other/etc/hostname"
  build_image "$other" "$IMAGES/tmp/$key.img"
  head -c 12345 /dev/urandom >"$IMAGES/tmp/$key.img.tmp.99999"
  rm "$BLOB" "$IMAGES/index/$key"

  debug_run after-crash
  assert_success
  assert_output "$TEST_HOSTNAME"
  assert_equal "$IMAGE_LINE" "hacher: image $root for rootfs \"$(realpath "$R")\" (built)"
  cmp "$BLOB" "$BATS_TEST_TMPDIR/good.img"

  # gc: leftovers go; a build in progress (its lock held) stays.
  build_image "$other" "$IMAGES/tmp/$key.img"
  head -c 100 /dev/urandom >"$IMAGES/tmp/$key.img.tmp.99999"
  busy=$(printf 'b%.0s' {1..64})
  touch "$IMAGES/tmp/$busy.img"
  exec {fd}>"$IMAGES/locks/$busy.lock"
  flock -x "$fd"
  run --separate-stderr hacher image gc
  exec {fd}>&-
  assert_success
  # The unused blob goes as well.
  assert_output "removed 1 image(s)"
  assert_equal "$(ls "$IMAGES/blobs")" ""
  assert_equal "$(ls "$IMAGES/tmp")" "$busy.img"
  run --separate-stderr hacher image gc
  assert_output "removed 0 image(s)"
  assert_equal "$(ls "$IMAGES/tmp")" ""
}
