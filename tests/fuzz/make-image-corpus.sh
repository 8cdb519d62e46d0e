#!/bin/sh
# Regenerate the whole-image fuzz seeds (EROFS + dm-verity tree) with
# `hacher image build`: small trees, so the images stay a few KiB.
# Usage: tests/fuzz/make-image-corpus.sh [HACHER] [OUT]
set -eu

hacher=${1:-build/hacher}
out=${2:-$(dirname "$0")/corpus/image}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t=$tmp/tree
mkdir -p "$t/dir/sub" "$t/empty"
printf hello >"$t/small"
awk 'BEGIN { for (i = 0; i < 500; i++) printf "line %04d\n", i }' >"$t/dir/tail"
printf 'deep\n' >"$t/dir/sub/deep"
ln -s dir/sub/deep "$t/rel"
ln "$t/small" "$t/dir/hard"
touch -d '2020-01-01 00:00:00' "$t" "$t/dir" "$t/dir/sub" "$t/empty" "$t/small" "$t/dir/tail" "$t/dir/sub/deep"
"$hacher" image build -o "$out/small.img" "$t" >/dev/null

t2=$tmp/one
mkdir -p "$t2"
printf x >"$t2/x"
touch -d '2020-01-01 00:00:00' "$t2" "$t2/x"
"$hacher" image build -o "$out/one-file.img" "$t2" >/dev/null
