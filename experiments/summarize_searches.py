#!/usr/bin/env python3
"""Summarises tunas_search run directories: final argmax latency vs target per run, the
policy entropy before/after the controller delay, and an SVG plot of the mean sampled latency
and the argmax latency over steps. Standard library only.

Usage: summarize_searches.py RUNS_ROOT [--out summary.json] [--svg plot.svg]
RUNS_ROOT holds <space>/seed<k>/ run directories (experiments/search_evidence.sh).
"""
import argparse
import json
import math
import os
import statistics
import sys


def spec_key(params, key):
    """A spec §7.1 key of params.json: top level, or under "resolved" in older runs."""
    return params[key] if key in params else params["resolved"][key]


def mean_scalar(rec, name):
    """The replica mean of a log.jsonl scalar (older logs held only the mean, unsuffixed)."""
    return rec.get(name + "_mean", rec[name])


def load_run(path):
    params = json.load(open(os.path.join(path, "params.json")))
    final = json.load(open(os.path.join(path, "final_architecture.json")))
    log = [json.loads(line) for line in open(os.path.join(path, "log.jsonl")) if line.strip()]
    wall = None
    if os.path.exists(os.path.join(path, "wall_seconds")):
        wall = float(open(os.path.join(path, "wall_seconds")).read())
    delay = spec_key(params, "rl_delay_steps")
    entropy_at_delay = min(log, key=lambda r: abs(r["step"] - delay))["rlcontroller/policy_entropy"]
    return {
        "dir": path,
        "space": params["space"],
        "seed": params["seed"],
        "target": spec_key(params, "rl_cost_model_target"),
        "steps": spec_key(params, "max_global_step"),
        "indices": final["indices"],
        "argmax_latency_ms": final.get("latency_ms", final["cost"]),
        "final_mean_sampled_ms": mean_scalar(log[-1], "rlcontroller/estimated_cost"),
        "entropy_start": log[0]["rlcontroller/policy_entropy"],
        "entropy_at_delay": entropy_at_delay,
        "entropy_end": log[-1]["rlcontroller/policy_entropy"],
        "final_validation_accuracy": mean_scalar(log[-1], "rlcontroller/validation_accuracy"),
        "wall_seconds": wall,
        "curve": [(r["step"], mean_scalar(r, "rlcontroller/estimated_cost"), r["argmax/cost"])
                  for r in log],
    }


def svg_plot(runs, path):
    spaces = sorted({r["space"] for r in runs})
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    w, h, pad = 560, 300, 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h * len(spaces)}" '
           'font-family="sans-serif" font-size="11">']
    for row, space in enumerate(spaces):
        rs = [r for r in runs if r["space"] == space]
        y0 = row * h
        xs = [s for r in rs for s, _, _ in r["curve"]]
        ys = [v for r in rs for _, a, b in r["curve"] for v in (a, b)] + [rs[0]["target"]]
        xmax = max(xs) or 1
        ylo, yhi = min(ys), max(ys)
        ylo, yhi = ylo - 0.05 * (yhi - ylo + 1), yhi + 0.05 * (yhi - ylo + 1)
        X = lambda s: pad + (w - 2 * pad) * s / xmax
        Y = lambda v: y0 + h - pad + (-(h - 2 * pad)) * (v - ylo) / (yhi - ylo)
        out.append(f'<text x="{w / 2}" y="{y0 + 18}" text-anchor="middle" font-size="13">{space}: '
                   f'mean sampled latency (thin) and argmax latency (thick), target dashed</text>')
        out.append(f'<line x1="{pad}" y1="{Y(ylo)}" x2="{w - pad}" y2="{Y(ylo)}" stroke="black"/>')
        out.append(f'<line x1="{pad}" y1="{Y(ylo)}" x2="{pad}" y2="{Y(yhi)}" stroke="black"/>')
        for k in range(5):
            v = ylo + (yhi - ylo) * k / 4
            out.append(f'<text x="{pad - 4}" y="{Y(v) + 4}" text-anchor="end">{v:.0f}</text>')
        out.append(f'<text x="{w - pad}" y="{Y(ylo) + 16}" text-anchor="end">step {xmax}</text>')
        t = rs[0]["target"]
        out.append(f'<line x1="{pad}" y1="{Y(t)}" x2="{w - pad}" y2="{Y(t)}" stroke="gray" '
                   'stroke-dasharray="5,4"/>')
        for i, r in enumerate(rs):
            c = colors[i % len(colors)]
            for k, width in ((1, 0.8), (2, 2.0)):
                pts = " ".join(f"{X(p[0]):.1f},{Y(p[k]):.1f}" for p in r["curve"])
                out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="{width}"/>')
            out.append(f'<text x="{w - pad + 4}" y="{y0 + 40 + 14 * i}" fill="{c}">seed {r["seed"]}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--out")
    ap.add_argument("--svg")
    args = ap.parse_args()
    runs = []
    for space in sorted(os.listdir(args.root)):
        for seed in sorted(os.listdir(os.path.join(args.root, space))):
            d = os.path.join(args.root, space, seed)
            if os.path.exists(os.path.join(d, "final_architecture.json")):
                runs.append(load_run(d))
    if not runs:
        sys.exit(f"no finished runs under {args.root}")
    print("| space | seed | target ms | argmax latency ms | error ms | mean sampled ms (last log) | "
          "entropy start / at delay / end | val acc (last) | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        err = r["argmax_latency_ms"] - r["target"]
        print(f"| {r['space']} | {r['seed']} | {r['target']:.0f} | {r['argmax_latency_ms']:.2f} | "
              f"{err:+.2f} | {r['final_mean_sampled_ms']:.2f} | {r['entropy_start']:.1f} / "
              f"{r['entropy_at_delay']:.1f} / {r['entropy_end']:.1f} | "
              f"{r['final_validation_accuracy']:.3f} | {r['wall_seconds'] or float('nan'):.0f} |")
    summary = {"runs": [{k: v for k, v in r.items() if k != "curve"} for r in runs]}
    for space in sorted({r["space"] for r in runs}):
        errs = [abs(r["argmax_latency_ms"] - r["target"]) for r in runs if r["space"] == space]
        summary[space] = {"n": len(errs), "max_abs_error_ms": max(errs),
                          "all_within_1ms": all(e <= 1.0 for e in errs)}
    if args.out:
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        json.dump(summary, open(args.out, "w"), indent=2, sort_keys=True)
    if args.svg:
        svg_plot(runs, args.svg)


if __name__ == "__main__":
    main()
