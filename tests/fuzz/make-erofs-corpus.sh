#!/bin/sh
# Regenerate the EROFS fuzz seeds: tiny trees built by mkfs.erofs with fixed
# time, UUID and ownership so the images are byte-for-byte reproducible.
set -eu

out=${1:-$(dirname "$0")/corpus/erofs}
command -v mkfs.erofs >/dev/null || { echo "mkfs.erofs not found (install erofs-utils)" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t=$tmp/tree
mkdir -p "$t/dir/sub" "$t/empty"
: >"$t/zero"
printf hello >"$t/small"
# 5000 bytes: one full block plus a tail (inline unless noinline_data).
awk 'BEGIN { for (i = 0; i < 500; i++) printf "line %04d\n", i }' >"$t/dir/tail"
printf 'deep\n' >"$t/dir/sub/deep"
# Many entries, mostly empty so noinline_data images stay small.
i=0
while [ $i -lt 40 ]; do
  if [ $i -lt 3 ]; then printf '%s' "$i" >"$t/dir/f$i"; else : >"$t/dir/f$i"; fi
  i=$((i + 1))
done
ln -s dir/sub/deep "$t/rel"
ln -s /abs/target "$t/abs"
ln "$t/small" "$t/dir/hard"
mkfifo "$t/fifo"
chmod 0755 "$t" "$t/dir" "$t/dir/sub" "$t/empty"
chmod 04755 "$t/small"
find "$t" -type f -exec touch -h -d @0 {} +

common="-T0 -U 00000000-0000-0000-0000-000000000000 --all-root --quiet"
# shellcheck disable=SC2086
mkfs.erofs $common "$out/inline.img" "$t"
# shellcheck disable=SC2086
mkfs.erofs $common -Enoinline_data -Eforce-inode-extended "$out/plain-extended.img" "$t"

# Chunk-based: a sparse file whose holes are not stored.
c=$tmp/chunk
mkdir -p "$c"
printf start >"$c/sparse"
printf end | dd of="$c/sparse" bs=1 seek=40000 conv=notrunc status=none
printf 'abc' >"$c/small"
chmod 0755 "$c"
# shellcheck disable=SC2086
mkfs.erofs $common --chunksize=4096 "$out/chunked.img" "$c"
# Chunk indexes (8-byte) pointing into a separate blob device.
# shellcheck disable=SC2086
mkfs.erofs $common --chunksize=4096 --blobdev="$tmp/blob" "$out/blobdev.img" "$c"
ls -l "$out"
