#!/usr/bin/python3
"""Times one TuNAS supernet training step in PyTorch (the speed peer of the C++ engine).

One step = sample a uniformly random architecture -> masks -> forward -> softmax
cross-entropy (label smoothing 0.1) + masked L2 (wd/2)*sum w^2 on the active conv kernels
-> backward -> TF-1 RMSProp (rho 0.9, momentum 0.9, eps 1.0 inside the sqrt, ms starting at
1, dense update of every parameter). Data is a fixed random batch (no input pipeline).

Run with Debian's torch: /usr/bin/python3 bench_step.py --preset proxy [--json out.json]
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import supernet as sn  # noqa: E402

PRESETS = {
    # ImageNet-size search step of the paper's ProxylessNAS space.
    "full": dict(space="proxylessnas_search", resolution=224, in_channels=3, batch=16,
                 classes=1001, stem_stride=None, first_s2_stride=None, warmup=2, iters=12,
                 time_budget=110.0),
    # Fashion-MNIST-size proxy: 32x32x1, stem and first stride-2 bottleneck at stride 1.
    "proxy": dict(space="proxylessnas_search", resolution=32, in_channels=1, batch=128,
                  classes=10, stem_stride=1, first_s2_stride=1, warmup=2, iters=10,
                  time_budget=55.0),
}


class TFRMSProp:
    """RMSProp with TensorFlow-1 semantics (TUNAS_SPEC.md §6.3), dense over all parameters.

    ms <- rho*ms + (1-rho)*g^2 ;  mom <- momentum*mom + lr*g/sqrt(ms + eps) ;  w <- w - mom
    ms starts at 1.0, mom at 0. torch.optim.RMSprop differs (ms starts at 0, eps outside
    the sqrt), so it is not used.
    """

    def __init__(self, params, lr, rho=0.9, momentum=0.9, eps=1.0):
        self.params = [p for p in params]
        self.lr, self.rho, self.momentum, self.eps = lr, rho, momentum, eps
        self.ms = [torch.ones_like(p) for p in self.params]
        self.mom = [torch.zeros_like(p) for p in self.params]
        for p in self.params:  # dense: every parameter has a (possibly zero) gradient
            p.grad = torch.zeros_like(p)

    def zero_grad(self):
        torch._foreach_zero_([p.grad for p in self.params])

    @torch.no_grad()
    def step(self):
        grads = [p.grad for p in self.params]
        torch._foreach_mul_(self.ms, self.rho)
        torch._foreach_addcmul_(self.ms, grads, grads, 1.0 - self.rho)
        denom = torch._foreach_add(self.ms, self.eps)
        torch._foreach_sqrt_(denom)
        torch._foreach_mul_(self.mom, self.momentum)
        torch._foreach_addcdiv_(self.mom, grads, denom, self.lr)
        torch._foreach_sub_(self.params, self.mom)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default=None)
    p.add_argument("--space", default=None)
    p.add_argument("--spaces-json", default=None,
                   help="default: <repo>/../shared/data/tunas_spaces.json")
    p.add_argument("--resolution", type=int, default=None)
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--in-channels", type=int, default=None)
    p.add_argument("--classes", type=int, default=None)
    p.add_argument("--width-multiplier", type=float, default=1.0)
    p.add_argument("--stem-stride", type=int, default=None, help="override the stem stride")
    p.add_argument("--first-s2-stride", type=int, default=None,
                   help="override the stride of the first stride-2 bottleneck")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels-last", dest="channels_last", action="store_true", default=True)
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--op-warmup", action="store_true",
                   help="worst case: every op mask uniform 1/n, every filter mask at the "
                        "largest choice (no sampling)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps")
    p.add_argument("--iters", type=int, default=None, help="timed steps")
    p.add_argument("--time-budget", type=float, default=None,
                   help="stop timing early (after >= 1 timed step) when the next step would "
                        "end past this many seconds since start; 0 = no limit. Presets: "
                        "proxy 55, full 110")
    p.add_argument("--lr", type=float, default=None, help="default 0.165*batch/256")
    p.add_argument("--weight-decay", type=float, default=4e-5)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pad-mode", choices=["fpad", "auto"], default="fpad",
                   help="fpad: TF SAME always via F.pad + padding=0; auto: symmetric pads "
                        "through the conv's own padding (same maths, one copy fewer)")
    p.add_argument("--masking", choices=["multiply", "slice"], default="multiply",
                   help="channel masks by multiplication on max-width tensors (TuNAS) or by "
                        "slicing the active prefix (the C++ engine's way; same maths)")
    p.add_argument("--indices-file", default=None,
                   help="replay index strings (one 'i:j:k:...' per line, L lines) instead of "
                        "sampling: warm-up step w runs line w mod L, timed step j line j mod L "
                        "(as tunas_bench_supernet --indices-file)")
    p.add_argument("--json", default=None, help="write the results to this file")
    a = p.parse_args(argv)
    preset = dict(PRESETS[a.preset]) if a.preset else dict(
        space="proxylessnas_search", resolution=224, in_channels=3, batch=16, classes=1001,
        stem_stride=None, first_s2_stride=None, warmup=2, iters=12, time_budget=0.0)
    for k, v in preset.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.lr is None:
        a.lr = 0.165 * a.batch / 256
    return a


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    sn.SAME_PAD_MODE = a.pad_mode
    sn.MASKING = a.masking
    rng = random.Random(a.seed)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format

    t0 = time.perf_counter()
    t_start = t0
    net = sn.build_from_args(a)
    net = net.to(memory_format=fmt)
    opt = TFRMSProp(net.parameters(), a.lr)
    build_s = time.perf_counter() - t0

    x = torch.randn(a.batch, a.in_channels, a.resolution, a.resolution)
    x = x.contiguous(memory_format=fmt)
    # 1001-class ImageNet convention: index 1000 (background) is never a target.
    n_targets = 1000 if a.classes == 1001 else a.classes
    y = torch.randint(0, n_targets, (a.batch,))
    fixed_masks = net.warmup_masks(op=True, filters=True) if a.op_warmup else None
    replay = None
    if a.indices_file:
        with open(a.indices_file) as f:
            lines = [ln.strip() for ln in f if ln.strip() and not ln.strip().startswith("#")]
        if not lines:
            raise SystemExit("--indices-file %s: no index strings" % a.indices_file)
        replay = [net.masks_from_indices(ln) for ln in lines]

    def step(i):
        """i: the replay line of this step (ignored when sampling)."""
        if fixed_masks:
            masks = fixed_masks
        elif replay:
            masks = replay[i % len(replay)]
        else:
            masks = net.masks_from_indices(net.random_indices(rng))
        opt.zero_grad()
        logits, ctx = net(x, masks)
        loss_ce = F.cross_entropy(logits, y, label_smoothing=a.label_smoothing)
        loss = loss_ce + ctx.l2_loss(a.weight_decay)
        loss.backward()
        opt.step()
        return float(loss)

    losses, times = [], []
    for i in range(a.warmup + a.iters):
        t = time.perf_counter()
        losses.append(step(i if i < a.warmup else i - a.warmup))
        dt = time.perf_counter() - t
        if i >= a.warmup:
            times.append(dt)
            elapsed = time.perf_counter() - t_start
            if a.time_budget and elapsed + statistics.median(times) > a.time_budget \
                    and len(times) < a.iters:
                print("time budget %.0f s reached: %d of %d timed steps done"
                      % (a.time_budget, len(times), a.iters))
                break
    med = statistics.median(times)
    res = dict(
        images_per_s=a.batch / med,
        step_seconds_median=med,
        step_seconds_mean=statistics.mean(times),
        step_seconds_min=min(times),
        step_seconds_all=times,
        timed_steps=len(times),
        total_seconds=time.perf_counter() - t_start,
        losses=losses,
        build_seconds=build_s,
        num_parameters=net.num_parameters(),
        num_decisions=len(net.decisions),
        config=dict(preset=a.preset, space=a.space, resolution=a.resolution, batch=a.batch,
                    in_channels=a.in_channels, classes=a.classes,
                    width_multiplier=a.width_multiplier, stem_stride=a.stem_stride,
                    first_s2_stride=a.first_s2_stride, threads=a.threads,
                    channels_last=a.channels_last, op_warmup=a.op_warmup, warmup=a.warmup,
                    iters=a.iters, time_budget=a.time_budget, lr=a.lr,
                    weight_decay=a.weight_decay,
                    label_smoothing=a.label_smoothing, seed=a.seed, pad_mode=a.pad_mode,
                    masking=a.masking, indices_file=a.indices_file, optimizer="tf1_rmsprop(rho=0.9,mom=0.9,eps=1.0)"),
        torch_version=torch.__version__,
        python_version=platform.python_version(),
        machine=platform.machine(),
        cpu_count=os.cpu_count(),
        loadavg=os.getloadavg(),
    )
    print("%s %dx%dx%d batch %d classes %d wm %.3g threads %d %s %s%s: median step %.3f s "
          "(min %.3f, mean %.3f over %d), %.1f images/s, loss %.3f -> %.3f, torch %s"
          % (a.space, a.resolution, a.resolution, a.in_channels, a.batch, a.classes,
             a.width_multiplier, a.threads, "channels_last" if a.channels_last else "nchw",
             a.masking,
             " op-warmup" if a.op_warmup else "", med, min(times), res["step_seconds_mean"],
             len(times), res["images_per_s"], losses[0], losses[-1], torch.__version__))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
