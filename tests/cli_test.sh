#!/usr/bin/env bash
# End-to-end checks of the lmzip command: the habits of gzip/xz/zstd, and every
# error path a user can hit (missing file, permissions, existing output, wrong model,
# truncated and corrupt files, a full disk), each with a non-zero exit, a message
# naming the file, and no partial output left behind.
#   tests/cli_test.sh path/to/lmzip
set -u
LMZIP=$(readlink -f "$1")
MODELS=$(cd "$(dirname "$0")/.." && pwd)/models
DATA=$(cd "$(dirname "$0")" && pwd)/data
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local name=$1; shift; if "$@"; then ok; else bad "$name"; fi; }
# expect_fail NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN on stderr.
expect_fail() {
  local name=$1 pattern=$2; shift 2
  if "$@" >out.txt 2>err.txt; then bad "$name: exit 0"; return; fi
  if grep -q -- "$pattern" err.txt; then ok; else bad "$name: stderr lacks '$pattern': $(cat err.txt)"; fi
}
no_temp_left() { ! ls -a | grep -q '\.tmp'; }

# Sample data: text, binary, empty.
for i in $(seq 1 300); do echo "line $i: the quick brown fox jumps over the lazy dog $((i * i))"; done > text.txt
head -c 20000 /dev/urandom > random.bin
: > empty.txt

# Default: FILE -> FILE.lmz, input removed; -d restores it.
cp text.txt a.txt
check "compress" "$LMZIP" a.txt
check "input removed" test ! -e a.txt
check "output made" test -s a.txt.lmz
check "decompress" "$LMZIP" -d a.txt.lmz
check "round trip" cmp a.txt text.txt
check "lmz removed" test ! -e a.txt.lmz

# -k keeps, -c writes stdout, stdin->stdout, -o names the output.
cp text.txt b.txt
check "keep" "$LMZIP" -k -9 b.txt
check "kept input" test -e b.txt
check "stdout" sh -c "'$LMZIP' -9 -c b.txt > c.lmz && cmp c.lmz b.txt.lmz"
check "pipe" sh -c "cat b.txt | '$LMZIP' -3 | '$LMZIP' -d > piped.txt && cmp piped.txt b.txt"
check "-o" "$LMZIP" -k b.txt -o named.lmz
check "-o decompress" "$LMZIP" -d named.lmz -o named.txt
check "-o round trip" cmp named.txt b.txt
check "empty" sh -c "'$LMZIP' -c empty.txt | '$LMZIP' -d | cmp - empty.txt"
check "random" sh -c "'$LMZIP' -c random.bin | '$LMZIP' -d | cmp - random.bin"
check "combined flags" sh -c "'$LMZIP' -1kc text.txt | '$LMZIP' -dc | cmp - text.txt"
check "threads same bytes" sh -c "'$LMZIP' -c -T1 --chunk-size 1000 text.txt > t1 && '$LMZIP' -c -T2 --chunk-size 1000 text.txt > t2 && cmp t1 t2"
check "test ok" "$LMZIP" -t b.txt.lmz
check "info" sh -c "'$LMZIP' info b.txt.lmz | grep -q 'level 9'"
check "version" sh -c "'$LMZIP' --version | grep -q lmzip"
check "help lists levels" sh -c "'$LMZIP' --help | grep -q -- '-9'"

# Errors.
expect_fail "missing input" "nothere.txt: No such file" "$LMZIP" nothere.txt
check "missing: no output" test ! -e nothere.txt.lmz
cp text.txt exists.txt; echo old > exists.txt.lmz
expect_fail "existing output" "already exists" "$LMZIP" exists.txt
check "existing kept" grep -q old exists.txt.lmz
check "input untouched" cmp exists.txt text.txt
check "force overwrites" "$LMZIP" -f -k exists.txt
expect_fail "wrong suffix" "unknown suffix" "$LMZIP" -d text.txt
expect_fail "not lmz" "not an .lmz file" "$LMZIP" -d -c text.txt
head -c 200 b.txt.lmz > trunc.lmz
expect_fail "truncated" "trunc.lmz: .*truncated" "$LMZIP" -d trunc.lmz
check "truncated: no output" test ! -e trunc
check "truncated: no temp" no_temp_left
cp b.txt.lmz corrupt.lmz
printf '\xff' | dd of=corrupt.lmz bs=1 seek=100 conv=notrunc 2>/dev/null
expect_fail "corrupt" "corrupt.lmz: .*mismatch" "$LMZIP" -d corrupt.lmz
check "corrupt: no output" test ! -e corrupt
check "corrupt: input kept" test -e corrupt.lmz
expect_fail "corrupt -t" "mismatch" "$LMZIP" -t corrupt.lmz
expect_fail "unknown model" "unknown model" "$LMZIP" -k -m nosuchmodel text.txt
expect_fail "bad level" "level" "$LMZIP" --level 12 -k text.txt
expect_fail "directory" "is a directory" "$LMZIP" -c "$work"
expect_fail "disk full" "No space left" sh -c "'$LMZIP' -c text.txt > /dev/full"
if [ "$(id -u)" != 0 ]; then
  cp text.txt locked.txt; chmod 000 locked.txt
  expect_fail "permission" "Permission denied" "$LMZIP" locked.txt
fi
mkdir ro && cp text.txt ro/x.txt && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
  expect_fail "read-only dir" "x.txt.lmz" "$LMZIP" ro/x.txt
  check "read-only: input kept" test -e ro/x.txt
fi

# Priming on images as the bench codes them, then coding with the primed state.
check "prime --images" "$LMZIP" prime -l 1 --images "$DATA/bench" -o img.lmzw
check "primed round trip" sh -c "'$LMZIP' -1 -c -m img.lmzw text.txt > p.lmz && '$LMZIP' -dc -m img.lmzw p.lmz | cmp - text.txt"
expect_fail "prime: files and --images" "one of" "$LMZIP" prime --images "$DATA/bench" -o x.lmzw text.txt
expect_fail "prime: skip everything" "no corpus bytes" "$LMZIP" prime --skip 100000000 -o y.lmzw text.txt
expect_fail "prime: not a size" "not a size" "$LMZIP" prime --max-bytes 1m -o y.lmzw text.txt
# An existing output is named once: "lmzip prime: img.lmzw: already exists".
expect_fail "prime: existing output" "prime: img.lmzw: already exists" "$LMZIP" prime -l 1 -o img.lmzw text.txt
expect_fail "bench: not a size" "not a size" "$LMZIP" bench -q --random 4q --codecs gzip
expect_fail "chunk size: not a size" "not a size" "$LMZIP" --chunk-size 4q -c text.txt
check "chunk size 1Ki" sh -c "'$LMZIP' -1 -c --chunk-size 1Ki text.txt > k.lmz && '$LMZIP' info k.lmz | grep -q 1024 && '$LMZIP' -dc k.lmz | cmp - text.txt"

# Transformers: alone and mixed with cm; decoding needs the same weights file.
if [ -f "$MODELS/tf-200k.gguf" ]; then
  head -c 1500 text.txt > short.txt
  check "tf round trip" sh -c "'$LMZIP' -c -m '$MODELS/tf-200k.gguf' short.txt > tf.lmz && '$LMZIP' -dc -m '$MODELS/tf-200k.gguf' tf.lmz | cmp - short.txt"
  check "cm+tf round trip" sh -c "'$LMZIP' -2 -c -m 'cm+$MODELS/tf-200k.gguf' short.txt > mix.lmz && '$LMZIP' -dc -m 'cm+$MODELS/tf-200k.gguf' mix.lmz | cmp - short.txt"
  check "cm+tf info" sh -c "'$LMZIP' info mix.lmz | grep -q 'cm+tf level 2'"
  expect_fail "cm+tf without weights" "cm+FILE.gguf" "$LMZIP" -dc mix.lmz
  expect_fail "cm+tf wrong weights" "hash" "$LMZIP" -dc -m "cm+$MODELS/tf-800k.gguf" mix.lmz
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
