#!/usr/bin/python3
"""Writes tests/golden/supernet_golden.txt: a 2-block TuNAS supernet evaluated in PyTorch.

Dev-only (Debian's torch 1.13, run with /usr/bin/python3); the C++ test
tests/supernet/test_golden.cc only reads the committed text file.

The model is benchmarks/pytorch_reference/supernet.py (engineer "pytorch"), which masks
channels BY MULTIPLICATION as TuNAS does, run in float64: so the golden also checks that the
C++ engine's channel SLICING equals masking. The space (same as kGoldenYaml in the C++ test):

  block 0 (filters {8,16}):  conv kernel op{3,5} s2 + BN; h-swish
  block 1 (filters {8,16}):  bottleneck s2 (kernel {3,5}, expansion {x1,x2}, SE {off,on}, h-swish);
                             residual(op{bottleneck s1 (same fields), zero}); global_avg_pool
  classifier 1x1 -> 5 classes; input 8x8x3, batch 4; label smoothing 0.1; weight decay 1e-2.

Two cases: a one-hot sample at the narrow widths (sliced), and an op+filter warm-up sample
(fractional masks). Per case: masks, logits, the loss pieces and every parameter's gradient,
in the C++ engine's names and layouts (HWIO kernels, depthwise [k][k][C][1]).
"""
import json
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "pytorch_reference"))
import supernet as sn  # noqa: E402

WD = 1e-2
SMOOTHING = 0.1
CLASSES = 5
RES = 8
BATCH = 4

ACT = {"kind": "activation", "name": "swish6"}
RELU = {"kind": "activation", "name": "relu"}
SIGMOID = {"kind": "activation", "name": "sigmoid"}


def oneof(tag, choices):
    return {"kind": "oneof", "tag": tag, "choices": choices}


def bottleneck(stride):
    return {"kind": "bottleneck", "kernel_size": oneof("op", [3, 5]),
            "expansion": oneof("filters", [{"kind": "multiplier", "scale": 1.0},
                                           {"kind": "multiplier", "scale": 2.0}]),
            "se": oneof("op", [False, True]), "strides": stride, "activation": ACT,
            "se_inner_activation": RELU, "se_gating_activation": SIGMOID}


SPACE = {"blocks": [
    {"filters": oneof("filters", [8, 16]),
     "layers": [{"kind": "conv", "kernel_size": oneof("op", [3, 5]), "strides": 2,
                 "use_batch_norm": True},
                {"kind": "activation", "name": "swish6"}]},
    {"filters": oneof("filters", [8, 16]),
     "layers": [bottleneck(2),
                {"kind": "residual", "layer": oneof("op", [bottleneck(1), {"kind": "zero"}])},
                {"kind": "global_avg_pool"}]},
]}


def hwio(w):  # torch OIHW -> TF HWIO
    return w.permute(2, 3, 1, 0)


def dw_layout(w):  # torch (C,1,k,k) -> [k][k][C][1]
    return w.permute(2, 3, 0, 1)


def bottleneck_params(prefix, m):
    out = [(prefix + "/expand/kernel", m.expand, hwio),
           (prefix + "/expand/bn/gamma", m.expand_bn.weight, None),
           (prefix + "/expand/bn/beta", m.expand_bn.bias, None)]
    for i, k in enumerate(m.dw.kernels):
        out += [("%s/depthwise/k%d/kernel" % (prefix, k), m.dw.weights[i], dw_layout),
                ("%s/depthwise/k%d/bn/gamma" % (prefix, k), m.dw.bns[i].weight, None),
                ("%s/depthwise/k%d/bn/beta" % (prefix, k), m.dw.bns[i].bias, None)]
    out += [(prefix + "/se/reduce/kernel", m.se.w_a, hwio),
            (prefix + "/se/reduce/bias", m.se.b_a, None),
            (prefix + "/se/expand/kernel", m.se.w_b, hwio),
            (prefix + "/se/expand/bias", m.se.b_b, None),
            (prefix + "/project/kernel", m.project, hwio),
            (prefix + "/project/bn/gamma", m.project_bn.weight, None),
            (prefix + "/project/bn/beta", m.project_bn.bias, None)]
    return out


def named_params(net):
    conv = net.block_layers[0][0]
    out = []
    for i, k in enumerate(conv.kernels):
        out += [("blocks/0/layers/0/k%d/kernel" % k, conv.weights[i], hwio),
                ("blocks/0/layers/0/k%d/bn/gamma" % k, conv.bns[i].weight, None),
                ("blocks/0/layers/0/k%d/bn/beta" % k, conv.bns[i].bias, None)]
    out += bottleneck_params("blocks/1/layers/0", net.block_layers[1][0])
    out += bottleneck_params("blocks/1/layers/1/layer/choices/0",
                             net.block_layers[1][1].layer.branches[0])
    out += [("classifier/kernel", net.classifier.weight, lambda w: w.t()[None, None]),
            ("classifier/bias", net.classifier.bias, None)]
    return out


def flat(t, layout):
    t = t.detach() if layout is None else layout(t.detach())
    return t.contiguous().reshape(-1).tolist()


def fmt(values):
    return " ".join("%.9g" % v for v in values)


def main():
    torch.manual_seed(20200611)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        ref = json.load(open(sn.DEFAULT_SPACES_JSON))
        json.dump({"format": ref.get("format"), "node_field_order": ref["node_field_order"],
                   "spaces": {"golden": SPACE}}, f)
        path = f.name
    net = sn.Supernet("golden", spaces_json=path, in_channels=3, num_classes=CLASSES)
    os.unlink(path)
    net = net.double()
    params = named_params(net)
    assert len({id(p) for _, p, _ in params}) == sum(1 for _ in net.parameters()), \
        "the name table misses a parameter"
    gen = torch.Generator().manual_seed(7)
    images = torch.randn(BATCH, RES, RES, 3, generator=gen, dtype=torch.float64)  # NHWC
    labels = torch.randint(0, CLASSES, (BATCH,), generator=gen)
    n_dec = len(net.decisions)
    one_hot = net.masks_from_indices([1, 0, 0, 0, 1, 1, 1, 1, 0, 0])  # widths 8, SE on, x2...
    warm = net.warmup_masks(net.masks_from_indices([0] * n_dec), op=True, filters=True)
    lines = ["# Auto-generated -- do not edit; generator: tests/golden/make_golden_supernet.py",
             "# model: benchmarks/pytorch_reference/supernet.py in float64 (mask-multiply)",
             "decisions %d" % n_dec,
             "images %d %s" % (images.numel(), fmt(images.reshape(-1).tolist())),
             "labels %d %s" % (BATCH, fmt(labels.tolist()))]
    for name, p, layout in params:
        lines.append("param %s %d %s" % (name, p.numel(), fmt(flat(p, layout))))
    x = images.permute(0, 3, 1, 2).contiguous()
    for case, masks in (("one_hot", one_hot), ("warmup", warm)):
        net.zero_grad(set_to_none=False)
        for p in net.parameters():
            if p.grad is not None:
                p.grad.zero_()
        logits, ctx = net(x, masks)
        empirical = F.cross_entropy(logits, labels, label_smoothing=SMOOTHING)
        reg = ctx.l2_loss(WD)
        (empirical + reg).backward()
        lines.append("case %s" % case)
        for d, m in enumerate(masks):
            lines.append("mask %d %d %s" % (d, len(m), fmt(m)))
        lines.append("logits %d %s" % (logits.numel(), fmt(logits.detach().reshape(-1).tolist())))
        lines.append("loss %.12g %.12g" % (float(empirical), float(reg)))
        for name, p, layout in params:
            g = torch.zeros_like(p) if p.grad is None else p.grad
            lines.append("grad %s %d %s" % (name, p.numel(), fmt(flat(g, layout))))
        lines.append("end")
    out = os.path.join(HERE, "supernet_golden.txt")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d decisions, %d parameters)" % (out, n_dec, len(params)))


if __name__ == "__main__":
    main()
