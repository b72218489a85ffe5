#!/usr/bin/env bash
# The data benchmark of benchmarks/RESULTS.md ("Image folders at 224"): ours (1 and 2
# threads, and the wait for data inside a 224 supernet step) and PyTorch's DataLoader +
# torchvision on the same generated JPEG folder.
#   benchmarks/data/run_bench.sh [FOLDER]     (BUILD=build by default; run from the repo root)
set -euo pipefail
build=${BUILD:-build}
dir=${1:-/tmp/tunas_bench_images}
[ -d "$dir/train" ] || "$build/bin/tunas_bench_image_data" --make-folder "$dir" --images 512
"$build/bin/tunas_bench_image_data" --dir "$dir" --steps 3 --step-batch 16 --json bench_image_data.json
# torch from PyPI pulls its CUDA libraries (about 3.5 GB with them); exit 3 = PyPI unreachable.
if py=$(scripts/dev_venv.sh torchvision torch torchvision pillow); then
  "$py" benchmarks/data/bench_torch_loader.py "$dir" --json bench_torch_loader.json
else
  echo "skipped: the torch venv could not be made (PyPI unreachable?)"
fi
