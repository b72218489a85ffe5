#!/usr/bin/env bash
# Regenerates the latency lookup table of the default proxy search and its validation
# (docs/lut_validation.md): profile -> validate (+ fitted correction) -> short lut search ->
# measure the exported architecture. Usage: scripts/lut_validation.sh [build dir] [search steps]
# (search steps default: 0 = the default search's full length, 1200 steps, ~10 min on 2 cores)
# Timings depend on the machine and its load: run it on a quiet machine for final figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-lut}
STEPS=${2:-0}
TABLE=docs/lut_proxylessnas_proxy.json
# The network of the default search (search/configs/fashion_mnist_default.yaml): 32x32x1,
# 10 classes, width 0.5, the stem at stride 1 (proxy_layers 1).
NET=(--resolution 32 --input-channels 1 --classes 10 --width-multiplier 0.5 --proxy --proxy-layers 1)

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target tunas_profile tunas_search tunas_arch
BIN=$BUILD/bin
mkdir -p docs/results

# 1. Per-layer table (batch 1, 1 thread), each layer timed inside sampled whole networks
#    (in_network; every configuration in >= 4 networks, 3 rounds of 3 warm-up + 10 timed runs).
rm -f "$TABLE"
"$BIN/tunas_profile" profile --space proxylessnas_search "${NET[@]}" --batch 1 --threads 1 \
  --method in_network --contexts 4 --rounds 3 --warmup 3 --repeats 10 --out "$TABLE"

# 2. 120 uniformly sampled architectures end to end with the same runner; the fitted
#    scale + offset is written into the table (the lut cost model applies it).
"$BIN/tunas_profile" validate --space proxylessnas_search --lut "$TABLE" --num 120 --seed 0 \
  --warmup 3 --repeats 10 --rounds 5 --json docs/results/lut_validation.json \
  --svg docs/lut_validation.svg --write-correction

# The cost model from the command line (corrected prediction of one sampled architecture).
"$BIN/tunas_arch" sample --space proxylessnas_search "${NET[@]}" --cost-model lut \
  --lut "$TABLE" --num 3 --min-cost 0 --max-cost 100 --seed 1

# 3. A short search against the table, target = median measured latency of the samples.
TARGET=$(python3 -c "import json,statistics; d=json.load(open('docs/results/lut_validation.json')); print(round(statistics.median(a['measured_median_ms'] for a in d['architectures']),3))")
RUN=${LUT_SEARCH_OUT:-/tmp/tunas_lut_search}
rm -rf "$RUN"
STEP_FLAGS=(); [[ "$STEPS" -gt 0 ]] && STEP_FLAGS=(--steps "$STEPS")
"$BIN/tunas_search" --config search/configs/fashion_mnist_default.yaml \
  --cost-model lut --lut "$TABLE" --target-ms "$TARGET" "${STEP_FLAGS[@]}" --out "$RUN" --threads "${LUT_SEARCH_THREADS:-2}"
IDX=$(python3 -c "import json; print(json.load(open('$RUN/final_architecture.json'))['indices'])")
echo "target $TARGET ms; exported $IDX"
"$BIN/tunas_profile" measure --space proxylessnas_search --lut "$TABLE" --indices "$IDX" \
  --warmup 10 --repeats 100 | tee docs/results/lut_search_measure.json
