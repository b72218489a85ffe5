"""Times an exported model.onnx in ONNX Runtime (CPU provider) on raw uint8 images dumped by
tunas_onnx_reference: batch 1 and the whole dump, 1 and 2 intra-op threads, median of repeated
runs for about --seconds per row. One JSON line per row (the same fields as the engine's rows).

usage: bench_ort.py DIR [--seconds S]
"""
import argparse
import json
import os
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.dir, "meta.json")))
    n, h, w, c = (meta[x] for x in ("images", "height", "width", "channels"))
    images = np.fromfile(os.path.join(args.dir, "images.u8"), dtype=np.uint8).reshape(n, h, w, c)
    nchw = np.ascontiguousarray(images.transpose(0, 3, 1, 2).astype(np.float32))
    for threads in (1, 2):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sess = ort.InferenceSession(os.path.join(args.dir, "model.onnx"), opts,
                                    providers=["CPUExecutionProvider"])
        for batch in (1, n):
            x = nchw[:batch]
            sess.run(["logits"], {"images": x})  # warm-up
            ms = []
            start = time.perf_counter()
            while len(ms) < 5 or time.perf_counter() - start < args.seconds:
                t0 = time.perf_counter()
                sess.run(["logits"], {"images": x})
                ms.append((time.perf_counter() - t0) * 1000.0)
            ms.sort()
            med = ms[len(ms) // 2]
            print(json.dumps({"runtime": f"onnxruntime {ort.__version__}", "threads": threads,
                              "batch": batch, "ms_per_batch": med,
                              "images_per_second": batch * 1000.0 / med, "runs": len(ms)}))


if __name__ == "__main__":
    main()
