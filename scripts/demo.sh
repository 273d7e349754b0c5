#!/usr/bin/env bash
# Sets up a fresh machine, builds lmzip, compresses and decompresses a bundled
# sample, then runs the default bench on the bundled corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench
scripts/build.sh
scripts/setup-corpora.sh
sample=corpora/text/moby-dick.txt
mkdir -p demo-out
cp "$sample" demo-out/sample.txt
echo "== lmzip -9 on $(basename "$sample")"
build/lmzip -9 -v -f demo-out/sample.txt
build/lmzip info demo-out/sample.txt.lmz
echo "== lmzip -d"
build/lmzip -d -v -f demo-out/sample.txt.lmz
cmp demo-out/sample.txt "$sample" && echo "round trip: identical bytes"
echo "== lmzip bench"
build/lmzip bench --out demo-out/bench --plot
