#!/usr/bin/env python3
"""Tables 11 and 10 (in form) from experiments/ablations.sh runs: writes DIR/ablations.json and
prints Markdown tables. usage: summarize_ablations.py DIR [--compare TUNAS_VS_RANDOM_DIR]

Table 11: per search, the mean sampled latency at the end (exponential moving average of the
logged rlcontroller/estimated_cost_mean, decay 0.9, one update per log record) and the arg-max
latency at the end (final_architecture.json). The default exponential-schedule searches come
from the compare directory (search_seed*)."""
import glob, json, os, sys

from results_io import load, load_times, mean_std

out = sys.argv[1]
compare = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else None


def search_row(d):
    fa = os.path.join(d, "final_architecture.json")
    if not os.path.exists(fa):
        return None
    final = load(fa)
    if final.get("step") != final.get("total_steps"):
        return None
    params = load(os.path.join(d, "params.json"))
    ema = None
    for line in open(os.path.join(d, "log.jsonl")):
        rec = json.loads(line)
        # the replica mean (older logs held only the mean, unsuffixed)
        c = rec.get("rlcontroller/estimated_cost_mean", rec.get("rlcontroller/estimated_cost"))
        if c is not None:
            ema = c if ema is None else 0.9 * ema + 0.1 * c
    return {"dir": d, "schedule": params.get("policy_lr_schedule"), "beta": params.get("beta"),
            "seed": params.get("seed"), "warmup_fraction": params.get("warmup_fraction"),
            "target_ms": params.get("target_ms"), "avg_sampled_ms": ema,
            "argmax_ms": final.get("latency_ms", final.get("cost")), "indices": final["indices"]}


t11 = [r for r in (search_row(d) for d in sorted(glob.glob(os.path.join(out, "table11_*")))) if r]
default = []
if compare:
    default = [r for r in (search_row(d) for d in sorted(glob.glob(os.path.join(compare, "search_seed*")))) if r]

t10 = []
for d in sorted(glob.glob(os.path.join(out, "table10_nowarmup_seed*"))):
    r = search_row(d)
    v, t = os.path.join(d, "valid/result.json"), os.path.join(d, "test/result.json")
    if r and os.path.exists(v) and os.path.exists(t):
        r["validation_top1"], r["test_top1"] = load(v)["validation_top1"], load(t)["test_top1"]
        t10.append(r)
with_warmup = []
if compare:
    for d in sorted(glob.glob(os.path.join(compare, "tunas_seed*"))):
        v, t = os.path.join(d, "valid/result.json"), os.path.join(d, "test/result.json")
        if os.path.exists(v) and os.path.exists(t):
            rv = load(v)
            with_warmup.append({"seed": int(d.rsplit("seed", 1)[1]), "validation_top1": rv["validation_top1"],
                                "test_top1": load(t)["test_top1"], "argmax_ms": rv.get("latency_ms")})

times = load_times(out)

summary = {"table11_constant": t11, "table11_exponential_default": default,
           "table10_without_warmup": t10, "table10_with_warmup": with_warmup,
           "ema": "decay 0.9 per log record (every log_every steps) of rlcontroller/estimated_cost_mean",
           "wall_seconds": times}
with open(os.path.join(out, "ablations.json"), "w") as f:
    json.dump(summary, f, indent=2)

print("Table 11 (in form): mean sampled vs arg-max latency at the end of the search")
print()
print("| policy lr schedule | beta | seed | avg. sampled (ms) | arg-max (ms) | target (ms) |")
print("|---|---|---|---|---|---|")
for r in sorted(t11, key=lambda r: -r["beta"]) + default:
    print(f"| {r['schedule']} | {r['beta']} | {r['seed']} | {r['avg_sampled_ms']:.2f} | "
          f"{r['argmax_ms']:.2f} | {r['target_ms']} |")
print()
print("Table 10 (in form): with vs without op and filter warm-up")
print()
print("| warm-up | runs | valid top-1 (%) | test top-1 (%) | arg-max latency (ms) |")
print("|---|---|---|---|---|")
for name, rows in (("without", t10), ("with (default)", with_warmup)):
    vm, vs = mean_std([r["validation_top1"] for r in rows])
    tm, ts = mean_std([r["test_top1"] for r in rows])
    lm, ls = mean_std([r["argmax_ms"] for r in rows])
    if vm is None:
        print(f"| {name} | 0 | n/a | n/a | n/a |")
    else:
        print(f"| {name} | {len(rows)} | {100*vm:.2f} ± {100*vs:.2f} | {100*tm:.2f} ± {100*ts:.2f} | "
              f"{lm:.2f} ± {ls:.2f} |")
