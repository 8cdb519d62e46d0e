#!/usr/bin/env bats
# Dynamically linked programs: Debian's glibc tools and python3, a musl
# program, and a test program (data/dynprog.c) with both C libraries. Each
# output is compared with a native run of the same binary under chroot of
# the same rootfs.

load helpers

# The rootfs is built once for the file (python's standard library makes it
# large); tests share it and the image cache.
setup_file()
{
  [[ -e /dev/kvm ]] || skip "no /dev/kvm: trustlets need KVM"
  command -v musl-gcc >/dev/null || skip "musl-gcc is needed (musl-tools)"
  [[ -x $HACHER ]] || skip "hacher binary not found at $HACHER (run make first)"
  export HACHER_IMAGES=$BATS_FILE_TMPDIR/images
  local b=$BATS_FILE_TMPDIR/bundle data=$BATS_TEST_DIRNAME/data w=$BATS_FILE_TMPDIR/build
  local r=$b/rootfs py=/usr/lib/python3.11
  mkdir -p "$w"
  gcc -O2 -Wall -Werror -o "$w/dynprog.glibc" "$data/dynprog.c"
  musl-gcc -O2 -Wall -Werror -o "$w/dynprog.musl" "$data/dynprog.c"
  gcc -O2 -Wall -Werror -shared -fPIC -Wl,-soname,libdyntest.so.1 -o "$w/libdyntest.so.1" \
    "$data/dynlib.c"
  musl-gcc -O2 -Wall -Werror -shared -fPIC -o "$w/libdyntest-musl.so" "$data/dynlib.c"
  # Programs whose interpreter is missing, not an ELF file, or dynamic itself.
  gcc -O2 -o "$w/noloader" "$data/dynprog.c" -Wl,--dynamic-linker=/lib/ld-missing.so.2
  gcc -O2 -o "$w/badloader" "$data/dynprog.c" -Wl,--dynamic-linker=/usr/local/lib/notelf.so
  gcc -O2 -o "$w/dynloader" "$data/dynprog.c" \
    -Wl,--dynamic-linker=/usr/local/bin/dynprog.glibc

  "$REPO_ROOT/hack/copy-with-libs.sh" "$r" /bin/ls /usr/bin/sort /bin/grep /bin/cat \
    /usr/bin/env /usr/bin/python3 "$w/dynprog.glibc" "$w/dynprog.musl"
  if [[ -d $py ]]; then
    "$REPO_ROOT/hack/copy-with-libs.sh" "$r" "$py"
    rm -rf "$r$py"/{config-3.11-x86_64-linux-gnu,test,idlelib,tkinter,lib2to3,pydoc_data,ensurepip}
  fi
  mkdir -p "$r/usr/local/bin" "$r/usr/local/lib" "$r/proc"
  # copy-with-libs put them at their build path; move them to /usr/local/bin
  mv "$r$(realpath "$w")"/dynprog.* "$r/usr/local/bin/"
  rmdir -p --ignore-fail-on-non-empty "$r$(realpath "$w")"
  cp "$w"/{noloader,badloader,dynloader} "$r/usr/local/bin/"
  cp "$w/libdyntest.so.1" "$r/usr/lib/x86_64-linux-gnu/"
  cp "$w/libdyntest-musl.so" "$r/usr/local/lib/"
  printf 'not a loader\n' >"$r/usr/local/lib/notelf.so"
  chmod 755 "$r/usr/local/lib/notelf.so"
  ldconfig -r "$r"
  BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR make_bundle "$b"
  head -c 6000 /dev/urandom >"$r/data/two-pages.bin"
  # The bundle's passwd and group (make_bundle's), so names agree with native runs.
}

setup()
{
  require_hacher
  require_kvm
  B=$BATS_FILE_TMPDIR/bundle
  R=$B/rootfs
  config_set "$B" '.root.readonly = true'
  remember_rootfs "$B"
}

# native CMD...: CMD under chroot of the rootfs with the bundle's
# environment, as pid 1 with its own /proc (mounted in a private namespace).
native()
{
  unshare --fork --pid --mount-proc="$R/proc" \
    chroot "$R" /usr/bin/env -i "${TEST_ENV[@]}" "$@" </dev/null
}

# in_trustlet CMD...: runs CMD in the bundle; stderr without the lines of
# syscalls glibc's nscd client tries (sockets are another work item).
in_trustlet()
{
  config_args "$B" "$@"
  run --separate-stderr hacher_run "$B" "dyn-$BATS_TEST_NUMBER"
  stderr=$(grep -v "^hacher: unsupported syscall 'socket' (41)$" <<<"$stderr" || true)
}

# same_as_native CMD...: status, stdout and stderr of the trustlet run are
# those of the native run (stderr only when the native one is empty).
same_as_native()
{
  local want want_status=0
  want=$(native "$@") || want_status=$?
  in_trustlet "$@"
  assert_equal "$stderr" ""
  assert_equal "$status" "$want_status"
  assert_output "$want"
}

# shellcheck disable=SC2016 # awk code, expanded by awk
FS_SPECIFIC='/^d/ { $5 = "-" } /^total / { $2 = "-" } { print }'

@test "ls -la /usr/bin (glibc, libselinux, libpcre2)" {
  local want
  # Sizes of directories and blocks are file-system specific (EROFS
  # directories are not 4 KiB, its symlinks take a block).
  want=$(native /bin/ls -la /usr/bin | awk "$FS_SPECIFIC")
  in_trustlet /bin/ls -la /usr/bin
  assert_equal "$stderr" ""
  assert_success
  assert_equal "$(awk "$FS_SPECIFIC" <<<"$output")" "$want"
  assert_line --regexp '^-rwxr-xr-x 1 root root +[0-9]+ .* python3.11$'
}

@test "sort, grep, cat, env" {
  same_as_native /usr/bin/sort /data/words.txt
  same_as_native /usr/bin/sort -r -f -u /data/words.txt
  same_as_native /bin/grep -n -i -E '^(apple|pear)$' /data/words.txt
  same_as_native /bin/grep -c root /etc/passwd
  same_as_native /bin/cat /etc/passwd /data/hello.txt
  same_as_native /usr/bin/env
  # grep's "no match" status
  same_as_native /bin/grep -q nothing-like-this /data/words.txt
  assert_failure 1
}

@test "python3: json, zlib, hashlib (C extension loaded with dlopen)" {
  [[ -x $R/usr/bin/python3 ]] || skip "no python3.11 on the host"
  same_as_native /usr/bin/python3 -B -c 'import json, zlib, hashlib, _hashlib
d = {"crc": zlib.crc32(b"hacher"), "sha": hashlib.sha256(b"hacher").hexdigest(),
     "z": len(zlib.compress(b"a" * 10000)), "ext": _hashlib.__file__}
print(json.dumps(d, sort_keys=True))'
  assert_output --partial '"ext": "/usr/lib/python3.11/lib-dynload/_hashlib'
}

@test "what the loader hands over: auxv, program headers, segment permissions" {
  local f
  for f in glibc musl; do
    same_as_native "/usr/local/bin/dynprog.$f" start
    assert_line "AT_BASE is an ELF header: yes"
    assert_line "AT_ENTRY is _start: yes"
    assert_line "AT_PHDR is the program's: yes"
    assert_line "program text: r-xp"
    assert_line "program rodata: r--p"
    assert_line "libc text: r-xp"
  done
}

@test "dlopen: data, bss, TLS and constructors of a library (ld.so.cache for glibc)" {
  same_as_native /usr/local/bin/dynprog.glibc dlopen libdyntest.so.1
  assert_output "$(printf '%s\n' "data 1234, bss zero yes, constructor ran" "tls: 42 43" "dlclose: 0")"
  same_as_native /usr/local/bin/dynprog.musl dlopen /usr/local/lib/libdyntest-musl.so
  assert_line "tls: 42 43"
}

@test "mmap of files the way ld.so and programs use it" {
  local f
  # a writable root, so the program can open the file write-only (for EACCES)
  config_set "$B" '.root.readonly = false'
  for f in glibc musl; do
    same_as_native "/usr/local/bin/dynprog.$f" mmap /data/two-pages.bin
    assert_line "content: same, tail zero: yes"
    assert_line "fixed placed: yes, neighbours kept: yes, content: same"
    assert_line "fixed perms: rw-p r--p rw-p"
    assert_line "shared content: same"
    assert_line "shared writable of a read-only fd: Permission denied"
    assert_line "write-only fd: Permission denied"
  done
}

@test "futex for one task: EAGAIN, timeouts, wake, wake_op" {
  same_as_native /usr/local/bin/dynprog.glibc futex
  assert_line "waited at least 40 ms: yes"
  assert_line "wake_op: 0, word2 3"
  same_as_native /usr/local/bin/dynprog.musl futex
}

@test "the loader run as the program" {
  same_as_native /lib64/ld-linux-x86-64.so.2 /bin/cat /data/hello.txt
  same_as_native /lib/ld-musl-x86_64.so.1 /usr/local/bin/dynprog.musl start
}

@test "position-independent programs low, the loader high, at random bases" {
  local prog base seen=()
  for _ in 1 2 3; do
    in_trustlet /usr/local/bin/dynprog.glibc addr
    assert_success
    read -r prog base <<<"$output"
    ((prog >= 0x400000 && prog < base)) || fail "program at $prog, loader at $base"
    seen+=("$prog")
  done
  [[ ${seen[0]} != "${seen[1]}" || ${seen[1]} != "${seen[2]}" ]] \
    || fail "the program was loaded at ${seen[0]} three times"
}

# fails_with MESSAGE: the last run failed with exactly MESSAGE on stderr.
fails_with()
{
  assert_equal "$stderr" "$1"
  assert_equal "$status" 1
  assert_equal "$output" ""
  assert_no_state_left
}

@test "a missing interpreter" {
  in_trustlet /usr/local/bin/noloader start
  fails_with 'hacher: exec "/usr/local/bin/noloader": interpreter "/lib/ld-missing.so.2": no such file'
}

@test "an interpreter that is not an ELF file" {
  in_trustlet /usr/local/bin/badloader start
  fails_with 'hacher: exec "/usr/local/bin/badloader": interpreter "/usr/local/lib/notelf.so": not an ELF executable'
}

@test "an interpreter that needs an interpreter" {
  in_trustlet /usr/local/bin/dynloader start
  fails_with 'hacher: exec "/usr/local/bin/dynloader": interpreter "/usr/local/bin/dynprog.glibc": the interpreter itself has an interpreter'
}
