#!/usr/bin/env bash
# gen-seccomp-profile.sh [UNISTD_64_H] > PROFILE.json: a default-style
# linux.seccomp profile of the kind container engines ship: deny by default
# with EPERM, allow every x86-64 syscall except the ones below, plus a few
# argument-conditioned rules. Written for hacher's tests and benchmark
# (tests/integration/data/seccomp-default.json is its output); the lists
# are this script's own.
set -euo pipefail

unistd=${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}

# Denied: they change the host or other processes, load code into the
# kernel, or reach kernel facilities a container has no business with.
denied=(
  # kernel modules and kexec
  create_module delete_module finit_module init_module get_kernel_syms query_module
  kexec_file_load kexec_load
  # the machine: reboot, clocks, swap, accounting, quotas, I/O ports
  reboot clock_adjtime clock_settime settimeofday adjtimex stime swapon swapoff acct quotactl
  quotactl_fd ioperm iopl syslog _sysctl sysfs ustat uselib vhangup nfsservctl
  # mounts and namespaces
  mount umount2 pivot_root move_mount open_tree fsopen fsconfig fsmount fspick mount_setattr
  unshare setns
  # other processes' memory and tracing
  ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd process_madvise
  # kernel programs and introspection
  bpf perf_event_open lookup_dcookie userfaultfd fanotify_init
  # keyrings
  add_key request_key keyctl
  # NUMA placement
  mbind set_mempolicy get_mempolicy migrate_pages move_pages set_mempolicy_home_node
  # file handles bypass path checks
  name_to_handle_at open_by_handle_at
  # obsolete or unimplemented entry points
  afs_syscall getpmsg putpmsg security tuxcall vserver
  # handled by the conditional rules below
  personality clone clone3 socket
)

# Names from other architectures that real profiles list too (libseccomp
# does not resolve them on x86-64; the runtime skips them).
foreign=(_llseek _newselect socketcall waitpid sigreturn sigaction sigprocmask
  mmap2 fstat64 stat64 lstat64 fcntl64 ugetrlimit send recv arm_fadvise64_64 cacheflush
  s390_pci_mmio_read riscv_flush_icache)

mapfile -t all < <(sed -n 's/^#define __NR_\([a-z0-9_]*\) [0-9]*$/\1/p' "$unistd" | LC_ALL=C sort -u)
declare -A skip=()
for n in "${denied[@]}"; do skip[$n]=1; done
allowed=()
for n in "${all[@]}" "${foreign[@]}"; do
  [[ -n ${skip[$n]:-} ]] || allowed+=("$n")
done
mapfile -t allowed < <(printf '%s\n' "${allowed[@]}" | LC_ALL=C sort -u)

jq -n --argjson names "$(printf '%s\n' "${allowed[@]}" | jq -R . | jq -s .)" '{
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [
    {names: $names, action: "SCMP_ACT_ALLOW"},
    # PER_LINUX, PER_LINUX32, UNAME26 variants and the query value
    {names: ["personality"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 0, valueTwo: 0, op: "SCMP_CMP_EQ"}]},
    {names: ["personality"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ"}]},
    {names: ["personality"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 131072, valueTwo: 0, op: "SCMP_CMP_EQ"}]},
    {names: ["personality"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 131080, valueTwo: 0, op: "SCMP_CMP_EQ"}]},
    {names: ["personality"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 4294967295, valueTwo: 0, op: "SCMP_CMP_EQ"}]},
    # clone without any CLONE_NEW* namespace flag
    {names: ["clone"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"}]},
    # clone3 flags live in memory the filter cannot see: make libc fall back
    {names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38},
    # every address family but AF_VSOCK
    {names: ["socket"], action: "SCMP_ACT_ALLOW",
      args: [{index: 0, value: 40, valueTwo: 0, op: "SCMP_CMP_NE"}]}
  ]
}'
