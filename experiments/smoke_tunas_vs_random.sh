#!/usr/bin/env bash
# Pipeline smoke test of tunas_vs_random.sh in seconds: the tiny test space
# (tests/search/tiny_space.yaml), synthetic 16x16 data, MACs as the cost, 3 search seeds,
# random search with N = 3. Numbers from it say nothing about TuNAS vs random search; it only
# shows that every piece (search, argmax training x2, sampling, training, selection, test,
# summary, resume-skip) runs. usage: experiments/smoke_tunas_vs_random.sh [OUT] [BIN]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/tunas_vs_random_smoke} bin=${2:-$root/build/bin}
space="$root/tests/search/tiny_space.yaml"
data="--data synthetic --synthetic-size 400 --validation-size 80 --resolution 16 --proxy=false"
# shellcheck disable=SC2086
"$root/experiments/tunas_vs_random.sh" --out "$out" --seeds "0 1 2" --n 3 --search-steps 30 \
  --bin "$bin" --threads 1 \
  --search-args "--space $space $data --cost-model macs --target 60000 --batch 8 --replicas 2 --policy-lr 0.05 --quiet" \
  --random-args "--space $space --min-cost 40000 --max-cost 80000 --sample-args '--cost-model macs --resolution 16 --classes 10 --input-channels 1'" \
  -- --space "$space" $data --steps 300 --batch 32 --lr 0.5 --quiet
