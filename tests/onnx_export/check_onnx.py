"""Runs an exported model.onnx in ONNX Runtime on the raw images tunas_onnx_reference dumped
and compares with the engine's logits (dev-side check, run by run_onnx_check.sh).

usage: check_onnx.py DIR [DIR...] [--result RESULT_JSON] [--tolerance 1e-4]
Each DIR holds model.onnx, images.u8, labels.i32, logits.f32, meta.json. With --result (a
tunas_train result.json), ONNX Runtime's top-1 must also equal the run's eval_correct.
Exit 1 with a message on any mismatch.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--result", default=None)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    if args.result and len(args.dirs) != 1:
        sys.exit("--result goes with one DIR")
    for d in args.dirs:
        check(d, args)


def check(d, args):
    meta = json.load(open(os.path.join(d, "meta.json")))
    n, h, w, c, k = (meta[x] for x in ("images", "height", "width", "channels", "classes"))
    images = np.fromfile(os.path.join(d, "images.u8"), dtype=np.uint8).reshape(n, h, w, c)
    labels = np.fromfile(os.path.join(d, "labels.i32"), dtype=np.int32)
    engine = np.fromfile(os.path.join(d, "logits.f32"), dtype=np.float32).reshape(n, k)

    model = os.path.join(d, "model.onnx")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    meta_props = sess.get_modelmeta().custom_metadata_map
    for key in ("tunas.space", "tunas.indices", "tunas.cost_model", "tunas.class_names",
                "tunas.preprocessing"):
        if key not in meta_props:
            sys.exit(f"{model}: metadata_props lack {key}")
    if len(json.loads(meta_props["tunas.class_names"])) != k:
        sys.exit(f"{model}: tunas.class_names does not list {k} classes")
    (inp,), (out,) = sess.get_inputs(), sess.get_outputs()
    if inp.name != "images" or out.name != "logits" or list(inp.shape[1:]) != [c, h, w]:
        sys.exit(f"{model}: input {inp.name}{inp.shape}, output {out.name}; expected images "
                 f"[N, {c}, {h}, {w}] and logits")

    nchw = images.transpose(0, 3, 1, 2).astype(np.float32)  # raw [0, 255], as a user has them
    got = np.concatenate([sess.run(["logits"], {"images": nchw[i:i + 256]})[0]
                          for i in range(0, n, 256)])
    diff = float(np.max(np.abs(got - engine)))
    scale = float(np.max(np.abs(engine)))
    correct = int(np.sum(np.argmax(got, axis=1) == labels))
    print(f"{d}: {n} images, max |ORT - engine| = {diff:.3g} (max |logit| {scale:.3g}), "
          f"ORT top-1 {correct}/{n}, engine {meta['correct']}/{n}")
    if not diff <= args.tolerance:
        sys.exit(f"FAIL: logits differ by {diff:.3g} > {args.tolerance}")
    if args.result:
        result = json.load(open(args.result))
        if result["eval_images"] != n or correct != result["eval_correct"]:
            sys.exit(f"FAIL: ORT top-1 {correct}/{n}, tunas_train reported "
                     f"{result['eval_correct']}/{result['eval_images']} ({result['top1']})")
        print(f"ORT top-1 {correct / n:.4f} equals tunas_train's {result['top1']:.4f}")


if __name__ == "__main__":
    main()
