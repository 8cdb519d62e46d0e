#!/usr/bin/env bash
# copy-with-libs.sh ROOT PATH...: copies host files (or whole directories)
# into the rootfs ROOT at the same paths, with the shared libraries and the
# loader every ELF among them needs (from ldd), then writes ROOT's
# /etc/ld.so.cache with `ldconfig -r ROOT`. Symlinks on the way (merged /usr,
# /lib64/ld-linux-x86-64.so.2) are recreated as symlinks, so the rootfs
# resolves names the way the host does. Never writes outside ROOT.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 ROOT PATH..." >&2
  exit 2
fi
mkdir -p "$1"
root=$(realpath "$1")
shift

# copy_name P: the entry P (not followed), its parent directories and, for a
# symlink, what it points to. Entries go to ROOT + the canonical path of their
# parent, so nothing is ever written through a symlink.
copy_name()
{
  local p=$1 dir base real dst
  [[ $p == /* ]] || p=$PWD/$p
  [[ $p == / ]] && return
  dir=$(dirname "$p")
  base=$(basename "$p")
  copy_name "$dir"
  real=$(realpath "$dir")
  dst=$root${real%/}/$base
  [[ -e $dst || -L $dst ]] && return
  if [[ -L $p ]]; then
    local target
    target=$(readlink "$p")
    ln -s "$target" "$dst"
    [[ $target == /* ]] || target=$real/$target
    copy_name "$target"
  elif [[ -d $p ]]; then
    mkdir -p "$dst"
    chmod --reference="$p" "$dst"
  else
    cp -p "$p" "$dst"
  fi
}

# copy_libs FILE: the interpreter and libraries of an ELF file, if any. glibc's
# ldd cannot list a musl program's libraries; musl's loader does (--list).
copy_libs()
{
  local lib interp list=(ldd)
  head -c 4 "$1" 2>/dev/null | grep -q $'^\x7fELF' || return 0
  interp=$(readelf -lW "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \([^]]*\)].*/\1/p')
  [[ -n $interp ]] && copy_name "$interp"
  [[ $interp == *ld-musl* ]] && list=("$interp" --list)
  while read -r lib; do
    copy_name "$lib"
  done < <("${list[@]}" "$1" 2>/dev/null | sed -n 's|.*=> \(/[^ ]*\) (.*|\1|p; s|^[[:space:]]*\(/[^ ]*\) (.*|\1|p')
}

for p in "$@"; do
  if [[ -d $p && ! -L $p ]]; then
    # A whole directory (symlinks inside stay symlinks), then the libraries
    # of every ELF below it.
    copy_name "$p"
    cp -a "$p/." "$root$(realpath "$p")/"
    while read -r f; do
      copy_libs "$f"
    done < <(find "$p" -type f \( -name '*.so*' -o -perm -u+x \))
  else
    copy_name "$p"
    copy_libs "$(realpath "$p")"
  fi
done

mkdir -p "$root/etc"
if [[ -e /etc/ld.so.conf && ! -e $root/etc/ld.so.conf ]]; then
  copy_name /etc/ld.so.conf
  [[ -d /etc/ld.so.conf.d ]] && copy_name /etc/ld.so.conf.d && cp -p /etc/ld.so.conf.d/*.conf "$root/etc/ld.so.conf.d/" 2>/dev/null
fi
ldconfig -r "$root"
