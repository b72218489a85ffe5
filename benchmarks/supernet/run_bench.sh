#!/bin/sh
# Supernet benchmark with its PyTorch peer: runs tunas_bench_supernet, then (when present)
# benchmarks/pytorch_reference/bench_step.py on the same presets and thread count, and merges
# pytorch_images_per_s / ratio_vs_pytorch into the JSON.
#   benchmarks/supernet/run_bench.sh BUILD_DIR OUT.json [--quick]
set -e
build=${1:-build-supernet}
out=${2:-bench_supernet.json}
shift 2 || true
root=$(cd "$(dirname "$0")/../.." && pwd)
"$build/bin/tunas_bench_supernet" --threads 2 --json "$out" "$@"
peer="$root/benchmarks/pytorch_reference/bench_step.py"
if [ -f "$peer" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 "$peer" --preset full --threads 2 --json "$out.pytorch_full.json"
  /usr/bin/python3 "$peer" --preset proxy --threads 2 --json "$out.pytorch_proxy.json"
  /usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
r = json.load(open(out))
full = json.load(open(out + ".pytorch_full.json"))
proxy = json.load(open(out + ".pytorch_proxy.json"))
r["pytorch_images_per_s"] = full["images_per_s"]
r["ratio_vs_pytorch"] = r["images_per_s"] / full["images_per_s"]
r["step_proxy"]["pytorch_images_per_s"] = proxy["images_per_s"]
r["step_proxy"]["ratio_vs_pytorch"] = r["step_proxy"]["images_per_s"] / proxy["images_per_s"]
json.dump(r, open(out, "w"), indent=2)
print("ratio vs PyTorch: full %.2fx, proxy %.2fx" % (r["ratio_vs_pytorch"],
                                                   r["step_proxy"]["ratio_vs_pytorch"]))
PY
else
  echo "PyTorch peer not available: pytorch_images_per_s and ratio_vs_pytorch stay null"
fi
