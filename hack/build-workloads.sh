#!/usr/bin/env bash
# build-workloads.sh BUILD [NAME...]: the acceptance workloads' root file
# systems, BUILD/workloads/NAME/rootfs for NAME in busybox-sh, coreutils,
# python, go, node (default: all), made from this machine's installed Debian
# packages and tests/workloads/. No downloads: hack/install-deps.sh installs
# the packages.
#
# Deterministic: files keep their package mtimes, everything the script makes
# gets a fixed one, and the Go build is reproducible; so the trustlet image
# of a rootfs only changes when its inputs do. Incremental: a rootfs is
# rebuilt only when its stamp (this script, the workload sources, the versions
# of the packages it copies from) changed. Prints one line per rootfs built.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD [busybox-sh|coreutils|python|go|node]..." >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "$1")
shift
names=("$@")
((${#names[@]} > 0)) || names=(busybox-sh coreutils python go node)
src=$root/tests/workloads
# The fixed mtime of everything this script creates (2024-01-01).
EPOCH=1704067200
# Debian's own interpreter: `python3` on PATH may be another installation.
PYTHON=/usr/bin/python3.11
MULTIARCH=x86_64-linux-gnu

die()
{
  echo "build-workloads: $*" >&2
  exit 1
}

# Global: the rootfs being filled.
R=

# add_path PATH...: copies PATH into R at its canonical directory (Debian
# merges /bin, /lib, /lib64, /sbin into /usr; R gets the same symlinks), keeping
# symlinks, modes and mtimes; follows symlinks to their targets, and adds the
# shared libraries of dynamically linked ELF files.
add_path()
{
  local p dir base real
  for p in "$@"; do
    [[ -e $p || -L $p ]] || die "missing on this machine: $p"
    dir=$(realpath -e "$(dirname "$p")")
    base=$(basename "$p")
    [[ -e $R$dir/$base || -L $R$dir/$base ]] && continue
    mkdir -p "$R$dir"
    cp -a "$dir/$base" "$R$dir/$base"
    if [[ -L $dir/$base ]]; then
      real=$(readlink "$dir/$base")
      [[ $real == /* ]] || real=$dir/$real
      add_path "$real"
    elif [[ -f $dir/$base && -x $dir/$base || $base == *.so* ]]; then
      add_libs "$dir/$base"
    fi
  done
}

# add_libs FILE: the shared libraries FILE needs (ldd, which also lists the
# dynamic loader), nothing for static or non-ELF files.
add_libs()
{
  local libs
  [[ $(head -c 4 "$1" | od -An -c | tr -d ' ') == 177ELF ]] || return 0
  mapfile -t libs < <(ldd "$1" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' \
    -e 's/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
  ((${#libs[@]} == 0)) || add_path "${libs[@]}"
}

# add_package PKG [EXCLUDE-REGEX]: every file and symlink dpkg installed for
# PKG (directories come with their contents), less paths matching EXCLUDE and
# the documentation.
add_package()
{
  local pkg=$1 exclude=${2:-^$} p
  while IFS= read -r p; do
    [[ $p == /* ]] || continue
    [[ $p =~ ^/usr/share/(doc|man|info|lintian|locale|bug)/ ]] && continue
    [[ $p =~ $exclude ]] && continue
    [[ -d $p && ! -L $p ]] && continue
    add_path "$p"
  done < <(dpkg -L "$pkg")
}

# base_etc: the merged-/usr top-level symlinks and the /etc files the
# programs read (users and groups for ls -l and getpwuid, name service
# configuration, the loader cache), plus /tmp.
base_etc()
{
  local d
  mkdir -p "$R"/{dev,proc,sys,etc,tmp,root,usr/bin,usr/lib,usr/lib64,usr/sbin}
  chmod 1777 "$R/tmp"
  for d in bin lib lib64 sbin; do
    [[ -e $R/$d ]] || ln -s "usr/$d" "$R/$d"
  done
  cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  cat >"$R/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$R/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$R/etc/hosts"
}

# finish: the loader cache for dynamically linked rootfs, then the fixed
# mtime on everything created now (copied files keep their package mtime).
finish()
{
  local stamp=$1
  if [[ -L $R/usr/lib64/ld-linux-x86-64.so.2 || -e $R/usr/lib64/ld-linux-x86-64.so.2 ]]; then
    printf '/usr/lib/%s\n/usr/local/lib\n' "$MULTIARCH" >"$R/etc/ld.so.conf"
    # -X: no soname symlinks beyond those the packages ship.
    ldconfig -X -r "$R"
  fi
  find "$R" -newer "$stamp.start" -exec touch -h -d "@$EPOCH" {} +
}

# pkg_versions PKG...: "name version" lines, for the stamps.
pkg_versions()
{
  dpkg-query -W -f='${Package} ${Version}\n' "$@"
}

# build NAME INPUT-TEXT: runs fill_NAME into a fresh rootfs unless the stamp
# matches INPUT-TEXT's hash.
build()
{
  local name=$1 inputs=$2 dir=$build/workloads/$1 want
  want=$( (
    cat "$0"
    printf '%s\n' "$inputs"
  ) | sha256sum | cut -d' ' -f1)
  if [[ -d $dir/rootfs && -f $dir/stamp && $(cat "$dir/stamp") == "$want" ]]; then
    return 0
  fi
  rm -rf "$dir/rootfs.new"
  mkdir -p "$dir/rootfs.new"
  : >"$dir/stamp.start"
  touch -d '-2 seconds' "$dir/stamp.start"
  R=$dir/rootfs.new
  base_etc
  "fill_${name//-/_}" "$dir"
  finish "$dir/stamp"
  rm -rf "$dir/rootfs" "$dir/stamp.start"
  mv "$dir/rootfs.new" "$dir/rootfs"
  echo "$want" >"$dir/stamp"
  echo "build-workloads: $name: $(du -sh --apparent-size "$dir/rootfs" | cut -f1)B in" \
    "$(find "$dir/rootfs" | wc -l) entries"
}

add_busybox_applets()
{
  local applet
  mkdir -p "$R/usr/bin"
  cp -a /bin/busybox "$R/usr/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox || -e $R/usr/bin/$applet ]] || ln -s busybox "$R/usr/bin/$applet"
  done
}

# 1 and 5: busybox (static) and the shell script.
fill_busybox_sh()
{
  add_busybox_applets
  mkdir -p "$R/opt/workload"
  cp "$src/shell.sh" "$R/opt/workload/shell.sh"
}

# 2: Debian's dynamically linked coreutils and grep, with dash as /bin/sh.
fill_coreutils()
{
  add_package coreutils
  add_package grep
  add_package dash
  add_path /bin/sh
}

# 3: CPython 3.11 and the part of its standard library a service uses; echo
# from coreutils for subprocess.
fill_python()
{
  local lib=/usr/lib/python3.11 f
  add_path "$PYTHON" /usr/bin/echo
  ln -s python3.11 "$R/usr/bin/python3"
  mkdir -p "$R$lib"
  # Tests, GUI, IDE and packaging tools are left out; compiled .pyc files stay
  # (the image is read-only, so nothing could write them later).
  tar -C "$lib" -cf - --exclude=./test --exclude=./idlelib --exclude=./tkinter \
    --exclude=./turtledemo --exclude=./ensurepip --exclude=./lib2to3 \
    --exclude=./pydoc_data --exclude='./config-3.11-*' --exclude=./lib-dynload \
    --exclude=./unittest/test --exclude=./turtle.py . | tar -C "$R$lib" -xf -
  mkdir -p "$R$lib/lib-dynload"
  for f in "$lib"/lib-dynload/*.so; do
    case $(basename "$f") in
      _test* | _xx* | xx* | _ctypes_test* | _tkinter* | _curses* | readline* | nis* | ossaudiodev*) ;;
      *) add_path "$f" ;;
    esac
  done
  # site.py imports sitecustomize, a symlink into /etc.
  add_path /etc/python3.11/sitecustomize.py
  mkdir -p "$R/opt/workload"
  cp "$src/workload.py" "$R/opt/workload/workload.py"
}

# 4: the Go program, built static and offline with Debian's golang-go; busybox
# provides `echo` for os/exec.
fill_go()
{
  local dir=$1
  mkdir -p "$dir/gocache" "$dir/gopath" "$R/opt/workload"
  (
    cd "$src/go"
    env CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
      GOCACHE="$dir/gocache" GOPATH="$dir/gopath" \
      /usr/bin/go build -trimpath -buildvcs=false -ldflags='-s -w' \
      -o "$R/opt/workload/workload" .
  )
  add_busybox_applets
}

# 6: Node.js as installed: Debian's nodejs 18 where hack/install-deps.sh
# installed it, or whatever package already provides /usr/bin/node.
fill_node()
{
  add_path /usr/bin/node
  mkdir -p "$R/opt/workload"
  cp "$src/workload.js" "$R/opt/workload/workload.js"
}

for name in "${names[@]}"; do
  case $name in
    busybox-sh) build "$name" "$(cat "$src/shell.sh"; pkg_versions busybox-static)" ;;
    coreutils) build "$name" "$(pkg_versions coreutils grep dash libc6 libselinux1 libpcre2-8-0 libacl1 libattr1 libgmp10)" ;;
    python) build "$name" "$(cat "$src/workload.py"; pkg_versions python3.11 python3.11-minimal libpython3.11-stdlib libpython3.11-minimal libc6 libsqlite3-0 libssl3)" ;;
    go) build "$name" "$(cat "$src/go/go.mod" "$src/go/main.go"; pkg_versions golang-go busybox-static)" ;;
    node) build "$name" "$(cat "$src/workload.js"; pkg_versions nodejs libc6 libstdc++6)" ;;
    *) die "unknown workload \"$name\"" ;;
  esac
done
