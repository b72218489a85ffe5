#!/usr/bin/env python3
"""Writes golden inputs, outputs and gradients of one inverted bottleneck, computed by PyTorch.

Dev-only: needs Debian's python3-torch (`scripts/install_deps.sh --with-torch`), never needed
to build or test. The C++ test tests/kernels/test_golden_ibn.cc only reads the file this
writes (ibn_golden.txt, committed).

The block (spec TUNAS_SPEC.md §1.1, §0, §3.6), NHWC with TensorFlow SAME padding:
  1x1 expand (8 -> 24), BN (batch stats, eps 1e-3), ReLU,
  depthwise 5x5 stride 2 SAME, BN, ReLU,
  squeeze-and-excite (GAP, 1x1 24 -> 8 + bias, ReLU, 1x1 8 -> 24 + bias, sigmoid, multiply),
  1x1 project (24 -> 16), BN (linear).
Loss = sum(out * r) for a fixed random r, so d_out = r. Computed in float64 from float32
inputs. Weights are written in TensorFlow layouts: 1x1 [cin][cout], depthwise [kh][kw][c].

File format: per tensor one header line "name ndim d0 d1 ..." and one line of values (%.9e).
Usage: make_golden_ibn.py [output path]
"""
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(2020)
N, H, W, C_IN, E, C_OUT, K, S = 2, 10, 9, 8, 24, 16, 5, 2
SE_HIDDEN = 8  # make_divisible(0.25 * 24, 8)
EPS = 1e-3


def rnd(*shape, scale=1.0):
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(torch.float64).requires_grad_(True)


def same_pad(x_nchw, k, s):
    """TF SAME: total = max((out-1)*s + k - in, 0); extra pad goes bottom/right."""
    h, w = x_nchw.shape[2], x_nchw.shape[3]
    pads = []
    for size in (w, h):  # F.pad order: last dim first
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x_nchw, pads)


def bn_train(x_nhwc, gamma, beta):
    mean = x_nhwc.mean(dim=(0, 1, 2))
    var = x_nhwc.var(dim=(0, 1, 2), unbiased=False)
    return (x_nhwc - mean) / torch.sqrt(var + EPS) * gamma + beta


tensors = {
    "src": rnd(N, H, W, C_IN),
    "expand_w": rnd(C_IN, E, scale=0.5),
    "expand_gamma": rnd(E, scale=0.2), "expand_beta": rnd(E, scale=0.2),
    "dw_w": rnd(K, K, E, scale=0.3),
    "dw_gamma": rnd(E, scale=0.2), "dw_beta": rnd(E, scale=0.2),
    "se_a_w": rnd(E, SE_HIDDEN, scale=0.4), "se_a_b": rnd(SE_HIDDEN, scale=0.1),
    "se_b_w": rnd(SE_HIDDEN, E, scale=0.4), "se_b_b": rnd(E, scale=0.1),
    "project_w": rnd(E, C_OUT, scale=0.3),
    "project_gamma": rnd(C_OUT, scale=0.2), "project_beta": rnd(C_OUT, scale=0.2),
}
with torch.no_grad():  # gammas around 1
    for name in ("expand_gamma", "dw_gamma", "project_gamma"):
        tensors[name] += 1.0

t = tensors
x = t["src"]
h1 = torch.relu(bn_train(x @ t["expand_w"], t["expand_gamma"], t["expand_beta"]))
h1_nchw = same_pad(h1.permute(0, 3, 1, 2), K, S)
dw_kernel = t["dw_w"].permute(2, 0, 1).unsqueeze(1)  # [E, 1, kh, kw]
h2 = F.conv2d(h1_nchw, dw_kernel, stride=S, groups=E).permute(0, 2, 3, 1)
h2 = torch.relu(bn_train(h2, t["dw_gamma"], t["dw_beta"]))
pooled = h2.mean(dim=(1, 2))  # [N, E]
gate = torch.sigmoid(torch.relu(pooled @ t["se_a_w"] + t["se_a_b"]) @ t["se_b_w"] + t["se_b_b"])
h3 = h2 * gate[:, None, None, :]
dst = bn_train(h3 @ t["project_w"], t["project_gamma"], t["project_beta"])

r = torch.randn(*dst.shape, dtype=torch.float32).to(torch.float64)
loss = (dst * r).sum()
loss.backward()

out_path = sys.argv[1] if len(sys.argv) > 1 else "ibn_golden.txt"
with open(out_path, "w") as f:
    f.write("# tunas-cpp golden inverted bottleneck; generator: tests/golden/make_golden_ibn.py; "
            f"torch {torch.__version__}\n")

    def write(name, value):
        v = value.detach().reshape(-1).tolist()
        f.write(f"{name} {value.dim()} {' '.join(str(d) for d in value.shape)}\n")
        f.write(" ".join(f"{x:.9e}" for x in v) + "\n")

    for name, value in tensors.items():
        write(name, value)
    write("d_dst", r)
    write("dst", dst)
    for name, value in tensors.items():
        write("grad_" + name, value.grad)
print(f"wrote {out_path}: dst {tuple(dst.shape)}, loss {loss.item():.6f}")
