#!/usr/bin/env bash
# Installs what lmzip needs to build, test and bench, from Debian's packages.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
#   scripts/install-deps.sh           what the build and the tests need
#   scripts/install-deps.sh --bench   also the sample corpora's packages and peers
#   scripts/install-deps.sh --train   also libtorch-dev (about 1 GB), for lmzip-train
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  zlib1g-dev liblzma-dev libzstd-dev libbrotli-dev libbz2-dev libpng-dev libjpeg-dev
  libflac-dev libsndfile1-dev libxxhash-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsentencepiece-dev gnuplot-nox time qemu-user
)
for arg in "$@"; do
  case "$arg" in
    --bench)
      packages+=(xz-utils zstd brotli bzip2 zpaq pocketsphinx-testdata python3-skimage)
      # npm fetches the text and photo corpora; a Node.js from elsewhere already has it.
      command -v npm >/dev/null || packages+=(npm)
      ;;
    --train) packages+=(libtorch-dev) ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
