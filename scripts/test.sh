#!/usr/bin/env bash
# Installs the Debian packages, builds everything (Release) and runs the whole test suite.
# This is the README's test command; .ci/run calls exactly it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2
