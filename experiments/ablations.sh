#!/usr/bin/env bash
# The paper's Table 11 and Table 10 in form, on the Fashion-MNIST proxy (the default search,
# search/configs/fashion_mnist_default.yaml), as far as a 2-core machine allows:
#
#  Table 11 (paper App. B): the absolute-value reward with a CONSTANT policy learning rate,
#    one search per beta (--betas), compared with the default exponential schedule: the mean
#    latency of the sampled architectures (an exponential moving average, decay 0.9, over the
#    logged steps) against the latency of the arg-max architecture at the end of the search.
#  Table 10 (paper Finding 6): the default search without op and filter warm-up
#    (--warmup-fraction 0; the policy delay stays 25 %), one search per --warmup-seeds entry,
#    its arg-max trained stand-alone like the TuNAS arm of experiments/tunas_vs_random.sh
#    (same budget: everything after "--"), compared with the with-warm-up runs of that
#    experiment (--compare DIR).
#
# usage: experiments/ablations.sh [--out DIR] [--betas "-0.1 -0.5 -1.0"] [--warmup-seeds "0"]
#            [--bin DIR] [--threads T] [--compare DIR] [--only table11|table10] [-- BUDGET...]
# Resumable: finished pieces are skipped, started ones continued with --resume.
# Then: python3 experiments/summarize_ablations.py DIR --compare DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
invocation="$0 $*"
out=runs/ablations betas="-0.1 -0.5 -1.0" warmup_seeds="0" bin=build/bin threads=1
compare=runs/tunas_vs_random only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --betas) betas=$2; shift 2 ;;
    --warmup-seeds) warmup_seeds=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "ablations.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
budget=("$@")
config="$root/search/configs/fashion_mnist_default.yaml"
mkdir -p "$out"
printf '%s\n' "$invocation" >> "$out/command.txt"

source "$root/experiments/lib.sh"  # timed, search_done

search() {  # DIR [tunas_search flags...]
  local dir=$1; shift
  search_done "$dir" && return
  echo "ablations.sh: search $dir" >&2
  if [[ -f "$dir/checkpoint.bin" ]]; then
    timed "$dir" "$bin/tunas_search" --resume --out "$dir" --threads "$threads" > /dev/null
  else
    timed "$dir" "$bin/tunas_search" --config "$config" "$@" --threads "$threads" --out "$dir" > /dev/null
  fi
}

train() {  # DIR ARCH SEED [flags...]
  local dir=$1 arch=$2 seed=$3; shift 3
  [[ -f "$dir/result.json" ]] && return
  echo "ablations.sh: training $dir" >&2
  if [[ -f "$dir/checkpoint.bin" ]]; then
    timed "$dir" "$bin/tunas_train" --resume --out "$dir" --threads "$threads" > /dev/null
  else
    timed "$dir" "$bin/tunas_train" --arch "$arch" "$@" "${budget[@]}" --seed "$seed" \
      --threads "$threads" --out "$dir" > /dev/null
  fi
}

if [[ "$only" != table10 ]]; then
  for b in $betas; do
    search "$out/table11_constant_beta$b" --policy-lr-schedule constant --beta "$b" --seed 0
  done
fi
if [[ "$only" != table11 ]]; then
  for k in $warmup_seeds; do
    dir="$out/table10_nowarmup_seed$k"
    search "$dir" --warmup-fraction 0 --seed "$k"
    train "$dir/valid" "$dir/final_architecture.json" "$k"
    train "$dir/test" "$dir/final_architecture.json" "$k" --use-test-set
  done
fi
python3 "$root/experiments/summarize_ablations.py" "$out" --compare "$compare"
