#!/usr/bin/env bash
# Inference of one exported model: ONNX Runtime (CPU) beside the engine's own path
# (preprocessing + Supernet::evaluate), batch 1 and 32, 1 and 2 threads; a markdown table on
# stdout (benchmarks/RESULTS.md, "ONNX export: inference"). Weights are random (timing does
# not depend on them); the architecture is the default search's at the Fashion-MNIST
# proxy setting (28x28x1 raw input padded to 32, the stem and first stride-2 block at
# stride 1), as tunas_train builds it.
#   benchmarks/onnx/run_onnx_bench.sh [BUILD_DIR] [SECONDS_PER_ROW]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$src/build}/bin
seconds=${2:-3}
py=$("$src/scripts/dev_venv.sh" onnxrt onnxruntime numpy)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The architecture the default search found (docs/results/search_evidence.json,
# proxylessnas_search seed 1, 83.9 ms).
arch="0:1:0:1:1:0:0:0:1:0:0:0:1:0:1:0:2:1:0:2:0:0:0:0:1:2:1:0:0:2:0:0:0:1:0:1:0:0:1:0:1:0:0:0:0:0:0:0:1:0:0:2:1:0:0:0:0:0:0:0:1:0:0:1:0:0:1:0:2:0:0:0:0"
{
  "$bin/tunas_onnx_reference" random --space proxylessnas_search --indices "$arch" --seed 1 \
    --images 32 --out "$work/model" --bench-seconds "$seconds" | grep '^{'
  "$py" "$src/benchmarks/onnx/bench_ort.py" "$work/model" --seconds "$seconds"
} > "$work/rows.jsonl"
"$py" - "$work/rows.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| runtime | threads | batch | ms / batch | images / s |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['runtime']} | {r['threads']} | {r['batch']} | {r['ms_per_batch']:.2f} | {r['images_per_second']:.0f} |")
PY
