#!/usr/bin/env python3
"""Table 4 (in form) from a tunas_vs_random.sh run directory: writes DIR/tunas_vs_random.json
and prints a Markdown table. usage: summarize_tunas_vs_random.py DIR"""
import glob, json, os, sys

from results_io import load, load_times, mean_std

out = sys.argv[1]

tunas = []
for d in sorted(glob.glob(os.path.join(out, "tunas_seed*"))):
    v, t = os.path.join(d, "valid/result.json"), os.path.join(d, "test/result.json")
    if os.path.exists(v) and os.path.exists(t):
        rv, rt = load(v), load(t)
        tunas.append({"seed": int(d.rsplit("seed", 1)[1]), "indices": rv["indices"],
                      "validation_top1": rv["validation_top1"], "test_top1": rt["test_top1"],
                      "latency_ms": rv.get("latency_ms"), "steps": rv["steps"],
                      "batch": rv["batch"], "epochs": rv["epochs"]})
random = []
for d in sorted(glob.glob(os.path.join(out, "random_seed*"))):
    s = os.path.join(d, "summary.json")
    if os.path.exists(s):
        j = load(s)
        random.append({"seed": int(d.rsplit("seed", 1)[1]), "n": j["n"],
                       "indices": j["best_indices"], "validation_top1": j["best_validation_top1"],
                       "test_top1": j["best_test_top1"], "latency_ms": j["best_latency_ms"],
                       "all_validation_top1": [a["validation_top1"] for a in j["architectures"]],
                       "all_latency_ms": [a["latency_ms"] for a in j["architectures"]]})

times = load_times(out)

res = {}
for name, rows in (("tunas", tunas), ("random_best", random)):
    for key, field in (("valid_acc", "validation_top1"), ("test_acc", "test_top1"),
                       ("latency_ms", "latency_ms")):
        m, s = mean_std([r[field] for r in rows])
        res[f"{name}_{key}_mean"], res[f"{name}_{key}_std"] = m, s
# Every random architecture (one training each): how good a typical sample of the window is.
all_valid = [v for r in random for v in r["all_validation_top1"]]
all_latency = [v for r in random for v in r["all_latency_ms"]]
res["random_all_valid_acc_mean"], res["random_all_valid_acc_std"] = mean_std(all_valid)
res["random_all_latency_ms_mean"], res["random_all_latency_ms_std"] = mean_std(all_latency)
summary = {
    "tunas_test_acc_mean": res["tunas_test_acc_mean"], "tunas_test_acc_std": res["tunas_test_acc_std"],
    "tunas_valid_acc_mean": res["tunas_valid_acc_mean"], "tunas_valid_acc_std": res["tunas_valid_acc_std"],
    "random_best_test_acc_mean": res["random_best_test_acc_mean"],
    "random_best_test_acc_std": res["random_best_test_acc_std"],
    "random_best_valid_acc_mean": res["random_best_valid_acc_mean"],
    "random_best_valid_acc_std": res["random_best_valid_acc_std"],
    "random_all_valid_acc_mean": res["random_all_valid_acc_mean"],
    "random_all_valid_acc_std": res["random_all_valid_acc_std"],
    "random_n": random[0]["n"] if random else 0,
    "random_repeats": len(random),
    "tunas_seeds": len(tunas),
    "tunas_latency_ms": res["tunas_latency_ms_mean"], "tunas_latency_ms_std": res["tunas_latency_ms_std"],
    "random_latency_ms": res["random_best_latency_ms_mean"],
    "random_latency_ms_std": res["random_best_latency_ms_std"],
    "tunas_runs": tunas, "random_runs": random,
    "wall_seconds": times, "wall_seconds_total": sum(times.values()),
}
with open(os.path.join(out, "tunas_vs_random.json"), "w") as f:
    json.dump(summary, f, indent=2)

def fmt(m, s, pct=True):
    if m is None:
        return "n/a"
    return f"{100*m:.2f} ± {100*s:.2f}" if pct else f"{m:.2f} ± {s:.2f}"

print("| Method | Valid top-1 (%) | Test top-1 (%) | Latency (ms) | runs |")
print("|---|---|---|---|---|")
print(f"| TuNAS (argmax) | {fmt(res['tunas_valid_acc_mean'], res['tunas_valid_acc_std'])} | "
      f"{fmt(res['tunas_test_acc_mean'], res['tunas_test_acc_std'])} | "
      f"{fmt(res['tunas_latency_ms_mean'], res['tunas_latency_ms_std'], False)} | {len(tunas)} seeds |")
print(f"| Random search, best of N={summary['random_n']} | "
      f"{fmt(res['random_best_valid_acc_mean'], res['random_best_valid_acc_std'])} | "
      f"{fmt(res['random_best_test_acc_mean'], res['random_best_test_acc_std'])} | "
      f"{fmt(res['random_best_latency_ms_mean'], res['random_best_latency_ms_std'], False)} | "
      f"{len(random)} repeat(s) |")
print(f"| Random architectures, each of the {len(all_valid)} (one training each) | "
      f"{fmt(res['random_all_valid_acc_mean'], res['random_all_valid_acc_std'])} | n/a | "
      f"{fmt(res['random_all_latency_ms_mean'], res['random_all_latency_ms_std'], False)} | "
      f"{len(random)} repeat(s) |")
