#!/usr/bin/env bats
# Bad bundles and bad programs: one exact `hacher: ` line on stderr, status 1,
# nothing on stdout and no state left behind.

load helpers

setup()
{
  require_hacher
  B=$BATS_TEST_TMPDIR/bundle
}

# fails_with MESSAGE: the last `run` failed with exactly MESSAGE on stderr.
fails_with()
{
  assert_equal "$stderr" "$1"
  assert_equal "$status" 1
  assert_equal "$output" ""
  assert_no_state_left
}

@test "missing config.json" {
  mkdir -p "$B"
  run --separate-stderr hacher_run "$B" c1
  fails_with "hacher: open \"$B/config.json\": No such file or directory"
}

@test "malformed config.json" {
  make_bundle "$B"
  printf '{"ociVersion": "1.1.0", "process": {"args": ["sh"]' >"$B/config.json"
  run --separate-stderr hacher_run "$B" c1
  fails_with "hacher: $B/config.json: invalid JSON: parse error: premature EOF"
}

@test "config.json with a wrong type" {
  make_bundle "$B"
  config_set "$B" '.process.args = "sh"'
  run --separate-stderr hacher_run "$B" c1
  fails_with "hacher: $B/config.json: .process.args: expected an array of strings"
}

@test "config.json with a relative cwd" {
  make_bundle "$B"
  config_set "$B" '.process.cwd = "etc"'
  run --separate-stderr hacher_run "$B" c1
  fails_with "hacher: $B/config.json: .process.cwd: expected an absolute path"
}

@test "missing rootfs" {
  make_bundle "$B"
  rm -rf "$B/rootfs"
  run --separate-stderr hacher_run "$B" c1
  fails_with "hacher: rootfs \"$(realpath "$B")/rootfs\": No such file or directory"
}

@test "program that is not an ELF file" {
  require_kvm
  make_bundle "$B"
  printf 'this is a text file, not a program\n' >"$B/rootfs/bin/notelf"
  chmod 755 "$B/rootfs/bin/notelf"
  remember_rootfs "$B"
  config_args "$B" /bin/notelf
  run --separate-stderr hacher_run "$B" c1
  fails_with 'hacher: exec "/bin/notelf": not an ELF executable'
}

@test "32-bit ELF program" {
  require_kvm
  make_bundle "$B"
  # An ELFCLASS32 little-endian header, padded to a full Elf32_Ehdr and more.
  {
    printf '\x7fELF\x01\x01\x01'
    head -c 121 /dev/zero
  } >"$B/rootfs/bin/elf32"
  chmod 755 "$B/rootfs/bin/elf32"
  remember_rootfs "$B"
  config_args "$B" /bin/elf32
  run --separate-stderr hacher_run "$B" c1
  fails_with 'hacher: exec "/bin/elf32": 32-bit ELF executables are not supported'
}

@test "program not found in PATH" {
  require_kvm
  make_bundle "$B"
  remember_rootfs "$B"
  config_args "$B" nope
  run --separate-stderr hacher_run "$B" c1
  fails_with 'hacher: exec "nope": executable file not found in $PATH'
}

@test "monitor rejects a hypercall with a bad guest address" {
  require_kvm
  require_programs
  make_bundle "$B"
  local f
  for f in musl musl-pie glibc glibc-pie; do
    add_programs "$B" "badrequest.$f"
  done
  remember_rootfs "$B"
  for f in musl musl-pie glibc glibc-pie; do
    config_args "$B" "/bin/badrequest.$f"
    run --separate-stderr hacher_run "$B" "bad-$f"
    assert_equal "$status" 1
    # Nothing after the request may run: the program prints only if resumed.
    assert_equal "$output" ""
    assert_regex "$stderr" '^hacher: '
    [[ $stderr == *"bad guest address 0xfffffffffff000 (length 16) in write request"* ]] \
      || fail "badrequest.$f: unexpected stderr: $stderr"
  done
  assert_no_state_left
}

# Each kind of misbehaving guest ends its trustlet with status 1 and a message
# that names what went wrong; nothing after the bad request runs.
misbehaves()
{
  local mode=$1 want=$2
  config_args "$B" /bin/badrequest.musl "$mode"
  run --separate-stderr hacher_run "$B" "bad-$mode"
  assert_equal "$status" 1
  assert_equal "$output" ""
  [[ $stderr == "hacher: trustlet \"bad-$mode\": "*"$want"*"; trustlet ended" ]] \
    || fail "badrequest $mode: unexpected stderr: $stderr"
}

@test "monitor ends trustlets that misbehave, each with a precise message" {
  require_kvm
  require_programs
  make_bundle "$B"
  add_programs "$B" badrequest.musl
  remember_rootfs "$B"
  misbehaves boot "bad guest address 0x1000 (length 16) in write request"
  misbehaves nr "unknown request 99"
  misbehaves slot "bad guest address 0xfffff000 (length 80) in hypercall request"
  misbehaves mmio "guest access to unmapped address 0x3000000008 at rip 0x"
  misbehaves libos "LibOS exception #UD invalid opcode (vector 6, error 0x0) at rip 0xffffffff8"
  misbehaves discardv-addr "bad guest address 0xfffffffffff000 (length 16) in discardv request"
  assert_no_state_left
}

@test "monitor refuses a CR3 outside RAM and an oversized discard list; the guest goes on" {
  require_kvm
  require_programs
  make_bundle "$B"
  add_programs "$B" badrequest.musl
  local mode
  for mode in mmu discardv; do
    config_args "$B" /bin/badrequest.musl "$mode"
    run --separate-stderr hacher_run "$B" "bad-$mode"
    assert_equal "$status" 2
    assert_output "badrequest: monitor returned -22"
  done
  assert_no_state_left
}
