#!/usr/bin/env bash
# The long fuzz run of docs/RELIABILITY.md: every harness to RUNS executions (default 10 M),
# JOBS harnesses at a time, then the corpus each one grew replayed under AddressSanitizer.
#
# The long runs use build-fuzz-fast (coverage + UBSan, no ASan: 1.5-2.5x the executions per
# second of the yaml-cpp harnesses), so that 10 M executions fit in hours, not days; every
# input they kept (each new edge of coverage) is then run once more by the ASan + UBSan build
# of scripts/fuzz.sh, which reports a memory error the fast build cannot see. Corpora grow in
# build-fuzz-fast/corpus/<name>; crashes go to build-fuzz-fast/crashes/. A row per harness
# is appended to build-fuzz-fast/fuzz_long.txt. Runs at nice 19 so that it only takes idle time.
#   scripts/fuzz_long.sh [RUNS] [JOBS] [HARNESS...]      e.g. scripts/fuzz_long.sh 10000000 2
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000000}
jobs=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(indices cifar10 idx weights lut checkpoint image space_yaml architecture config
             image_list)
fi
command -v clang++-14 >/dev/null || { echo "fuzz_long.sh: clang++-14 is missing (scripts/install_deps.sh)" >&2; exit 1; }
for dir_sanitize in "build-fuzz-fast undefined" "build-fuzz address,undefined"; do
  read -r dir sanitize <<< "$dir_sanitize"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release \
      -DTUNAS_BUILD_FUZZERS=ON -DTUNAS_BUILD_TESTS=OFF -DTUNAS_BUILD_BENCHMARKS=OFF \
      -DTUNAS_FUZZ_SANITIZE="$sanitize" >/dev/null
  fi
  cmake --build "$dir" -j"$(nproc)" --target fuzzers >/dev/null
done
# Copies, so that rebuilding either directory during the hours of the run changes nothing.
bin=$(mktemp -d /tmp/tunas_fuzz_long.XXXXXX)
trap 'rm -rf "$bin"' EXIT
cp build-fuzz-fast/bin/fuzz_* "$bin/" && mkdir -p "$bin/asan" && cp build-fuzz/bin/fuzz_* "$bin/asan/"
mkdir -p build-fuzz-fast/crashes
table=build-fuzz-fast/fuzz_long.txt
echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD), $runs runs, $jobs at a time, $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" >> "$table"

run_one() {  # run_one HARNESS: the fast run, then the ASan replay of its corpus; one table row
  local h=$1 corpus=build-fuzz-fast/corpus/$1 log=build-fuzz-fast/fuzz_long_$1.log status=0 replay=0
  mkdir -p "$corpus"
  local start=$SECONDS
  # Seeds: the committed ones and what scripts/fuzz.sh runs grew (build-fuzz/corpus), so a
  # long run continues from every input found before, not from the seeds alone.
  local seeds=("fuzz/corpus/$h")
  [ -d "build-fuzz/corpus/$h" ] && seeds+=("build-fuzz/corpus/$h")
  nice -n 19 "$bin/fuzz_$h" "$corpus" "${seeds[@]}" -runs="$runs" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz-fast/crashes/$h-" \
    >"$log" 2>&1 || status=$?
  local wall=$((SECONDS - start))
  local execs rate files
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  files=$(find "$corpus" -type f | wc -l)
  ASAN_OPTIONS=detect_leaks=1 nice -n 19 "$bin/asan/fuzz_$h" "$corpus" -runs=0 -timeout=20 \
    -rss_limit_mb=2048 -artifact_prefix="build-fuzz-fast/crashes/$h-asan-" \
    >"build-fuzz-fast/fuzz_long_${h}_asan.log" 2>&1 || replay=$?
  echo "| $h | $execs | $wall s | $rate | $([ $status -eq 0 ] && echo "0 crashes" || echo "CRASH (exit $status, $log)") | $files inputs, $([ $replay -eq 0 ] && echo "clean" || echo "ERROR (exit $replay)") under ASan |" | tee -a "$table"
  [ $status -eq 0 ] && [ $replay -eq 0 ]
}

failed=0
running=0
for h in "${harnesses[@]}"; do
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || failed=1; running=$((running - 1)); fi
done
while [ "$running" -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
exit $failed
