#!/usr/bin/env bats
# Acceptance workload 2: Debian's dynamically linked coreutils, grep and dash
# (glibc, ld.so, shared libraries) print what they print natively on the same
# rootfs.

load workloads

setup()
{
  require_hacher
  require_kvm
  workload_bundle coreutils
}

PIPELINE='ls -la /usr/bin | sort | grep -c x'

@test "ls -la /usr/bin | sort | grep -c x counts what it counts natively" {
  native_run "" /bin/sh -c "$PIPELINE"
  assert_success
  local want=$output
  # The same count from the host's tools on the same directory.
  assert_equal "$want" "$(LC_ALL=C ls -la "$ROOTFS/usr/bin" | sort | grep -c x)"
  ((want > 50)) || fail "native count $want: the rootfs lacks coreutils"
  config_args "$B" /bin/sh -c "$PIPELINE"
  workload_run pipeline
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$want"
  assert_no_state_left
}

# Users and groups by name, the loader cache, regex, locale-free sorting and
# date arithmetic: each line must match the native run's.
SCRIPT='id; ls -ln /etc/passwd; ls -l /etc/group; cut -d: -f1,3 /etc/passwd | sort -t: -k2n;
grep -E "^(root|nobody):" /etc/passwd | wc -l; sha256sum /etc/group; date -u -d @86400 +%F;
seq 10 | paste -sd+; expr 6 \* 7; printf "%s\n" b a c | sort -r | tr "\n" " "; echo;
basename /usr/bin/ls; readlink /bin; stat -c "%s %F" /usr/bin/ls; test -x /usr/bin/grep && echo x-ok'

@test "coreutils and grep commands match the native run line by line" {
  native_run "" /bin/sh -c "$SCRIPT"
  assert_success
  local want=$output
  assert_line --index 0 "uid=0(root) gid=0(root) groups=0(root)"
  config_args "$B" /bin/sh -c "$SCRIPT"
  workload_run commands
  assert_equal "$stderr" ""
  assert_equal "$status" 0
  assert_output "$want"
  assert_line "1970-01-02"
  assert_line "1+2+3+4+5+6+7+8+9+10"
  assert_line "42"
  assert_no_state_left
}
