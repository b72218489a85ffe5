#!/usr/bin/env bash
# The random version of test_reliability's SIGKILL tests: a tiny search and a tiny training
# run are each killed with SIGKILL at KILLS random moments (a random delay of 40-340 ms after
# each start or resume), resumed to the end, and compared byte for byte with an uninterrupted
# run. Prints the seed ($RANDOM unless SEED is given) so a failure can be replayed.
#   scripts/kill_resume.sh [KILLS] [SEED]      (needs build/bin from ./scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-10}
seed=${2:-$RANDOM}
RANDOM=$seed
echo "kill_resume: $kills kills per run, seed $seed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space=$PWD/tests/search/tiny_space.yaml
common=(--data synthetic --synthetic-size 400 --validation-size 80 --resolution 16 --proxy=false
        --steps 120 --checkpoint-every 2 --log-every 2 --threads 1 --quiet)
search=(build/bin/tunas_search --space "$space" --cost-model macs --target 60000 --batch 8
        --replicas 2 --policy-lr 0.05 --seed 3 "${common[@]}")
train=(build/bin/tunas_train --space "$space" --indices 1:0:0:1:0:1:0:0:0 --batch 16
       --eval-batch 40 --lr 0.2 --seed 5 "${common[@]}")

kill_and_resume() {  # name command...
  local name=$1; shift
  local dir=$work/$name
  "$@" --out "$work/$name.reference" >/dev/null
  local k
  for ((k = 0; k < kills; k++)); do
    if [ -f "$dir/checkpoint.bin" ]; then
      "${1}" --resume --out "$dir" --quiet >/dev/null 2>&1 &
    else
      "$@" --out "$dir" >/dev/null 2>&1 &
    fi
    local pid=$!
    sleep "0.$(printf '%03d' $((40 + RANDOM % 300)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -f "$dir/checkpoint.bin" ]; then "${1}" --resume --out "$dir" --quiet >/dev/null
  else "$@" --out "$dir" >/dev/null; fi
  if cmp -s "$dir/checkpoint.bin" "$work/$name.reference/checkpoint.bin"; then
    echo "$name: $kills kills, resumed, final checkpoint identical to the uninterrupted run"
  else
    echo "$name: FINAL CHECKPOINT DIFFERS (seed $seed)"
    return 1
  fi
}
kill_and_resume search "${search[@]}"
kill_and_resume train "${train[@]}"
