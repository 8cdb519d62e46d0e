#!/usr/bin/env bats
# Attestation: the launch measurement (offline == state), signed reports
# from /dev/attestation checked by `hacher attest verify`, and sealed
# secrets released only to the measured trustlet.

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  export HACHER_ATTEST_DIR=$BATS_TEST_TMPDIR/attest
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_programs "$B" attest.musl
  NONCE=00112233445566778899aabbccddeeff
  config_args "$B" /bin/attest.musl "$NONCE"
}

teardown()
{
  hacher delete --force m1 >/dev/null 2>&1 || true
  assert_rootfs_unchanged
}

measure() { hacher attest measure --bundle "$B"; }

# use_secret NAME: the bundle asks for secret NAME from $BATS_TEST_TMPDIR/NAME.sealed
# and the program prints an HMAC of "msg" with it.
use_secret()
{
  config_set "$B" '.annotations["io.hacher.secret." + $n] = $p' --arg n "$1" \
    --arg p "$BATS_TEST_TMPDIR/$1.sealed"
  config_args "$B" /bin/attest.musl "$NONCE" "$1" msg
}

# seal NAME MEASUREMENT [hacher options]: seals "top secret" for this node.
seal()
{
  local name=$1 m=$2
  shift 2
  printf 'top secret' | HACHER_IMAGES=$BATS_TEST_TMPDIR/images timeout 60 "$HACHER" "$@" \
    secret seal --name "$name" --measurement "$m" >"$BATS_TEST_TMPDIR/$name.sealed"
}

# run_report ID: runs the bundle; the report goes to $BATS_TEST_TMPDIR/ID.hex.
run_report()
{
  run --separate-stderr hacher_run "$B" "$1"
  assert_success
  assert_line "type: hacher-kvm"
  sed -n 's/^report: //p' <<<"$output" >"$BATS_TEST_TMPDIR/$1.hex"
  [[ $(wc -c <"$BATS_TEST_TMPDIR/$1.hex") == 513 ]] || fail "report is not 256 bytes"
}

@test "attest measure (nothing runs) equals the state annotation of create" {
  local m
  m=$(measure)
  [[ $m =~ ^[0-9a-f]{96}$ ]] || fail "not a SHA-384 hex: $m"
  hacher create --bundle "$B" m1
  run hacher state m1
  assert_success
  assert_equal "$(jq -r '.annotations["io.hacher.measurement"]' <<<"$output")" "$m"
  hacher delete --force m1
  # same inputs, same measurement
  assert_equal "$(measure)" "$m"
}

@test "report: verifies against node-cert, the offline measurement and the nonce" {
  local m
  m=$(measure)
  run_report r1
  hacher attest node-cert >"$BATS_TEST_TMPDIR/cert.pem"
  run hacher attest verify "$BATS_TEST_TMPDIR/r1.hex" --cert "$BATS_TEST_TMPDIR/cert.pem" \
    --measurement "$m" --report-data "$NONCE"
  assert_success
  assert_output --partial "report ok: platform hacher-kvm"
  run hacher attest show "$BATS_TEST_TMPDIR/r1.hex"
  assert_success
  assert_equal "$(jq -r .measurement <<<"$output")" "$m"
  assert_equal "$(jq -r .reportData <<<"$output")" "${NONCE}$(printf '%096d' 0)"
  assert_equal "$(jq -r .platform <<<"$output")" hacher-kvm
  # a second report of the same boot has a larger counter
  local c1
  c1=$(jq -r .counter <<<"$output")
  run_report r2
  run hacher attest show "$BATS_TEST_TMPDIR/r2.hex"
  (($(jq -r .counter <<<"$output") > c1)) || fail "counter did not grow"
}

@test "report: tampering with any field, a wrong cert, nonce or measurement, truncation fail" {
  local m cert=$BATS_TEST_TMPDIR/cert.pem raw=$BATS_TEST_TMPDIR/r.bin off
  m=$(measure)
  run_report r1
  hacher attest node-cert >"$cert"
  xxd -r -p "$BATS_TEST_TMPDIR/r1.hex" >"$raw"
  run hacher attest verify "$raw" --cert "$cert" --measurement "$m" --report-data "$NONCE"
  assert_success
  # magic, version, platform, measurement, report data, boot id, counter, signature r, s
  declare -A want=([0]=magic [4]="format version" [8]=platform [24]=signature [72]=signature
    [136]=signature [152]=signature [160]=signature [255]=signature)
  for off in "${!want[@]}"; do
    cp "$raw" "$BATS_TEST_TMPDIR/t.bin"
    flip_byte "$BATS_TEST_TMPDIR/t.bin" "$off"
    run --separate-stderr hacher attest verify "$BATS_TEST_TMPDIR/t.bin" --cert "$cert" \
      --measurement "$m" --report-data "$NONCE"
    assert_failure
    [[ $stderr == *"verify: ${want[$off]}:"* ]] || fail "byte $off: $stderr"
  done
  # a certificate of another node
  HACHER_ATTEST_DIR=$BATS_TEST_TMPDIR/other hacher attest node-cert >"$BATS_TEST_TMPDIR/other.pem"
  run --separate-stderr hacher attest verify "$raw" --cert "$BATS_TEST_TMPDIR/other.pem"
  assert_failure
  assert_equal "$stderr" "hacher: verify: signature: does not match the certificate's public key"
  run --separate-stderr hacher attest verify "$raw" --cert "$cert" --report-data ffff
  assert_failure
  [[ $stderr == *"verify: report data: expected ffff0000"*", got ${NONCE}"* ]] || fail "$stderr"
  run --separate-stderr hacher attest verify "$raw" --cert "$cert" \
    --measurement "$(printf '%096d' 0)"
  assert_failure
  [[ $stderr == *"verify: measurement: expected 0000"*", got $m" ]] || fail "$stderr"
  head -c 200 "$raw" >"$BATS_TEST_TMPDIR/short.bin"
  run --separate-stderr hacher attest verify "$BATS_TEST_TMPDIR/short.bin" --cert "$cert"
  assert_failure
  [[ $stderr == *"200 bytes, expected 256"* ]] || fail "$stderr"
  head -c 400 "$BATS_TEST_TMPDIR/r1.hex" >"$BATS_TEST_TMPDIR/short.hex"
  run --separate-stderr hacher attest verify "$BATS_TEST_TMPDIR/short.hex" --cert "$cert"
  assert_failure
  [[ $stderr == *"200 bytes, expected 256"* ]] || fail "$stderr"
}

@test "secret: released to the measured trustlet, which computes an HMAC with it" {
  use_secret db
  seal db "$(measure)"
  run_report s1
  assert_line "hmac: $(printf msg | openssl dgst -sha256 -hmac 'top secret' -r | cut -d' ' -f1)"
  hacher attest node-cert >"$BATS_TEST_TMPDIR/cert.pem"
  run hacher attest verify "$BATS_TEST_TMPDIR/s1.hex" --cert "$BATS_TEST_TMPDIR/cert.pem" \
    --measurement "$(measure)" --report-data "$NONCE"
  assert_success
  assert_no_state_left
}

# refused_after CHANGE...: after the bundle change, the measurement differs
# and the secret sealed before is refused without a word about its content.
refused_after()
{
  local before after
  before=$(measure)
  "$@"
  after=$(measure)
  [[ $before != "$after" ]] || fail "measurement unchanged after: $*"
  run --separate-stderr hacher_run "$B" x1
  assert_failure
  [[ $stderr == *'secret "db": sealed for other measurements'* ]] || fail "$stderr"
  [[ $stderr != *"top secret"* ]] || fail "the secret leaked"
}

@test "secret: one env var, argv, the memory limit or an image byte changes the measurement" {
  use_secret db
  seal db "$(measure)"
  refused_after config_set "$B" '.process.env += ["EXTRA=1"]'
  seal db "$(measure)"
  refused_after config_set "$B" '.process.args[3] = "other"'
  seal db "$(measure)"
  refused_after config_set "$B" '.linux.resources.memory.limit = 134217728'
  seal db "$(measure)"
  refused_after flip_byte "$B/rootfs/data/hello.txt" 0
  remember_rootfs "$B"
  assert_no_state_left
}

@test "secret: a corrupted blob and a blob sealed for another node are refused" {
  use_secret db
  seal db "$(measure)"
  local f=$BATS_TEST_TMPDIR/db.sealed size
  size=$(stat -c %s "$f")
  flip_byte "$f" $((size - 20))
  run --separate-stderr hacher_run "$B" c1
  assert_failure
  [[ $stderr == *'secret "db": sealed blob is corrupted or was tampered with'* ]] || fail "$stderr"
  head -c 100 /dev/urandom >"$f"
  run --separate-stderr hacher_run "$B" c2
  assert_failure
  [[ $stderr == *'secret "db": not a sealed secret'* ]] || fail "$stderr"
  seal db "$(measure)" --attest-dir "$BATS_TEST_TMPDIR/other-node"
  run --separate-stderr hacher_run "$B" c3
  assert_failure
  [[ $stderr == *'secret "db": sealed for another node key'* ]] || fail "$stderr"
  assert_no_state_left
}

@test "attest verify and secret seal: usage errors" {
  run --separate-stderr hacher attest verify
  assert_failure
  [[ $stderr == *"usage: hacher attest verify REPORT --cert CERT"* ]] || fail "$stderr"
  run --separate-stderr hacher secret seal --name "a/b" --measurement "$(printf '%096d' 0)"
  assert_failure
}

@test "node key: created once with mode 0600, certificate stable; rotation needs resealing" {
  hacher attest node-cert >"$BATS_TEST_TMPDIR/c1.pem"
  assert_equal "$(stat -c %a "$HACHER_ATTEST_DIR/node-key.pem")" 600
  assert_equal "$(stat -c %a "$HACHER_ATTEST_DIR")" 700
  openssl x509 -in "$BATS_TEST_TMPDIR/c1.pem" -noout -text | grep -q 'ASN1 OID: secp384r1' \
    || fail "not a P-384 certificate"
  openssl verify -CAfile "$BATS_TEST_TMPDIR/c1.pem" "$BATS_TEST_TMPDIR/c1.pem" >/dev/null \
    || fail "certificate is not self-signed"
  hacher attest node-cert >"$BATS_TEST_TMPDIR/c2.pem"
  cmp "$BATS_TEST_TMPDIR/c1.pem" "$BATS_TEST_TMPDIR/c2.pem"
  use_secret db
  seal db "$(measure)"
  # rotation: a new directory is a new key; the old blob is refused
  mv "$HACHER_ATTEST_DIR" "$HACHER_ATTEST_DIR.old"
  hacher attest node-cert >"$BATS_TEST_TMPDIR/c3.pem"
  ! cmp -s "$BATS_TEST_TMPDIR/c1.pem" "$BATS_TEST_TMPDIR/c3.pem" || fail "same certificate"
  run --separate-stderr hacher_run "$B" k1
  assert_failure
  [[ $stderr == *'secret "db": sealed for another node key'* ]] || fail "$stderr"
  seal db "$(measure)"
  run --separate-stderr hacher_run "$B" k2
  assert_success
  # a key readable by others is refused
  chmod 644 "$HACHER_ATTEST_DIR/node-key.pem"
  run --separate-stderr hacher attest node-cert
  assert_failure
  [[ $stderr == *"must not be readable by group or others"* ]] || fail "$stderr"
}

@test "TL_HC_REPORT: an output in the page tables ends the trustlet; a short buffer is EINVAL" {
  add_programs "$B" badrequest.musl
  remember_rootfs "$B"
  config_args "$B" /bin/badrequest.musl report
  run --separate-stderr hacher_run "$B" bad-report
  assert_equal "$status" 1
  assert_equal "$stderr" \
    "hacher: trustlet \"bad-report\": bad guest address 0x20000 (length 256) in report request [monitor/hypercall.c:$(grep -n 'q.out, sizeof(r)' "$REPO_ROOT/monitor/hypercall.c" | cut -d: -f1)]; trustlet ended"
  config_args "$B" /bin/badrequest.musl report-small
  run --separate-stderr hacher_run "$B" small-report
  assert_equal "$status" 2
  assert_output "badrequest: monitor returned -22"
  assert_no_state_left
}

@test "/dev/attestation: oversized writes, short writes zero-padded, one report per open" {
  config_args "$B" /bin/attest.musl --probe
  run --separate-stderr hacher_run "$B" probe
  assert_success
  assert_line "write 65: -1 errno 22"
  assert_line "write 3: 3"
  assert_line "read back: 64 bytes, starts abc, byte 3 is 0"
  assert_line "report: char device 1, mode 444"
  assert_line "same data, other counter: 1 1"
}
