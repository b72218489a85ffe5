#!/usr/bin/env bash
# TuNAS against random search on the Fashion-MNIST proxy (paper Table 4 in form).
#
#  1. TuNAS: tunas_search --config search/configs/fashion_mnist_default.yaml --seed k, one run
#     directory per seed; then the argmax architecture of each is trained stand-alone twice
#     with the same budget: on the search split (validation top-1) and on the full training
#     set (test top-1).
#  2. Random search (experiments/random_search.sh): N architectures in [T0-1, T0+1] ms, the
#     same budget, best on validation -> test. Repeated once per --random-seeds entry.
#  3. experiments/summarize_tunas_vs_random.py: mean +- std table and JSON.
#
# usage: experiments/tunas_vs_random.sh [--out DIR] [--seeds "0 1 2"] [--random-seeds "0"]
#            [--n 20] [--search-steps S] [--bin DIR] [--threads T] [--config FILE]
#            [--search-args "FLAGS"] [--random-args "FLAGS"] [-- TUNAS_TRAIN_BUDGET...]
# --search-args / --random-args add tunas_search / random_search.sh flags (a pipeline smoke
# test on the tiny space uses them: experiments/smoke_tunas_vs_random.sh).
# e.g. the full experiment:   experiments/tunas_vs_random.sh -- --epochs 10
#      a reduced one:         experiments/tunas_vs_random.sh --n 3 --search-steps 20 -- --steps 300 --batch 16
#
# Resumable: finished pieces are skipped, started ones continued (--resume). The training
# budget is everything after "--" (tunas_train flags). --search-steps 0 = the config's length.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
invocation="$0 $*"
out=runs/tunas_vs_random seeds="0 1 2" random_seeds="0" n=20 search_steps=0 bin=build/bin threads=1
config="$root/search/configs/fashion_mnist_default.yaml" search_args="" random_args=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --random-seeds) random_seeds=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --search-steps) search_steps=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --search-args) search_args=$2; shift 2 ;;
    --random-args) random_args=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "tunas_vs_random.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
budget=("$@")
eval "search_arr=($search_args)"  # shell words, quotes honoured
eval "random_arr=($random_args)"
mkdir -p "$out"
printf '%s\n' "$invocation" > "$out/command.txt"
printf 'seeds=%s random_seeds=%s n=%s search_steps=%s budget=%s\n' "$seeds" "$random_seeds" "$n" \
  "$search_steps" "${budget[*]}" > "$out/settings.txt"

source "$root/experiments/lib.sh"  # timed, search_done


for k in $seeds; do
  dir="$out/search_seed$k"
  if ! search_done "$dir"; then
    echo "tunas_vs_random.sh: TuNAS search, seed $k" >&2
    if [[ -f "$dir/checkpoint.bin" ]]; then
      timed "$dir" "$bin/tunas_search" --resume --out "$dir" --threads "$threads" > /dev/null
    else
      steps=(); [[ "$search_steps" -gt 0 ]] && steps=(--steps "$search_steps")
      timed "$dir" "$bin/tunas_search" --config "$config" --seed "$k" "${steps[@]}" "${search_arr[@]}" \
        --threads "$threads" --out "$dir" > /dev/null
    fi
  fi
  for mode in valid test; do
    tdir="$out/tunas_seed$k/$mode"
    [[ -f "$tdir/result.json" ]] && continue
    echo "tunas_vs_random.sh: training the seed-$k argmax ($mode)" >&2
    if [[ -f "$tdir/checkpoint.bin" ]]; then
      timed "$tdir" "$bin/tunas_train" --resume --out "$tdir" --threads "$threads" > /dev/null
    else
      extra=(); [[ $mode == test ]] && extra=(--use-test-set)
      timed "$tdir" "$bin/tunas_train" --arch "$dir/final_architecture.json" "${extra[@]}" \
        "${budget[@]}" --seed "$k" --threads "$threads" --out "$tdir" > /dev/null
    fi
  done
done

for r in $random_seeds; do
  echo "tunas_vs_random.sh: random search, seed $r, N = $n" >&2
  timed "$out/random_seed$r" "$root/experiments/random_search.sh" --out "$out/random_seed$r" \
    --n "$n" --seed "$r" --bin "$bin" --threads "$threads" "${random_arr[@]}" -- "${budget[@]}" > /dev/null
done

python3 "$root/experiments/summarize_tunas_vs_random.py" "$out"
