#!/usr/bin/env bash
# Evidence for the default search (README main job), rerunnable by anyone:
#   three seeds of proxylessnas_search (target 84 ms) and three of mobilenet_v3_like_search
#   (target 57 ms), each the default Fashion-MNIST proxy search; then a summary table and an
#   SVG plot of mean sampled latency and argmax latency over steps (docs/search_evidence*.svg,
#   docs/results/search_evidence.json). Finished runs are skipped, so it can be resumed.
# Usage: experiments/search_evidence.sh [runs-root] [extra tunas_search flags...]
# Environment: BUILD_DIR (default build), THREADS (0 = all), SPACES, SEEDS.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-runs/evidence}"
shift || true
build="${BUILD_DIR:-build}"
threads="${THREADS:-0}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target tunas_search > /dev/null
config_of() {
  case "$1" in
    mobilenet_v3_like_search) echo search/configs/fashion_mnist_v3.yaml ;;
    *) echo search/configs/fashion_mnist_default.yaml ;;
  esac
}
run() {  # space seed [extra flags]
  local space="$1" seed="$2"
  shift 2
  local out="$root/$space/seed$seed"
  if [[ -f "$out/final_architecture.json" && ! -f "$out/.running" ]]; then
    echo "skip $out (done)"; return
  fi
  mkdir -p "$out"; touch "$out/.running"
  local resume=()
  [[ -f "$out/checkpoint.bin" ]] && resume=(--resume)
  local start=$(date +%s)
  "$build/bin/tunas_search" --config "$(config_of "$space")" --space "$space" --seed "$seed" \
    --threads "$threads" --out "$out" ${resume[@]+"${resume[@]}"} "$@" 2> "$out/stderr.log"
  echo $(( $(date +%s) - start )) > "$out/wall_seconds"
  rm -f "$out/.running"
  echo "done $out in $(cat "$out/wall_seconds") s"
}
# SPACES / SEEDS select a subset (e.g. to run two halves side by side with THREADS=1).
for space in ${SPACES:-proxylessnas_search mobilenet_v3_like_search}; do
  for seed in ${SEEDS:-1 2 3}; do run "$space" "$seed" "$@"; done
done
python3 experiments/summarize_searches.py "$root" --out docs/results/search_evidence.json \
  --svg docs/search_evidence.svg
