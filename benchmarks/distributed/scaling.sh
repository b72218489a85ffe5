#!/usr/bin/env bash
# The measurements behind docs/SCALING.md, in one run (needs a build with MPI; the veth part
# needs root and is skipped otherwise):
#   1. step time of the proxy search, 1 rank x 2 threads vs 2 ranks x 1 thread (mpirun);
#   2. bytes per step: the flat parameter store (4 bytes per parameter) and the gathers;
#   3. one fixed-tree reduction of that store: 2 ranks over shared memory, and 2 "hosts"
#      (network namespaces joined by a veth pair, TCP), plus a size sweep over veth for the
#      link's latency and bandwidth;
#   4. the same search on the two veth hosts: communication time per step;
#   5. the step-time model for 32 replicas on 4, 8 and 32 hosts (step_model.awk, from 1-4).
# Usage: benchmarks/distributed/scaling.sh [BUILD_DIR] [BANDWIDTH_GBIT_S]   (defaults: build 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
gbit=${2:-10}
bin=$build/bin
mpi=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# The proxy search of README's quick start, shortened: proxylessnas_search at 32x32 (proxy),
# K = 4 replicas of 8 images, synthetic data (no disk in the loop).
search=(--space proxylessnas_search --data synthetic --synthetic-size 1000 --validation-size 200
        --replicas 4 --batch 8 --steps 6 --log-every 1000 --checkpoint-every 1000)

summary() { grep -o 'rank 0 of [0-9]*: .*' "$1"; }
ms_per_step() { grep -o '([0-9.]* ms/step)' "$1" | tr -d '(' | cut -d' ' -f1; }
comm_ms() { grep -o 'communication [0-9.]* ms/step' "$1" | cut -d' ' -f2; }

echo
echo "== 1. step time, proxy search (${search[*]})"
for layout in "1 2" "2 1" "1 2" "2 1"; do
  set -- $layout
  rm -rf "$work/run"
  "${mpi[@]}" -np "$1" "$bin/tunas_search" "${search[@]}" --threads "$2" --out "$work/run" \
    >/dev/null 2>"$work/log"
  echo "$1 rank(s) x $2 thread(s): $(summary "$work/log")"
  # The model takes the faster (least disturbed) 1-rank run.
  if [ "$1" = 1 ]; then
    ms=$(ms_per_step "$work/log")
    ms1=$(awk -v a="${ms1:-1e30}" -v b="$ms" 'BEGIN { print (b < a ? b : a) }')
  fi
done
params=$(grep -o '"num_parameters": [0-9]*' "$work/run/params.json" | grep -o '[0-9]*$')
echo
echo "== 2. bytes per step"
echo "parameters: $params floats -> $((params * 4)) bytes per gradient reduction (+ 2 gathers of" \
     "5 doubles per replica and one 4-byte stop flag)"

echo
echo "== 3. one fixed-tree reduction of $params floats"
"${mpi[@]}" -np 2 "$bin/tunas_bench_tree_sum" --floats "$params" --iterations 10
veth=ok
for floats in 1 65536 1048576 "$params"; do
  if ! tests/distributed/two_hosts.sh "$(command -v mpirun)" "$bin/tunas_bench_tree_sum" \
       --floats "$floats" --iterations 10 >"$work/veth" 2>&1; then
    echo "veth hosts not available: $(head -c 300 "$work/veth")"
    veth=
    break
  fi
  grep 'per reduction' "$work/veth"
  [ "$floats" = 1 ] && alpha_ms=$(grep -o 'median [0-9.]*' "$work/veth" | cut -d' ' -f2)
  [ "$floats" = "$params" ] && veth_ms=$(grep -o 'median [0-9.]*' "$work/veth" | cut -d' ' -f2)
done

if [ -n "$veth" ]; then
  echo
  echo "== 4. the search on two veth hosts (1 rank x 1 thread each)"
  rm -rf "$work/run"
  tests/distributed/two_hosts.sh "$(command -v mpirun)" "$bin/tunas_search" "${search[@]}" \
    --threads 1 --out "$work/run" >/dev/null 2>"$work/log" || true
  grep 'MPI (' "$work/log" || true
  echo "2 hosts x 1 thread: $(summary "$work/log")"
  veth_comm=$(comm_ms "$work/log")
fi

echo
echo "== 5. model: 32 replicas on H hosts (benchmarks/distributed/step_model.awk)"
awk -v ms1="$ms1" -v k=4 -v params="$params" -v gbit="$gbit" -v alpha="${alpha_ms:-0.05}" \
  -v veth_ms="${veth_ms:-0}" -f benchmarks/distributed/step_model.awk
[ -n "${veth_ms:-}" ] && echo "measured over veth: one reduction of the store $veth_ms ms; search comm ${veth_comm:-?} ms/step"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
