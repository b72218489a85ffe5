"""Small helpers shared by the experiment summaries (experiments/summarize_*.py)."""
import json
import os
import statistics


def load(path):
    with open(path) as f:
        return json.load(f)


def mean_std(xs):
    """Mean and sample standard deviation of the non-None values; (None, None) when empty."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def load_times(out):
    """Wall seconds per piece from OUT/times.tsv (name<TAB>seconds; a resumed piece adds up)."""
    times = {}
    path = os.path.join(out, "times.tsv")
    if os.path.exists(path):
        for line in open(path):
            name, sec = line.rstrip("\n").split("\t")
            times[name] = times.get(name, 0.0) + float(sec)
    return times
