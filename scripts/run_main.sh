#!/usr/bin/env bash
# The main job: installs what is missing, builds tunas_search (Release) and runs the default
# search — Fashion-MNIST (Debian's dataset-fashion-mnist), proxylessnas_search in the proxy
# configuration, latency target 84 ms on the simulated Pixel-1 model. Extra arguments go to
# tunas_search (e.g. --seed 2 --out runs/seed2). The exported architecture ends up in
# <out>/final_architecture.json (default out: runs/main).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --with-dataset
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j2 --target tunas_search tunas_arch
cmake --build build -j2 --target tunas_report
out=runs/main
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  if [[ "${args[$i]}" == "--out" ]]; then out="${args[$((i + 1))]}"; fi
  if [[ "${args[$i]}" == --out=* ]]; then out="${args[$i]#--out=}"; fi
done
if [[ -f "$out/checkpoint.bin" && ! " ${args[*]-} " =~ " --resume " ]]; then
  echo "run_main.sh: $out already holds a run; moving it to $out.previous" >&2
  rm -rf "$out.previous" && mv "$out" "$out.previous"
fi
build/bin/tunas_search --config search/configs/fashion_mnist_default.yaml --out "$out" "$@"
echo "exported architecture: $out/final_architecture.json"
build/bin/tunas_report "$out"  # $out/report.html; tensorboard --logdir runs/ reads the event files
