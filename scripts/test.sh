#!/usr/bin/env bash
# Sets up a fresh machine, builds, and runs the test suite (the command README.md
# gives and .ci/run runs). Tests labelled "slow" (the 4 GiB stream) are left out;
# run them with: ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE slow
