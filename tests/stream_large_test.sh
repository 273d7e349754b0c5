#!/usr/bin/env bash
# Streams a generated input of more than 4 GiB through compression and
# decompression (pipes both ways, fastest model) and checks that the bytes come back
# and that memory stays bounded. Labelled "slow": ctest --test-dir build -L slow
#   tests/stream_large_test.sh path/to/lmzip [bytes]
set -eu
LMZIP=$(readlink -f "$1")
size=${2:-4600000000}          # past 4 GiB, so 32-bit sizes would wrap
limit_kb=${LMZIP_STREAM_RSS_LIMIT_KB:-300000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen() { yes "lmzip streams inputs larger than memory, chunk by chunk; line" | head -c "$size"; }
want=$(gen | sha256sum | cut -d' ' -f1)
gen | /usr/bin/time -f %M -o "$work/c.rss" "$LMZIP" -m order0 -1 -T2 -c > "$work/big.lmz"
[ "${PIPESTATUS[1]}" = 0 ] || { echo "FAIL: compression failed"; exit 1; }
/usr/bin/time -f %M -o "$work/d.rss" "$LMZIP" -d -T2 -c "$work/big.lmz" | sha256sum > "$work/d.sum"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: decompression failed"; exit 1; }
got=$(cut -d' ' -f1 "$work/d.sum")
"$LMZIP" info "$work/big.lmz" | grep -q "original size   $size bytes"
c_rss=$(cat "$work/c.rss"); d_rss=$(cat "$work/d.rss")
echo "input $size bytes -> $(stat -c %s "$work/big.lmz") bytes; peak RSS compress ${c_rss} kB, decompress ${d_rss} kB (limit ${limit_kb} kB)"
[ "$want" = "$got" ] || { echo "FAIL: output differs"; exit 1; }
[ "$c_rss" -lt "$limit_kb" ] || { echo "FAIL: compress memory ${c_rss} kB"; exit 1; }
[ "$d_rss" -lt "$limit_kb" ] || { echo "FAIL: decompress memory ${d_rss} kB"; exit 1; }
echo "stream: 1 passed, 0 failed"
