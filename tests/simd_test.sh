#!/usr/bin/env bash
# The code must not depend on the CPU's SIMD level: files made on this CPU (AVX2 or
# better) decode on a CPU with only SSE2, and that CPU encodes the very same bytes.
# The older CPUs are emulated by qemu-user, whose CPUID makes lmzip's run-time
# dispatch take the baseline code paths.
#   tests/simd_test.sh path/to/lmzip DATA_FILE...   (the files are concatenated)
set -u
LMZIP=$(readlink -f "$1"); shift
command -v qemu-x86_64 >/dev/null || { echo "qemu-x86_64 not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
cat "$@" > "$data"
pass=0; fail=0
for cpu in qemu64 Nehalem; do
  for model in "-m cm -1" "-m cm -6" "-m cm -9" "-m order0"; do
    "$LMZIP" $model -c "$data" > "$work/host.lmz"
    qemu-x86_64 -cpu "$cpu" "$LMZIP" $model -c "$data" > "$work/old.lmz"
    if cmp -s "$work/host.lmz" "$work/old.lmz" &&
       qemu-x86_64 -cpu "$cpu" "$LMZIP" -d -c "$work/host.lmz" | cmp -s - "$data"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1)); echo "FAIL: $model on $cpu"
    fi
  done
done
echo "simd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
