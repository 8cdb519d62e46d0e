#!/usr/bin/env bats
# The command line itself: version, spec, argument checking, state handling.

load helpers

setup()
{
  require_hacher
  B=$BATS_TEST_TMPDIR/bundle
}

@test "--version prints the Makefile version" {
  local want
  want=$(sed -n 's/^VERSION := *//p' "$REPO_ROOT/Makefile")
  run --separate-stderr hacher --version
  assert_success
  assert_line --index 0 "hacher version $want"
  run --separate-stderr hacher -v
  assert_success
  assert_line --index 0 "hacher version $want"
}

@test "--help lists the commands" {
  run --separate-stderr hacher --help
  assert_success
  assert_line --regexp '^ +run +'
  assert_line --regexp '^ +spec +'
}

@test "unknown command fails" {
  run --separate-stderr hacher frobnicate
  assert_equal "$status" 1
  assert_equal "$stderr" 'hacher: unknown command "frobnicate"'
}

@test "spec writes a runc-like config.json" {
  mkdir -p "$B"
  run --separate-stderr hacher spec --bundle "$B"
  assert_success
  assert_equal "$stderr" ""
  run jq -r '[.ociVersion, .root.path, (.process.args | join(" ")), .process.cwd,
    (.process.terminal | tostring)] | join(",")' "$B/config.json"
  assert_success
  assert_output "1.1.0,rootfs,sh,/,true"
}

@test "spec without --bundle writes to the current directory" {
  mkdir -p "$B"
  cd "$B"
  run --separate-stderr hacher spec
  assert_success
  jq -e '.process.args == ["sh"]' config.json
}

@test "spec refuses to overwrite config.json" {
  mkdir -p "$B"
  echo '{"mine": true}' >"$B/config.json"
  run --separate-stderr hacher spec --bundle "$B"
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: File $B/config.json exists. Remove it first"
  assert_equal "$(cat "$B/config.json")" '{"mine": true}'
}

@test "run without a container id fails" {
  run --separate-stderr hacher run --bundle "$B"
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: run: expected exactly one container id"
}

@test "run with an invalid container id fails" {
  make_bundle "$B"
  local id
  for id in 'a/b' '..' 'has space'; do
    run --separate-stderr hacher_run "$B" "$id"
    assert_equal "$status" 1
    assert_equal "$stderr" "hacher: invalid container id \"$id\""
  done
  run --separate-stderr hacher_run "$B" ''
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: container id cannot be empty"
  assert_no_state_left
}

@test "run --pid-file writes a pid" {
  require_kvm
  make_bundle "$B"
  add_busybox "$B"
  remember_rootfs "$B"
  config_args "$B" echo pid
  run --separate-stderr hacher_run "$B" --pid-file "$BATS_TEST_TMPDIR/pid" p1
  assert_success
  assert_output "pid"
  assert_regex "$(cat "$BATS_TEST_TMPDIR/pid")" '^[1-9][0-9]*$'
}

@test "run --keep keeps the state; the id is then taken" {
  require_kvm
  make_bundle "$B"
  add_busybox "$B"
  remember_rootfs "$B"
  config_args "$B" true
  run --separate-stderr hacher_run "$B" --keep k1
  assert_success
  run jq -r '.id + " " + .status' "$BATS_TEST_TMPDIR/state/k1/state.json"
  assert_output "k1 stopped"
  run --separate-stderr hacher_run "$B" k1
  assert_equal "$status" 1
  assert_equal "$stderr" 'hacher: container with id exists: k1'
}
