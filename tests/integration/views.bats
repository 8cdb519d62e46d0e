#!/usr/bin/env bats
# What the function sees of itself and its limits: /proc (generated from the
# LibOS's state), /sys, the cgroup view (v1 or v2, as the host or the
# org.hacher.cgroup-view annotation says), maskedPaths and readonlyPaths, and
# the devpts/mqueue mount points. Busybox applets run as the container's
# process (no fork inside a trustlet yet).

load helpers

setup()
{
  require_hacher
  require_kvm
  require_programs
  B=$BATS_TEST_TMPDIR/bundle
  make_bundle "$B"
  add_busybox "$B"
  add_programs "$B" cgroupcheck.musl cgroupcheck.glibc procview.musl
  remember_rootfs "$B"
}

# in_trustlet CMD...: runs CMD; sets output/stderr/status.
in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" v1
}

# view v1|v2: the cgroup view to show.
view()
{
  config_set "$B" '.annotations["org.hacher.cgroup-view"] = $v' --arg v "$1"
}

# limits: memory 256 MiB (reservation 128 MiB, +256 MiB swap), half a CPU
# with 512 shares, 64 pids.
limits()
{
  config_set "$B" '.linux.resources = {
    memory: {limit: 268435456, reservation: 134217728, swap: 536870912},
    cpu: {shares: 512, quota: 50000, period: 100000}, pids: {limit: 64}}'
}

@test "/proc/self: cmdline, comm, exe, cwd, environ and status come from the function" {
  config_args "$B" /bin/cat /proc/self/cmdline
  hacher_run "$B" v1 >"$BATS_TEST_TMPDIR/out"
  assert_equal "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/out")" "/bin/cat|/proc/self/cmdline|"
  config_args "$B" /bin/cat /proc/self/environ
  hacher_run "$B" v1 >"$BATS_TEST_TMPDIR/out"
  assert_equal "$(tr '\0' '\n' <"$BATS_TEST_TMPDIR/out")" "$(printf '%s\n' "${TEST_ENV[@]}")"

  in_trustlet cat /proc/self/comm
  assert_success
  assert_output cat
  # /bin/readlink is a link to busybox: exe is the file that runs
  local link want
  for link in /proc/self/exe:/bin/busybox /proc/1/exe:/bin/busybox /proc/self/root:/ /proc/self:1; do
    want=${link#*:}
    in_trustlet readlink "${link%%:*}"
    assert_success
    assert_output "$want"
  done
  config_set "$B" '.process.cwd = "/data"'
  in_trustlet readlink /proc/self/cwd
  assert_output /data

  config_set "$B" '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 7}'
  in_trustlet cat /proc/self/status
  assert_success
  assert_line "Name:	cat"
  assert_line "Pid:	1"
  assert_line "PPid:	0"
  assert_line "Umask:	0007"
  assert_line "Uid:	1000	1000	1000	1000"
  assert_line "Gid:	1001	1001	1001	1001"
  assert_line "Groups:	5 6 "
  assert_line "Threads:	1"
  assert_line --regexp '^VmStk:	 +[1-9][0-9]* kB$'
  assert_no_state_left
}

@test "/proc/self/fd lists the open fds; stdio is a pipe and reopens through /dev/std*" {
  in_trustlet ls /proc/self/fd
  assert_success
  # 3 is the directory ls is reading
  assert_output "$(printf '%s\n' 0 1 2 3)"
  local link want
  for link in '/proc/self/fd/0:pipe:[0]' '/proc/self/fd/1:pipe:[1]' /dev/stdout:/proc/self/fd/1 \
    /dev/fd:/proc/self/fd; do
    want=${link#*:}
    in_trustlet readlink "${link%%:*}"
    assert_success
    assert_output "$want"
  done
  in_trustlet sh -c 'echo out > /dev/stdout; echo err > /proc/self/fd/2; echo more >> /dev/fd/1'
  assert_success
  assert_output "$(printf '%s\n' out more)"
  assert_equal "$stderr" err
  in_trustlet stat -L -c %F /dev/stdin
  assert_output fifo
  # a regular file's fd links to its path, and opening the link opens the file
  in_trustlet /bin/procview.musl fdlink /data/hello.txt
  assert_success
  assert_output "3 /data/hello.txt"
  in_trustlet sh -c 'echo "echo from-fd" > /tmp/s; exec 5</tmp/s; . /proc/self/fd/5'
  assert_success
  assert_output from-fd
}

@test "/proc lists the function, the trustlet's files and nothing else" {
  in_trustlet ls /proc
  assert_success
  assert_output "$(printf '%s\n' 1 cgroups cpuinfo filesystems loadavg meminfo mounts self stat sys thread-self uptime version)"
  in_trustlet ls /proc/self/
  assert_success
  assert_output "$(printf '%s\n' cgroup cmdline comm cwd environ exe fd fdinfo limits maps mountinfo mounts root stat statm status task)"
  in_trustlet cat /proc/kcore
  assert_failure
  assert_equal "$stderr" "cat: can't open '/proc/kcore': No such file or directory"
  in_trustlet cat /proc/2/status
  assert_failure
  # read-only: writes are refused, nothing can be created or removed
  config_set "$B" '.linux.readonlyPaths = []'
  in_trustlet sh -c 'echo 1 > /proc/meminfo'
  assert_failure
  assert_equal "$stderr" "sh: can't create /proc/meminfo: Permission denied"
  in_trustlet touch /proc/new
  assert_failure
  in_trustlet rm /proc/meminfo
  assert_failure
}

@test "/proc/meminfo: MemTotal is the memory limit, MemFree what the LibOS has not mapped" {
  config_set "$B" '.linux.resources.memory.limit = 256 * 1048576'
  in_trustlet cat /proc/meminfo
  assert_success
  assert_line --regexp '^MemTotal: +262144 kB$'
  assert_line --regexp '^SwapTotal: +0 kB$'
  local free
  free=$(awk '/^MemFree:/ {print $2}' <<<"$output")
  ((free > 200000 && free < 262144)) || fail "MemFree $free kB"
  assert_line --regexp "^MemAvailable: +$free kB$"
  # without a limit: the default guest memory
  config_set "$B" 'del(.linux.resources)'
  in_trustlet cat /proc/meminfo
  assert_line --regexp '^MemTotal: +524288 kB$'
  # the same numbers as sysinfo(2)
  in_trustlet free -k
  assert_success
  assert_line --regexp '^Mem: +524288 '
}

@test "/proc: cpuinfo is the one vCPU cpuid describes; stat, uptime, loadavg, version" {
  in_trustlet cat /proc/cpuinfo
  assert_success
  assert_equal "$(grep -c '^processor' <<<"$output")" 1
  assert_line "processor	: 0"
  assert_line "$(grep -m1 '^vendor_id' /proc/cpuinfo)"
  assert_line "$(grep -m1 '^model name' /proc/cpuinfo)"
  local flag host_flags
  host_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for flag in $(grep '^flags' <<<"$output" | cut -d: -f2); do
    [[ $host_flags == *" $flag "* ]] || fail "flag $flag is not the host CPU's"
  done
  in_trustlet cat /proc/uptime /proc/loadavg /proc/version /proc/sys/kernel/ostype
  assert_success
  assert_regex "${lines[0]}" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$'
  assert_regex "${lines[1]}" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} 1/1 1$'
  assert_equal "${lines[3]}" Linux
  local version=${lines[2]}
  # the same release as uname(2)
  in_trustlet uname -r
  assert_equal "$version" "Linux version $output (hacher LibOS) #1 SMP hacher trustlet"
  local release=$output
  in_trustlet cat /proc/sys/kernel/osrelease /proc/sys/kernel/hostname
  assert_output "$(printf '%s\n' "$release" "$TEST_HOSTNAME")"
  # the function slept 1 s of its life: idle time in uptime and /proc/stat
  in_trustlet /bin/procview.musl sleep 1 /proc/uptime
  assert_success
  local up idle
  read -r up idle <<<"$output"
  [[ ${idle%.*} -ge 1 && ${up%.*} -ge 1 ]] || fail "uptime $up idle $idle"
  in_trustlet cat /proc/stat
  assert_line --regexp '^cpu  [0-9]+ 0 0 [0-9]+ 0 0 0 0 0 0$'
  assert_line "processes 1"
}

@test "/proc/self/limits and /proc/self/maps come from the LibOS's tables" {
  config_set "$B" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200}]'
  in_trustlet cat /proc/self/limits
  assert_success
  assert_line --index 0 "Limit                     Soft Limit           Hard Limit           Units     "
  assert_line "Max open files            100                  200                  files     "
  assert_line --regexp '^Max stack size +[0-9]+ +unlimited +bytes +$'
  in_trustlet cat /proc/self/maps
  assert_success
  assert_line --regexp '^[0-9a-f]{8,}-[0-9a-f]{8,} rw-p 00000000 00:00 0 +\[stack\]$'
  assert_line --regexp '^00400000-[0-9a-f]+ r'
}

@test "cgroup v2 view: the config's limits in the unified hierarchy" {
  view v2
  limits
  in_trustlet head -n 99 /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/memory.max \
    /sys/fs/cgroup/memory.low /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/cpu.max \
    /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/cpuset.cpus.effective /sys/fs/cgroup/pids.max \
    /sys/fs/cgroup/pids.current
  assert_success
  assert_output "$(printf '==> /sys/fs/cgroup/%s <==\n%s\n\n' cgroup.controllers 'cpuset cpu memory pids' \
    memory.max 268435456 memory.low 134217728 memory.swap.max 268435456 cpu.max '50000 100000' \
    cpu.weight 20 cpuset.cpus.effective 0 pids.max 64 pids.current 1 | sed '$d')"
  in_trustlet cat /sys/fs/cgroup/memory.current
  (("$output" > 1048576 && "$output" < 268435456)) || fail "memory.current $output"
  in_trustlet cat /proc/self/cgroup
  assert_output "0::/"
  in_trustlet grep cgroup /proc/self/mountinfo
  assert_success
  assert_output --regexp '^[0-9]+ [0-9]+ 0:[0-9]+ / /sys/fs/cgroup ro - cgroup2 cgroup2 rw$'
  in_trustlet cat /proc/cgroups
  assert_line "memory	0	1	1"
  in_trustlet stat -f -c %t /sys/fs/cgroup
  assert_output 63677270
  in_trustlet ls /sys/fs/cgroup/memory
  assert_failure
  # unset limits
  config_set "$B" 'del(.linux.resources)'
  in_trustlet cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/memory.swap.max \
    /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/pids.max
  assert_output "$(printf '%s\n' max 0 max 'max 100000' 100 max)"
}

@test "cgroup v1 view: one directory and one cgroup mount per controller" {
  view v1
  limits
  in_trustlet ls /sys/fs/cgroup
  assert_output "$(printf '%s\n' cpu cpuacct cpuset memory pids)"
  in_trustlet cat /sys/fs/cgroup/memory/memory.limit_in_bytes \
    /sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes \
    /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us \
    /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/pids/pids.max
  assert_success
  assert_output "$(printf '%s\n' 268435456 134217728 536870912 50000 100000 512 0 64)"
  in_trustlet cat /proc/self/cgroup
  assert_output "$(printf '%s\n' 5:pids:/ 4:memory:/ 3:cpuacct:/ 2:cpu:/ 1:cpuset:/)"
  in_trustlet grep cgroup /proc/self/mountinfo
  assert_success
  assert_line --regexp '^[0-9]+ [0-9]+ 0:[0-9]+ / /sys/fs/cgroup ro - tmpfs tmpfs rw$'
  assert_line --regexp '^[0-9]+ [0-9]+ 0:[0-9]+ / /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory$'
  assert_equal "$(grep -c ' - cgroup cgroup ' <<<"$output")" 5
  in_trustlet cat /proc/cgroups
  assert_line "memory	4	1	1"
  in_trustlet stat -f -c %t /sys/fs/cgroup /sys/fs/cgroup/memory
  assert_output "$(printf '%s\n' 1021994 27e0eb)"
  # unset limits: what v1 shows for none
  config_set "$B" 'del(.linux.resources)'
  in_trustlet cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
    /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max
  assert_output "$(printf '%s\n' 9223372036854771712 -1 1024 max)"
}

@test "the cgroup view follows the host's mode without the annotation" {
  local want="0::/"
  [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || want=5:pids:/
  in_trustlet head -n 1 /proc/self/cgroup
  assert_success
  assert_output "$want"
  view v3
  in_trustlet true
  assert_failure
  assert_equal "$stderr" 'hacher: config.json: .annotations["org.hacher.cgroup-view"]: expected "v1" or "v2", got "v3"'
  assert_no_state_left
}

@test "the JVM's and Go's cgroup detection find the limits in both views" {
  # the checker follows the real kernel's files too
  if [[ -r /proc/cgroups && -d /sys/fs/cgroup ]]; then
    run "$PROGRAMS/cgroupcheck.musl"
    assert_success
  fi
  limits
  local v p
  for v in v1 v2; do
    view $v
    for p in musl glibc; do
      in_trustlet /bin/cgroupcheck.$p
      assert_success
      assert_output "$(printf '%s\n' "jvm: $v memory=268435456 quota=50000 period=100000 pids=64 ro=1" \
        "go: $v cpu=0.50")"
    done
  done
  config_set "$B" 'del(.linux.resources)'
  in_trustlet /bin/cgroupcheck.musl
  assert_output "$(printf '%s\n' "jvm: v2 memory=none quota=none period=100000 pids=none ro=1" \
    "go: v2 cpu=none")"
}

@test "maskedPaths: a masked file reads empty and swallows writes, a masked directory is empty and read-only" {
  config_set "$B" '.root.readonly = false
    | .linux.maskedPaths += ["/data/hello.txt", "/data/words.txt", "/etc", "/proc/meminfo", "/nonexistent"]'
  in_trustlet cat /data/hello.txt /proc/meminfo
  assert_success
  assert_output ""
  in_trustlet stat -c '%F %t:%T' /data/hello.txt
  assert_output "character special file 1:3"
  # (sourcing the real words.txt would run "pear")
  in_trustlet sh -c 'echo secret > /data/words.txt && . /data/words.txt && echo sourced'
  assert_success
  assert_output sourced
  in_trustlet ls -a /etc
  assert_success
  assert_output "$(printf '%s\n' . ..)"
  in_trustlet cat /etc/passwd
  assert_failure
  assert_equal "$stderr" "cat: can't open '/etc/passwd': No such file or directory"
  in_trustlet touch /etc/new
  assert_failure
  assert_equal "$stderr" "touch: /etc/new: Read-only file system"
  # like a mount point: not removable
  in_trustlet rm /data/hello.txt
  assert_failure
  assert_equal "$stderr" "rm: can't remove '/data/hello.txt': Device or resource busy"
  # others are untouched
  in_trustlet head -c 5 /data/random.bin
  assert_success
  assert_output "$(head -c 5 "$B/rootfs/data/random.bin")"
}

@test "readonlyPaths: writes, creates, unlinks, renames and chmod below them fail with EROFS" {
  config_set "$B" '.root.readonly = false | .linux.readonlyPaths += ["/data", "/etc/passwd"]'
  local cmd
  for cmd in 'echo x > /data/new' 'echo x >> /data/hello.txt' 'echo x > /etc/passwd'; do
    in_trustlet sh -c "$cmd"
    assert_failure
    assert_output ""
    assert_regex "$stderr" "^sh: can't create /[a-z/.]+: Read-only file system$"
  done
  in_trustlet rm /data/words.txt
  assert_equal "$stderr" "rm: can't remove '/data/words.txt': Read-only file system"
  in_trustlet mv /data/words.txt /tmp/
  assert_failure
  assert_regex "$stderr" "Read-only file system"
  in_trustlet chmod 600 /data/hello.txt
  assert_equal "$stderr" "chmod: /data/hello.txt: Read-only file system"
  in_trustlet mkdir /data/d
  assert_equal "$stderr" "mkdir: can't create directory '/data/d': Read-only file system"
  # the paths themselves are mount points
  in_trustlet rm /etc/passwd
  assert_equal "$stderr" "rm: can't remove '/etc/passwd': Device or resource busy"
  # reads work, and the rest of the writable root stays writable
  in_trustlet cat /data/hello.txt
  assert_success
  assert_output "hello from the host"
  in_trustlet sh -c 'echo "echo ok" > /etc/new && . /etc/new'
  assert_success
  assert_output ok
  # the default spec's read-only /proc/sys
  in_trustlet sh -c 'echo name > /proc/sys/kernel/hostname'
  assert_equal "$stderr" "sh: can't create /proc/sys/kernel/hostname: Read-only file system"
}

@test "masked and read-only paths must be absolute" {
  config_set "$B" '.linux.readonlyPaths += ["data"]'
  in_trustlet true
  assert_failure
  assert_equal "$stderr" "hacher: config.json: .linux.readonlyPaths[5]: \"data\" is not an absolute path"
  assert_no_state_left
}

@test "/sys: the CPU, transparent hugepages and the cgroup view; devpts and mqueue are empty" {
  in_trustlet cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible \
    /sys/kernel/mm/transparent_hugepage/enabled
  assert_success
  assert_output "$(printf '%s\n' 0 0 'always madvise [never]')"
  in_trustlet ls /sys
  assert_output "$(printf '%s\n' devices fs kernel)"
  in_trustlet ls /sys/firmware
  assert_failure
  assert_equal "$stderr" "ls: /sys/firmware: No such file or directory"
  in_trustlet ls -a /dev/pts /dev/mqueue
  assert_success
  assert_output "$(printf '%s\n' /dev/mqueue: . .. '' /dev/pts: . ..)"
  in_trustlet touch /dev/pts/0
  assert_failure
  in_trustlet grep -E ' /(proc|sys|dev/pts|dev/mqueue) ' /proc/self/mounts
  assert_output "$(printf '%s\n' 'proc /proc proc rw 0 0' 'devpts /dev/pts devpts rw 0 0' \
    'mqueue /dev/mqueue mqueue rw 0 0' 'sysfs /sys sysfs ro 0 0')"
}

@test "mounts decide where the views are: /proc by default, cgroup mounts anywhere" {
  # (a trailing slash names the same mount point)
  config_set "$B" '.mounts = [{destination: "/cg/", type: "cgroup", source: "cgroup"}]'
  view v2
  in_trustlet readlink /proc/self/exe
  assert_success
  assert_output /bin/busybox
  in_trustlet cat /cg/pids.max /proc/self/mountinfo
  assert_success
  assert_line --index 0 max
  assert_line --regexp ' / /proc rw - proc proc rw$'
  assert_line --regexp ' / /cg rw - cgroup2 cgroup2 rw$'
  in_trustlet ls /sys
  assert_failure
  # a proc mount elsewhere replaces the default one
  config_set "$B" '.mounts = [{destination: "/p", type: "proc", source: "proc"}]'
  in_trustlet readlink /p/self/exe
  assert_output /bin/busybox
  in_trustlet ls /proc
  assert_failure
}
