#!/usr/bin/env bats
# linux.seccomp enforced by the LibOS: actions, argument conditions, runc's
# rule handling, a default-style profile, and the same answers as runc gives
# for the same profile where both runtimes can run it.

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  add_programs "$B" rawsys.musl exitcode.glibc tmpfile.musl
  remember_rootfs "$B"
  DOCKERISH=$BATS_TEST_DIRNAME/data/seccomp-default.json
}

# profile JSON: sets linux.seccomp.
profile()
{
  config_set "$B" '.linux.seccomp = $p' --argjson p "$1"
}

# deny NAMES ACTION [EXTRA-JSON]: default allow; NAMES (a JSON array) get ACTION.
deny()
{
  profile "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": $1,
    \"action\": \"$2\" ${3:+, $3}}]}"
}

in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" sc
}

# runc_bundle CMD...: the bundle's config with CMD on a copy of the rootfs
# (runc creates mount points in it), then runc run; sets output/stderr/status.
runc_bundle()
{
  local r=$BATS_TEST_TMPDIR/runc
  if [[ ! -d $r/rootfs ]]; then
    mkdir -p "$r"
    cp -a "$B/rootfs" "$r/rootfs"
  fi
  config_args "$B" "$@"
  jq '.root.path = "rootfs"' "$B/config.json" >"$r/config.json"
  run --separate-stderr timeout 60 runc --root "$BATS_TEST_TMPDIR/runc-state" run --bundle "$r" \
    "sc-$$-$RANDOM" </dev/null
}

# in_runc CMD...: runc_bundle; skips when runc is missing or cannot run a
# container here at all (checked once with the profile removed).
in_runc()
{
  command -v runc >/dev/null || skip "runc is not installed"
  local saved
  saved=$(jq -c '.linux.seccomp' "$B/config.json")
  config_set "$B" 'del(.linux.seccomp)'
  runc_bundle /bin/rawsys.musl 110
  [[ $output == "110 = 0" ]] || skip "runc cannot run a container here: $stderr"
  config_set "$B" '.linux.seccomp = $p' --argjson p "$saved"
  runc_bundle "$@"
}

@test "a syscall denied with SCMP_ACT_ERRNO fails with EPERM; without the profile it runs" {
  in_trustlet /bin/mkdir /tmp/x
  assert_success
  deny '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "mkdir: can't create directory '/tmp/x': Operation not permitted"
  assert_no_state_left
}

@test "errnoRet is the errno the function sees" {
  deny '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO '"errnoRet": 38'
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "mkdir: can't create directory '/tmp/x': Function not implemented"
  deny '["mkdir"]' SCMP_ACT_ERRNO '"errnoRet": 0'
  in_trustlet /bin/mkdir /tmp/x
  assert_success # errno 0: the call "succeeds" without running
}

@test "kill actions and SCMP_ACT_TRAP end the function as killed by SIGSYS (159)" {
  local a
  for a in SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
    deny '["mkdir"]' "$a"
    in_trustlet /bin/mkdir /tmp/x
    assert_equal "$status" 159
    [[ $a == SCMP_ACT_KILL ]] && a=SCMP_ACT_KILL_THREAD
    assert_equal "$stderr" "hacher: seccomp: syscall 'mkdir' (83): $a: killed by SIGSYS"
  done
  assert_no_state_left
}

@test "SCMP_ACT_LOG allows and logs; SCMP_ACT_TRACE without a tracer is ENOSYS" {
  deny '["mkdir"]' SCMP_ACT_LOG
  in_trustlet /bin/mkdir /tmp/x
  assert_success
  assert_equal "$stderr" "hacher: seccomp: syscall 'mkdir' (83): SCMP_ACT_LOG"
  deny '["mkdir"]' SCMP_ACT_TRACE
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "mkdir: can't create directory '/tmp/x': Function not implemented"
}

@test "SECCOMP_FILTER_FLAG_LOG logs denials too" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: seccomp: syscall 'mkdir' (83): SCMP_ACT_ERRNO (errno 13)
mkdir: can't create directory '/tmp/x': Permission denied"
}

# What static glibc busybox mkdir needs (see --debug), and write for errors.
MKDIR_NEEDS='"execve", "arch_prctl", "brk", "getrandom", "getuid", "mprotect", "prctl",
  "prlimit64", "readlink", "rseq", "set_robust_list", "set_tid_address", "write", "exit_group"'

@test "defaultAction SCMP_ACT_ERRNO with an allowlist: the program runs, the rest is EPERM" {
  profile "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [
    {\"names\": [$MKDIR_NEEDS, \"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"
  in_trustlet /bin/mkdir /tmp/x
  assert_success
  assert_equal "$stderr" ""
  profile "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [
    {\"names\": [$MKDIR_NEEDS], \"action\": \"SCMP_ACT_ALLOW\"}]}"
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" "mkdir: can't create directory '/tmp/x': Operation not permitted"
  assert_no_state_left
}

@test "the execve that starts the program is filtered, as with runc" {
  profile '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
    {"names": ["mkdir", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}'
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" 'hacher: exec "/bin/mkdir": operation not permitted'
  run --separate-stderr hacher create --bundle "$B" ex
  assert_equal "$status" 1
  assert_equal "$stderr" 'hacher: exec "/bin/mkdir": operation not permitted'
  assert_no_state_left
}

@test "argument conditions: only matching calls are denied (openat with O_CREAT)" {
  # O_CREAT is 0100 = 64; open(2) has the flags in arg 1, openat(2) in arg 2
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["open", "creat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "args": [{"index": 1, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "args": [{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
  in_trustlet /bin/cat /data/hello.txt
  assert_success
  assert_output "hello from the host"
  in_trustlet /bin/touch /tmp/new
  assert_equal "$status" 1
  assert_equal "$stderr" "touch: /tmp/new: Permission denied"
  in_trustlet /bin/sh -c 'echo a > /tmp/f'
  assert_equal "$status" 1
  assert_equal "$stderr" "/bin/sh: can't create /tmp/f: Permission denied"
}

@test "argument conditions compare all 64 bits, unsigned" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
     "args": [{"index": 1, "value": 4294967296, "op": "SCMP_CMP_GE"}]}]}'
  in_trustlet /bin/rawsys.musl 110:0x100000000 110:0 110:0x200000000 39:0:0xffffffff 39:0:0x100000000 \
    39:0:-1
  assert_success
  assert_output "110:0x100000000 = -1 errno 1
110:0 = 0
110:0x200000000 = 0
39:0:0xffffffff = 1
39:0:0x100000000 = -1 errno 22
39:0:-1 = -1 errno 22"
}

@test "runc's rule handling: repeated arguments are ORed, an unconditional rule is final" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
              {"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_KILL",
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6},
    {"names": ["getuid", "no_such_syscall", "socketcall"], "action": "SCMP_ACT_ERRNO",
     "errnoRet": 7}]}'
  in_trustlet /bin/rawsys.musl 110:8 110:9 110:10 39:1 39:0 102
  assert_success
  assert_output "110:8 = -1 errno 5
110:9 = -1 errno 5
110:10 = 0
39:1 = -1 errno 6
39:0 = -1 errno 6
102 = -1 errno 7"
}

# names_up_to N: the default-style profile's allowed names whose x86-64
# number is at most N, as a JSON array.
names_up_to()
{
  local h
  h=$(echo '#include <asm/unistd_64.h>' | cpp -dM | sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/\1 \2/p')
  jq -r '.syscalls[0].names[]' "$DOCKERISH" | awk -v max="$1" 'NR == FNR { nr[$1] = $2; next }
    ($1 in nr) && nr[$1] <= max' <(echo "$h") - | jq -R . | jq -s -c .
}

@test "numbers above the profile's highest syscall get ENOSYS (runc's stub), as under runc" {
  # the allowlist cut at statx (332); runc's own start needs nothing above
  profile "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"],
    \"syscalls\": [{\"names\": $(names_up_to 332), \"action\": \"SCMP_ACT_ALLOW\"}]}"
  local calls=(165 332 333 435 600)
  in_trustlet /bin/rawsys.musl "${calls[@]}"
  assert_success
  assert_output "165 = -1 errno 1
332 = -1 errno 14
333 = -1 errno 38
435 = -1 errno 38
600 = -1 errno 38"
  local mine=$output
  # x32 numbers get the default action (runc: libseccomp's bad-arch kill)
  in_trustlet /bin/rawsys.musl 0x40000001
  assert_output "0x40000001 = -1 errno 1"
  in_runc /bin/rawsys.musl "${calls[@]}"
  assert_success
  assert_equal "$output" "$mine"
}

@test "unknown syscall names are skipped, as runc skips them" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["no_such_syscall", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
  config_args "$B" /bin/mkdir /tmp/x
  run --separate-stderr hacher --debug run -b "$B" sc
  assert_equal "$status" 1
  [[ $stderr == *'seccomp: unknown syscall "no_such_syscall" ignored'* ]] || fail "$stderr"
  [[ $stderr == *"mkdir: can't create directory '/tmp/x': Operation not permitted"* ]] \
    || fail "$stderr"
}

@test "SCMP_ACT_NOTIFY: create fails with a clear error and leaves nothing behind" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  config_args "$B" /bin/mkdir /tmp/x
  run --separate-stderr hacher create --bundle "$B" n1
  assert_equal "$status" 1
  assert_equal "$stderr" "hacher: config.json: .linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY \
is not supported: a trustlet's syscalls are handled inside it, with no seccomp agent"
  run --separate-stderr hacher_run "$B" n2
  assert_equal "$status" 1
  assert_no_state_left
}

@test "features reports seccomp with the actions the LibOS enforces" {
  run hacher features
  assert_success
  assert_equal "$(jq -c '.linux.seccomp | [.enabled, (.actions | length), (.actions | index("SCMP_ACT_NOTIFY"))]' <<<"$output")" \
    '[true,8,null]'
}

@test "a malformed profile is refused with its JSON path" {
  deny '["mkdir"]' SCMP_ACT_FOO
  in_trustlet /bin/mkdir /tmp/x
  assert_equal "$status" 1
  assert_equal "$stderr" \
    "hacher: $B/config.json: .linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_FOO\""
}

@test "a default-style profile lets busybox and C programs work as without one" {
  local -a cmds=(
    "echo hello"
    "cat /etc/passwd"
    "ls -l /etc /data"
    "sha256sum /data/random.bin"
    "sort /data/words.txt"
    "env"
    "uname -n"
    "id"
    "sh -c 'echo a > /tmp/f && cat /tmp/f && mkdir /tmp/d && cd /tmp/d && pwd && ls /tmp'"
    "/bin/exitcode.glibc 3 --file /data/hello.txt"
    "/bin/tmpfile.musl"
  )
  local c want want_err want_status
  for c in "${cmds[@]}"; do
    eval "config_args \"\$B\" $c"
    config_set "$B" 'del(.linux.seccomp)'
    run --separate-stderr hacher_run "$B" plain
    want=$output want_err=$stderr want_status=$status
    config_set "$B" '.linux.seccomp = $p[0]' --slurpfile p "$DOCKERISH"
    run --separate-stderr hacher_run "$B" profiled
    assert_equal "$output" "$want"
    assert_equal "$stderr" "$want_err"
    assert_equal "$status" "$want_status"
  done
  assert_no_state_left
}

@test "a default-style profile denies what it leaves out, with runc's answers" {
  config_set "$B" '.linux.seccomp = $p[0]' --slurpfile p "$DOCKERISH"
  # mount (165), personality(0x1234) (135), clone3 (435), socket(AF_VSOCK) (41),
  # and getppid/personality(0xffffffff) that it allows
  local calls=(165 135:0x1234 435 41:40:1:0 110 135:0xffffffff)
  in_trustlet /bin/rawsys.musl "${calls[@]}"
  assert_success
  assert_line --index 0 "165 = -1 errno 1"
  assert_line --index 1 "135:0x1234 = -1 errno 1"
  assert_line --index 2 "435 = -1 errno 38"
  assert_line --index 3 "41:40:1:0 = -1 errno 1"
  assert_line --index 4 "110 = 0"
  # personality(0xffffffff) is not in the LibOS yet (ENOSYS); compare the rest
  local mine=("${lines[@]:0:5}")
  in_runc /bin/rawsys.musl "${calls[@]:0:5}"
  assert_success
  assert_equal "${lines[*]}" "${mine[*]}"
}

@test "the same profile gives the same answers under runc" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
              {"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
     "args": [{"index": 1, "value": 255, "valueTwo": 320, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_KILL",
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6},
    {"names": ["getuid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65541},
    {"names": ["getgid"], "action": "SCMP_ACT_TRACE"},
    {"names": ["getegid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
     "args": [{"index": 2, "value": 4294967296, "op": "SCMP_CMP_LT"}]},
    {"names": ["gettid"], "action": "SCMP_ACT_KILL_PROCESS",
     "args": [{"index": 5, "value": 3, "op": "SCMP_CMP_GT"}]}]}'
  local calls=(110:8 110:9 110:10 110:0:0x40 110:0:0x140 110:0:0x1140 110:0:0x41 39:1 39 102 104
    108:0:0:0xffffffff 108:0:0:0x100000000 186:0:0:0:0:0:3 186:0:0:0:0:0:4 110)
  in_trustlet /bin/rawsys.musl "${calls[@]}"
  local mine=$output
  assert_equal "$status" 159
  assert_equal "${lines[13]}" "186:0:0:0:0:0:3 = 1" # gettid of pid 1
  assert_equal "${#lines[@]}" 14
  in_runc /bin/rawsys.musl "${calls[@]}"
  assert_equal "$status" 159
  assert_equal "$output" "$mine"
}
