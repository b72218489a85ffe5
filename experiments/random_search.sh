#!/usr/bin/env bash
# Random-search baseline (spec §7.4, paper §3.2): sample N architectures uniformly inside the
# latency window [T0 - 1, T0 + 1] ms (tunas_arch sample, rejection sampling), train each with
# the same budget on the search's train/validation split (tunas_train), pick the best by
# validation top-1, then retrain that one on the full training set and report it on the test
# set (tunas_train --use-test-set).
#
# usage: experiments/random_search.sh --out DIR [--n N] [--seed K] [--space S] [--target T0]
#            [--min-cost A --max-cost B] [--sample-args "TUNAS_ARCH_FLAGS"] [--bin DIR]
#            [--threads T] [-- TUNAS_TRAIN_BUDGET_FLAGS...]
# The window defaults to [T0 - 1, T0 + 1] ms under tunas_pixel1; --sample-args passes e.g.
# "--cost-model macs --resolution 16" to tunas_arch sample.
# e.g.   experiments/random_search.sh --out runs/random --n 20 -- --epochs 10 --batch 128
#
# Resumable: a finished piece (result.json present) is skipped, a started one (checkpoint.bin)
# is continued with --resume. Writes DIR/summary.json and DIR/times.tsv (wall seconds/piece).
set -euo pipefail

out="" n=20 seed=0 space=proxylessnas_search target=84 bin=build/bin threads=1 lo="" hi=""
sample_args=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --space) space=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --min-cost) lo=$2; shift 2 ;;
    --max-cost) hi=$2; shift 2 ;;
    --sample-args) sample_args=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "random_search.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
[[ -n "$out" ]] || { echo "random_search.sh: --out DIR is required" >&2; exit 1; }
budget=("$@")
for tool in tunas_arch tunas_train; do
  [[ -x "$bin/$tool" ]] || { echo "random_search.sh: $bin/$tool not found (build it, or --bin DIR)" >&2; exit 1; }
done
mkdir -p "$out"
[[ -n "$lo" ]] || lo=$(python3 -c "print($target - 1)")
[[ -n "$hi" ]] || hi=$(python3 -c "print($target + 1)")

source "$(dirname "$0")/lib.sh"  # timed

train() {  # train DIR [flags...]: skip when done, resume when started
  local dir=$1; shift
  if [[ -f "$dir/result.json" ]]; then return 0; fi
  if [[ -f "$dir/checkpoint.bin" ]]; then
    timed "$dir" "$bin/tunas_train" --resume --out "$dir" --threads "$threads" > /dev/null
  else
    timed "$dir" "$bin/tunas_train" --space "$space" "$@" "${budget[@]}" --seed "$seed" \
      --threads "$threads" --out "$dir" > /dev/null
  fi
}

# 1. Samples in the window (both ends inclusive).
if [[ ! -s "$out/samples.json" ]]; then
  # shellcheck disable=SC2086  # sample_args is a list of flags
  "$bin/tunas_arch" sample --space "$space" --num "$n" --min-cost "$lo" --max-cost "$hi" \
    --seed "$seed" $sample_args > "$out/samples.json.tmp"
  mv "$out/samples.json.tmp" "$out/samples.json"
fi
count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$out/samples.json")
[[ "$count" -ge "$n" ]] || { echo "random_search.sh: $out/samples.json has $count samples, need $n" >&2; exit 1; }

# 2. Train each on the search split; validation top-1.
for ((i = 0; i < n; ++i)); do
  indices=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]['indices'])" \
    "$out/samples.json" "$i")
  echo "random_search.sh: architecture $((i + 1))/$n" >&2
  train "$out/arch_$i" --indices "$indices"
done

# 3. Best on validation -> retrain on the full training set, report on test.
best=$(python3 - "$out" "$n" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
accs = [json.load(open(f"{out}/arch_{i}/result.json"))["validation_top1"] for i in range(n)]
print(max(range(n), key=lambda i: (accs[i], -i)))
PY
)
best_indices=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['indices'])" "$out/arch_$best/result.json")
echo "random_search.sh: best on validation is arch_$best; training it on the full set" >&2
train "$out/best_test" --indices "$best_indices" --use-test-set

python3 - "$out" "$n" "$best" <<'PY'
import json, sys
out, n, best = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
archs = []
for i in range(n):
    r = json.load(open(f"{out}/arch_{i}/result.json"))
    archs.append({"indices": r["indices"], "validation_top1": r["validation_top1"],
                  "latency_ms": r.get("latency_ms"), "steps": r["steps"]})
t = json.load(open(f"{out}/best_test/result.json"))
summary = {"n": n, "best": best, "best_indices": archs[best]["indices"],
           "best_validation_top1": archs[best]["validation_top1"],
           "best_test_top1": t["test_top1"], "best_latency_ms": t.get("latency_ms"),
           "architectures": archs}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(json.dumps({k: v for k, v in summary.items() if k != "architectures"}, indent=2))
PY
