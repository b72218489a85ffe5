#!/usr/bin/env bash
# ONNX Runtime against the engine's own inference (ctest: onnx_export_ort_random,
# onnx_export_ort_trained). Needs the dev venv (scripts/dev_venv.sh onnxrt onnxruntime numpy);
# when PyPI cannot be reached it prints "skipped: ..." and passes.
#   run_onnx_check.sh random  SOURCE_DIR BIN_DIR
#       uniformly drawn architectures of the three TuNAS spaces and a user YAML space with
#       random weights and BN statistics; pad, bilinear resize and grey -> RGB inputs.
#   run_onnx_check.sh trained SOURCE_DIR BIN_DIR
#       a short tunas_train of the default search's architecture on Fashion-MNIST (on
#       synthetic data when it is not installed): ORT top-1 on the whole test set must equal
#       tunas_train's, and every test image's logits must agree within 1e-4.
#   run_onnx_check.sh search  SOURCE_DIR BIN_DIR
#       tunas_arch export --run DIR --onnx of a tiny search run: the same file as tunas_arch
#       onnx on its weights, and ORT's logits on the test images equal the engine's.
set -euo pipefail
mode=$1 src=$2 bin=$3
rc=0
py=$("$src/scripts/dev_venv.sh" onnxrt onnxruntime numpy) || rc=$?
if [ $rc -eq 3 ]; then echo "skipped: PyPI unreachable, no onnxruntime venv"; exit 0; fi
if [ $rc -ne 0 ]; then echo "dev_venv.sh failed ($rc)"; exit 1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check="$py $src/tests/onnx_export/check_onnx.py"
ref=$bin/tunas_onnx_reference

if [ "$mode" = random ]; then
  dirs=()
  run() { local d=$work/$1; shift; "$ref" random --out "$d" "$@"; dirs+=("$d"); }
  for space in proxylessnas_search proxylessnas_enlarged_search mobilenet_v3_like_search; do
    run "$space" --space "$space" --seed 1 --images 8
  done
  for seed in 1 2; do
    run "user-$seed" --space "$src/tests/onnx_export/onnx_user_space.yaml" --seed $seed \
      --shape 30x30x3 --resolution 30 --classes 7 --proxy 0 --images 8
  done
  # bilinear up-sampling with grey -> RGB, and bilinear down-sampling of a non-square image
  run up --space mobilenet_v3_like_search --seed 3 --shape 28x28x1 --resolution 40 --channels 3
  run down --space proxylessnas_search --seed 4 --shape 40x36x3 --resolution 32 --proxy-layers 1
  $check "${dirs[@]}"
  exit 0
fi

if [ "$mode" = search ]; then
  # A search run's supernet path (BN statistics calibrated) through tunas_arch export --onnx;
  # tunas_arch onnx on the weights it wrote must give the same file byte for byte.
  net=(--resolution 16 --width-multiplier 0.25)
  "$bin/tunas_search" --data synthetic --synthetic-size 320 --steps 10 --batch 16 "${net[@]}" \
    --threads 2 --quiet --out "$work/search" > /dev/null
  "$bin/tunas_arch" export --run "$work/search" --onnx "$work/path.onnx" > "$work/export.json"
  indices=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["indices"])' "$work/export.json")
  "$bin/tunas_arch" onnx --space proxylessnas_search --indices "$indices" --data synthetic \
    --synthetic-size 320 "${net[@]}" --weights "$work/search/final_weights.bin" \
    --out "$work/again.onnx" > /dev/null
  cmp "$work/path.onnx" "$work/again.onnx"
  # The same network in the engine (calibrated statistics, stateful evaluation) on every test
  # image, its export byte-identical again, against ONNX Runtime.
  "$ref" weights --space proxylessnas_search --indices "$indices" --data synthetic \
    --synthetic-size 320 "${net[@]}" --weights "$work/search/final_weights.bin" --out "$work/engine"
  cmp "$work/path.onnx" "$work/engine/model.onnx"
  $check "$work/engine"
  exit 0
fi

[ "$mode" = trained ] || { echo "unknown mode $mode"; exit 2; }
# The architecture the default search found (docs/results/search_evidence.json,
# proxylessnas_search seed 1, 83.9 ms).
arch="0:1:0:1:1:0:0:0:1:0:0:0:1:0:1:0:2:1:0:2:0:0:0:0:1:2:1:0:0:2:0:0:0:1:0:1:0:0:1:0:1:0:0:0:0:0:0:0:1:0:0:2:1:0:0:0:0:0:0:0:1:0:0:1:0:0:1:0:2:0:0:0:0"
# Long enough for the moving BN statistics (momentum 0.99) to settle; small enough to be fast.
train() {
  "$bin/tunas_train" --space proxylessnas_search --indices "$arch" --use-test-set \
    --steps 300 --batch 16 --lr 0.05 --resolution 16 --width-multiplier 0.25 --eval-batch 250 \
    --threads 2 --quiet "$@" > /dev/null
}
compare() {
  local run=$1 out=$2
  "$ref" trained --run "$run" --out "$out"
  cp "$run/model.onnx" "$out/model.onnx"
  $check "$out" --result "$run/result.json"
}
fmnist=/usr/share/datasets/fashion-mnist
if [ -e "$fmnist/t10k-labels-idx1-ubyte.gz" ] || [ -e "$fmnist/t10k-labels-idx1-ubyte" ]; then
  train --data fashion_mnist --out "$work/fmnist"
  compare "$work/fmnist" "$work/fmnist-check"
else
  echo "Fashion-MNIST is not installed in $fmnist: the synthetic data set instead"
  train --data synthetic --synthetic-size 640 --out "$work/synthetic"
  compare "$work/synthetic" "$work/synthetic-check"
fi
