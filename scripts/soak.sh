#!/usr/bin/env bash
# Soak: a long tunas_search (default: the Fashion-MNIST proxy search of proxylessnas_search,
# 1 thread) with resident memory and the supernet arena's high-water mark sampled every
# minute. Writes DIR/soak.csv and DIR/soak.svg (updated every minute, so a stopped soak
# keeps its figures). Usage: scripts/soak.sh MINUTES [DIR] [tunas_search flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:?usage: scripts/soak.sh MINUTES [DIR] [tunas_search flags...]}
dir=${2:-runs/soak}
shift $(( $# >= 2 ? 2 : 1 ))
cmake --build build --target soak_search >/dev/null
rm -rf "$dir/run"
mkdir -p "$dir"
exec nice -n 19 build/bin/soak_search "$minutes" "$dir/run" "$dir/soak.csv" "$dir/soak.svg" "$@"
