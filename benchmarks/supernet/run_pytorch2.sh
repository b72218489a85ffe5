#!/bin/sh
# The supernet step against PyTorch 2.x from PyPI (the peer a user would pick today), on the
# same architecture sequence: tunas_bench_supernet --indices-file and
# benchmarks/pytorch_reference/bench_step.py --indices-file with both of its peers (channel
# slicing, as this engine does, and TuNAS's mask-multiply), 2 threads, for the 224x224 batch-16
# case ("full") and the 32x32x1 batch-128 proxy. PyTorch runs channels-last with glibc keeping
# its heap (no mmap, no trim: no page faults per step), as in the issue's measurements.
#   benchmarks/supernet/run_pytorch2.sh BUILD_DIR OUT_DIR [STEPS]
# Writes OUT_DIR/indices.txt, tunas_<case>.json, pytorch_<case>_<masking>.json and
# summary.json (per case: step seconds, ratio of the faster PyTorch peer's step to ours).
# The PyTorch venv comes from scripts/dev_venv.sh (never a product dependency); when PyPI is
# unreachable the script says "skipped" and exits 0.
set -e
build=${1:?usage: $0 BUILD_DIR OUT_DIR [STEPS]}
out=${2:?usage: $0 BUILD_DIR OUT_DIR [STEPS]}
steps=${3:-8}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
set +e
py=$("$root/scripts/dev_venv.sh" torch2 torch numpy)
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "skipped: no PyTorch 2.x venv (scripts/dev_venv.sh exit $rc: PyPI unreachable?)"
  exit 0
fi
"$build/bin/tunas_bench_supernet" --write-indices "$out/indices.txt" --iters "$steps"
for case in full proxy; do
  "$build/bin/tunas_bench_supernet" --case "$case" --threads 2 --iters "$steps" \
    --indices-file "$out/indices.txt" --json "$out/tunas_$case.json"
  for masking in slice multiply; do
    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1099511627776 \
      "$py" "$root/benchmarks/pytorch_reference/bench_step.py" --preset "$case" --threads 2 \
      --masking "$masking" --indices-file "$out/indices.txt" --iters "$steps" --time-budget 0 \
      --json "$out/pytorch_${case}_${masking}.json"
  done
done
"$py" - "$out" <<'PY'
import json, os, platform, sys
out = sys.argv[1]
summary = {"machine": platform.processor() or platform.machine(), "loadavg_end": os.getloadavg()}
for case in ("full", "proxy"):
    ours = json.load(open(os.path.join(out, "tunas_%s.json" % case)))
    peers = {m: json.load(open(os.path.join(out, "pytorch_%s_%s.json" % (case, m))))
             for m in ("slice", "multiply")}
    best = min(p["step_seconds_median"] for p in peers.values())
    summary[case] = {
        "tunas_step_s": ours["step_s"], "tunas_build_s": ours["build_s"],
        "tunas_arena_bytes": ours["arena_bytes"],
        "pytorch_slice_step_s": peers["slice"]["step_seconds_median"],
        "pytorch_multiply_step_s": peers["multiply"]["step_seconds_median"],
        "torch_version": peers["slice"]["torch_version"],
        "speedup_vs_faster_pytorch": best / ours["step_s"],
    }
    s = summary[case]
    print("%-5s tunas %.3f s/step | PyTorch %s slice %.3f, multiply %.3f | %.2fx the faster peer"
          % (case, s["tunas_step_s"], s["torch_version"], s["pytorch_slice_step_s"],
             s["pytorch_multiply_step_s"], s["speedup_vs_faster_pytorch"]))
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2)
PY
