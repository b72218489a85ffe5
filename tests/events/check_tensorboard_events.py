"""Reads a run directory's event files with TensorBoard's own readers and compares them with
log.jsonl: every number of every record (under its key; "probabilities" as
rlpathprobs/<path>/<choice>) must be there once, at the record's step, with the same value
(float32). Search runs also need the logits (softmax = the logged probabilities) and the
per-replica histograms (mean = the logged mean). Dev-side only: run by tensorboard_reader_test.sh.

usage: check_tensorboard_events.py RUN_DIR EXPECTED_EVENT_FILES
"""
import collections
import glob
import json
import math
import os
import sys

from tensorboard.backend.event_processing import event_accumulator, event_file_loader


def fail(msg):
    print("check_tensorboard_events: FAIL: " + msg)
    sys.exit(1)


def close(a, b, rel=2e-6, abs_tol=1e-6):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def log_scalars(run_dir):
    """(tag, step) -> value from log.jsonl."""
    expected = {}
    with open(os.path.join(run_dir, "log.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            step = rec["step"]
            for key, value in rec.items():
                if key == "step":
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    expected[(key, step)] = float(value)
                elif key == "probabilities":
                    for path, probs in value.items():
                        for j, p in enumerate(probs):
                            expected[("rlpathprobs/%s/%d" % (path, j), step)] = float(p)
    return expected


def main():
    run_dir, want_files = sys.argv[1], int(sys.argv[2])
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    if len(files) != want_files:
        fail("%d event files in %s, expected %d: %s" % (len(files), run_dir, want_files, files))
    scalars = {}                              # (tag, step) -> value
    counts = collections.Counter()            # (tag, step) -> times seen
    histos = {}                               # (tag, step) -> HistogramProto
    for path in files:
        events = list(event_file_loader.LegacyEventFileLoader(path).Load())
        if not events or events[0].file_version != "brain.Event:2":
            fail("%s does not start with the brain.Event:2 file version" % path)
        for e in events[1:]:
            for v in e.summary.value:
                counts[(v.tag, e.step)] += 1
                if v.HasField("histo"):
                    histos[(v.tag, e.step)] = v.histo
                else:
                    scalars[(v.tag, e.step)] = v.simple_value
    dup = [k for k, n in counts.items() if n != 1]
    if dup:
        fail("%d (tag, step) pairs written more than once, e.g. %s" % (len(dup), dup[:3]))

    expected = log_scalars(run_dir)
    if not expected:
        fail("log.jsonl of %s has no records" % run_dir)
    for key, value in expected.items():
        if key not in scalars:
            fail("tag %s step %d of log.jsonl is not in the event files" % key)
        if not close(scalars[key], value):
            fail("tag %s step %d: events %r, log.jsonl %r" % (key[0], key[1], scalars[key], value))
    extra = [k for k in scalars if k not in expected
             and not k[0].startswith(("rlpathlogits/", "rltaglogits/"))]
    if extra:
        fail("scalars in the events that log.jsonl lacks: %s" % extra[:3])

    steps = sorted({s for (_, s) in expected})
    is_search = any(t == "rlcontroller/reward" for (t, _) in expected)
    if is_search:
        replicas = json.load(open(os.path.join(run_dir, "params.json")))["replicas"]
        for step in steps:
            logits = collections.defaultdict(dict)
            for (tag, s), v in scalars.items():
                if s == step and tag.startswith("rlpathlogits/"):
                    path, j = tag[len("rlpathlogits/"):].rsplit("/", 1)
                    logits[path][int(j)] = v
            if not logits:
                fail("no rlpathlogits at step %d" % step)
            by_path = sorted(v for (t, s), v in scalars.items() if s == step and t.startswith("rlpathlogits/"))
            by_tag = sorted(v for (t, s), v in scalars.items() if s == step and t.startswith("rltaglogits/"))
            if by_path != by_tag:
                fail("rltaglogits and rlpathlogits differ at step %d" % step)
            for path, by_choice in logits.items():
                if len(by_choice) < 2:
                    continue
                z = [by_choice[j] for j in range(len(by_choice))]
                m = max(z)
                e = [math.exp(x - m) for x in z]
                for j, x in enumerate(e):
                    p = expected[("rlpathprobs/%s/%d" % (path, j), step)]
                    if not close(x / sum(e), p, rel=1e-5, abs_tol=1e-6):
                        fail("softmax(rlpathlogits/%s) != rlpathprobs at step %d" % (path, step))
            for tag, mean_tag in (("rlcontroller/replica_cost", "rlcontroller/estimated_cost_mean"),
                                  ("rlcontroller/replica_validation_accuracy",
                                   "rlcontroller/validation_accuracy_mean")):
                h = histos.get((tag, step))
                if h is None:
                    fail("no %s histogram at step %d" % (tag, step))
                if h.num != replicas or sum(h.bucket) != replicas:
                    fail("%s step %d: %s values, %s in buckets, %d replicas"
                         % (tag, step, h.num, sum(h.bucket), replicas))
                if not close(h.sum / h.num, expected[(mean_tag, step)], rel=1e-9):
                    fail("%s step %d: mean %r, log.jsonl %s %r"
                         % (tag, step, h.sum / h.num, mean_tag, expected[(mean_tag, step)]))
                if not (h.min <= h.sum / h.num <= h.max) or h.bucket_limit[-1] != h.max:
                    fail("%s step %d: inconsistent min/max/buckets" % (tag, step))

    # What the TensorBoard server shows: one point per logged step, in order.
    acc = event_accumulator.EventAccumulator(
        run_dir, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0})
    acc.Reload()
    for tag in sorted({t for (t, _) in expected}):
        seen = [ev.step for ev in acc.Scalars(tag)]
        want = sorted(s for (t, s) in expected if t == tag)
        if seen != want:
            fail("EventAccumulator %s: steps %s, log.jsonl %s" % (tag, seen[:8], want[:8]))
    print("check_tensorboard_events: %s: %d event files, %d scalars at %d steps, %d histograms: OK"
          % (run_dir, len(files), len(scalars), len(steps), len(histos)))


if __name__ == "__main__":
    main()
