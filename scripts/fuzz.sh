#!/usr/bin/env bash
# Runs every libFuzzer harness in fuzz/ for SECONDS each, one after the other, starting from
# the committed seeds (fuzz/corpus/<name>; what a run finds goes to build-fuzz/corpus/<name>,
# crashes to build-fuzz/crashes/). Builds build-fuzz with clang-14 (ASan + UBSan + coverage)
# when needed. Prints one line per harness (executions, crashes) and writes them to
# build-fuzz/fuzz_summary.txt; exits 1 when any harness found a crash.
#   scripts/fuzz.sh SECONDS [HARNESS...]     e.g. scripts/fuzz.sh 30, scripts/fuzz.sh 600 checkpoint
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [HARNESS...]}
shift
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(space_yaml config indices idx cifar10 checkpoint weights lut architecture image
             image_list)
fi
if ! command -v clang++-14 >/dev/null; then
  echo "fuzz.sh: clang++-14 is missing (scripts/install_deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release \
    -DTUNAS_BUILD_FUZZERS=ON -DTUNAS_BUILD_TESTS=OFF -DTUNAS_BUILD_BENCHMARKS=OFF >/dev/null
fi
cmake --build build-fuzz -j"$(nproc)" --target fuzzers >/dev/null
mkdir -p build-fuzz/crashes
summary=build-fuzz/fuzz_summary.txt
: > "$summary"
failed=0
for h in "${harnesses[@]}"; do
  work=build-fuzz/corpus/$h
  mkdir -p "$work"
  log=build-fuzz/fuzz_$h.log
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} build-fuzz/bin/fuzz_"$h" "$work" "fuzz/corpus/$h" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$h-" >"$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  line="fuzz_$h: ${seconds}s, $execs executions, $([ $status -eq 0 ] && echo "0 crashes" || echo "CRASH (exit $status, see $log and build-fuzz/crashes/)")"
  echo "$line" | tee -a "$summary"
  [ $status -eq 0 ] || failed=1
done
exit $failed
