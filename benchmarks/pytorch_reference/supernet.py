#!/usr/bin/python3
"""PyTorch re-implementation of the TuNAS one-shot supernet (TUNAS_SPEC.md §1, §3).

Dev-side only: the speed peer (and later a golden reference) for the C++ engine. Needs
Debian's torch (run with /usr/bin/python3). Never imported by the C++ build.

What it does, in TuNAS terms:
  * reads a search space from tunas_spaces.json and enumerates its decision nodes in the
    canonical post-order of §1.3 (per block: the decisions inside its layers, fields in
    node_field_order, a oneof's nested decisions before the oneof; then the block's filters);
  * per step, takes one float mask vector per decision (§3.1);
  * op decisions are switches y = sum_{m_i != 0} m_i * branch_i(x); branches with m_i == 0
    are not run (§3.2);
  * op collapsing (§3.3): per bottleneck one shared max-width expansion conv+BN, projection
    conv+BN and SE; per kernel size its own depthwise kernel + BN;
  * channel masking BY MULTIPLICATION as TuNAS does (§3.4): W_eff = W * (in_mask x out_mask),
    bias * out_mask, BN on all max channels then * mask; relative expansion
    E = scale(active_in, r, 8); block widths tied per block. MASKING = "slice" runs the same
    maths by channel SLICING instead (as the C++ engine does): every conv, BN and SE runs on
    the active channel prefix of the max-width weights and activations are dense at the
    active width; values and gradients equal the multiply form (test_supernet.py checks it);
  * zero / residual (§3.5), BN always in batch-statistics mode with eps 1e-3 (§3.6),
    init per §3.7, masked L2 (§3.8) collected during the forward pass.

Layout is NCHW at the API (PyTorch convention); pass channels_last tensors for NHWC memory.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

FILTERS_BASE = 8
BN_EPS = 1e-3
HE_TRUNC_CORRECTION = 0.87962566103423978  # std of a unit normal truncated at +-2 sigma

DEFAULT_SPACES_JSON = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data",
    "tunas_spaces.json"))

# "fpad": TF SAME via F.pad then conv padding=0 (always, as TuNAS / the brief).
# "auto": same maths, but a symmetric total pad (stride 1, odd k) goes through the conv's own
#         padding argument (saves one copy per conv); asymmetric pads still use F.pad.
SAME_PAD_MODE = "fpad"

# "multiply": channel masks applied by multiplication on max-width tensors (TuNAS);
# "slice": the active channel prefix only (activations at the active width).
MASKING = "multiply"

# JSON field name -> the spec's path component (Appendix A/B)
FIELD_PATH_NAMES = {"expansion": "expansion_filters", "se": "use_squeeze_and_excite"}


# ----------------------------------------------------------------------------- rounding (§1.2)
def scale_filters(f, m, base=FILTERS_BASE):
    """scale(f, m, base) = max(base, base * floor(f*m/base + 0.5))."""
    return max(base, base * int(f * m / base + 0.5))


def make_divisible(v, d=FILTERS_BASE):
    n = max(d, int((v + d / 2) // d) * d)
    if n < 0.9 * v:
        n += d
    return n


# ----------------------------------------------------------------------------- small helpers
def same_pad_amounts(size, k, s):
    """TF SAME for one spatial dim: (pad_before, pad_after), extra at the bottom/right."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv2d_same(x, w, bias, stride, groups=1):
    k_h, k_w = w.shape[2], w.shape[3]
    if k_h == 1 and k_w == 1 and stride == 1:
        return F.conv2d(x, w, bias, 1, 0, 1, groups)
    ph = same_pad_amounts(x.shape[2], k_h, stride)
    pw = same_pad_amounts(x.shape[3], k_w, stride)
    if SAME_PAD_MODE == "auto" and ph[0] == ph[1] and pw[0] == pw[1]:
        return F.conv2d(x, w, bias, stride, (ph[0], pw[0]), 1, groups)
    if ph != (0, 0) or pw != (0, 0):
        x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
    return F.conv2d(x, w, bias, stride, 0, 1, groups)


def h_swish(x):
    return x * F.relu6(x + 3.0) * (1.0 / 6.0)


ACTIVATIONS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "swish6": h_swish,
    "sigmoid": torch.sigmoid,
    "swish": lambda x: x * torch.sigmoid(x),
    "identity": lambda x: x,
}


def activation_fn(spec):
    name = spec["name"] if isinstance(spec, dict) else spec
    if name not in ACTIVATIONS:
        raise ValueError("unknown activation %r (known: %s)" % (name, sorted(ACTIVATIONS)))
    return ACTIVATIONS[name]


def he_init_(w, fan_in):
    """Truncated (+-2 sigma) He-normal, sigma = sqrt(2/fan_in)/0.8796 (§3.7)."""
    std = math.sqrt(2.0 / fan_in) / HE_TRUNC_CORRECTION
    with torch.no_grad():
        nn.init.trunc_normal_(w, 0.0, std, -2.0 * std, 2.0 * std)
    return w


def is_oneof(v):
    return isinstance(v, dict) and v.get("kind") == "oneof"


# ----------------------------------------------------------------------------- widths (§3.4)
_PREFIX_CACHE = {}


def prefix_mask(active, total, device=None):
    key = (active, total, device)
    m = _PREFIX_CACHE.get(key)
    if m is None:
        m = torch.zeros(total, device=device)
        m[:active] = 1.0
        _PREFIX_CACHE[key] = m
    return m


class FixedWidth:
    def __init__(self, n):
        self.max = n
        self.variable = False

    def active(self, ctx):
        return self.max


class BlockWidth:
    """A block's filters decision; tied for every layer of the block."""

    def __init__(self, choices):
        self.choices = list(choices)
        self.max = max(self.choices)
        self.variable = len(self.choices) > 1
        self.decision = None  # set once the canonical walk reaches the block's filters

    def active(self, ctx):
        return self.choices[ctx.selected(self.decision)]


class RelativeWidth:
    """Relative expansion: E = scale(active_in, r, base); max = scale(max_in, r_max, base)."""

    def __init__(self, src, multipliers, decision):
        self.src = src
        self.multipliers = list(multipliers)
        self.decision = decision  # None for a plain multiplier (no decision node)
        self.max = scale_filters(src.max, max(self.multipliers))
        self.variable = src.variable or len(self.multipliers) > 1

    def active(self, ctx):
        r = self.multipliers[0] if self.decision is None else \
            self.multipliers[ctx.selected(self.decision)]
        return scale_filters(ctx.width(self.src), r)


class AbsoluteChoiceWidth:
    """Absolute expansion widths (a filters oneof of ints); unused by the shipped spaces."""

    def __init__(self, choices, decision):
        self.choices = list(choices)
        self.decision = decision
        self.max = max(self.choices)
        self.variable = len(self.choices) > 1

    def active(self, ctx):
        return self.choices[0] if self.decision is None else \
            self.choices[ctx.selected(self.decision)]


class SEHiddenWidth:
    def __init__(self, e):
        self.e = e
        self.max = make_divisible(0.25 * e.max)
        self.variable = e.variable

    def active(self, ctx):
        return make_divisible(0.25 * ctx.width(self.e))


# ----------------------------------------------------------------------------- per-step context
class StepContext:
    """Masks of one step plus the masked-L2 terms collected during the forward pass."""

    def __init__(self, masks, device=None):
        self.masks = masks  # list (one per decision) of lists of python floats
        self.device = device
        self._sel = {}
        self._width = {}
        self.l2_terms = []

    def selected(self, decision):
        s = self._sel.get(decision)
        if s is None:
            m = self.masks[decision]
            s = max(range(len(m)), key=lambda i: m[i])  # arg-max, ties -> lowest index
            self._sel[decision] = s
        return s

    def width(self, desc):
        key = id(desc)
        w = self._width.get(key)
        if w is None:
            w = desc.active(self)
            self._width[key] = w
        return w

    def mask(self, desc):
        """Prefix mask tensor of a variable width; None for a fixed width (all-ones)."""
        if not desc.variable:
            return None
        return prefix_mask(self.width(desc), desc.max, self.device)

    def add_l2(self, w_eff, reg_scale):
        t = w_eff.pow(2).sum()
        self.l2_terms.append(t if reg_scale == 1.0 else t * reg_scale)

    def l2_loss(self, weight_decay):
        """(wd/2) * sum over active conv kernels of (mask-scaled) ||W (.) mask||^2 (§3.8)."""
        if not self.l2_terms:
            return torch.zeros(())
        return 0.5 * weight_decay * torch.stack(self.l2_terms).sum()


# ----------------------------------------------------------------------------- masked primitives
def masked_conv2d(ctx, x, w, bias, in_desc, out_desc, stride, reg_scale=1.0, regularize=True):
    """Masked conv (§3.4): W_eff = W (.) (in_mask x out_mask), b_eff = b (.) out_mask."""
    if MASKING == "slice":
        ci, co = ctx.width(in_desc), ctx.width(out_desc)
        w_eff = w[:co, :ci]
        if regularize:
            ctx.add_l2(w_eff, reg_scale)
        return conv2d_same(x, w_eff, None if bias is None else bias[:co], stride)
    in_m = ctx.mask(in_desc)
    out_m = ctx.mask(out_desc)
    w_eff = w
    if in_m is not None and out_m is not None:
        w_eff = w * (out_m[:, None] * in_m[None, :])[:, :, None, None]
    elif out_m is not None:
        w_eff = w * out_m[:, None, None, None]
    elif in_m is not None:
        w_eff = w * in_m[None, :, None, None]
    if bias is not None and out_m is not None:
        bias = bias * out_m
    if regularize:
        ctx.add_l2(w_eff, reg_scale)
    return conv2d_same(x, w_eff, bias, stride)


def masked_depthwise_conv2d(ctx, x, w, desc, stride, reg_scale=1.0):
    if MASKING == "slice":
        c = ctx.width(desc)
        ctx.add_l2(w[:c], reg_scale)
        return conv2d_same(x, w[:c], None, stride, groups=c)
    m = ctx.mask(desc)
    w_eff = w if m is None else w * m[:, None, None, None]
    ctx.add_l2(w_eff, reg_scale)
    return conv2d_same(x, w_eff, None, stride, groups=w.shape[0])


def masked_batch_norm(ctx, x, bn, desc):
    """Batch-statistics BN over all max channels, then * mask (mask applied after BN)."""
    if MASKING == "slice":
        c = ctx.width(desc)
        return F.batch_norm(x, None, None, bn.weight[:c], bn.bias[:c], True, 0.0, BN_EPS)
    y = F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, BN_EPS)
    m = ctx.mask(desc)
    if m is not None:
        y = y * m[None, :, None, None]
    return y


class BatchNorm(nn.Module):
    """gamma/beta only: no running statistics during search (§3.6)."""

    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))


def conv_weight(c_out, c_in, k, fan_in=None):
    w = torch.empty(c_out, c_in, k, k)
    return nn.Parameter(he_init_(w, fan_in if fan_in is not None else k * k * c_in))


def run_switch(x, mask, branches, reg_scale):
    """y = sum_{m_i != 0} m_i * branch_i(x). Branches with m_i == 0 are not run; a branch
    returning None is the zero op. Returns None when the result is all zeros. A mask value of
    exactly 1 skips the (identity) multiply."""
    out = None
    for m_i, branch in zip(mask, branches):
        if m_i == 0.0:
            continue
        y = branch(x, reg_scale * m_i)
        if y is None:
            continue
        if m_i != 1.0:
            y = y * m_i
        out = y if out is None else out + y
    return out


def switch(x, mask, branches):
    """Public form of the §3.2 switch: branches are callables f(x); zeros when none is active."""
    y = run_switch(x, mask, [lambda t, s, b=b: b(t) for b in branches], 1.0)
    return torch.zeros_like(x) if y is None else y


# ----------------------------------------------------------------------------- layers
class ConvLayer(nn.Module):
    """Conv (kernel possibly an op decision: one conv+BN per kernel size) [+ BN]."""

    def __init__(self, kernels, kernel_decision, stride, use_bn, in_desc, out_desc):
        super().__init__()
        self.kernels, self.kernel_decision = kernels, kernel_decision
        self.stride, self.use_bn = stride, use_bn
        self.in_desc, self.out_desc = in_desc, out_desc
        self.weights = nn.ParameterList(
            [conv_weight(out_desc.max, in_desc.max, k) for k in kernels])
        if use_bn:
            self.bns = nn.ModuleList([BatchNorm(out_desc.max) for _ in kernels])
            self.biases = None
        else:
            self.biases = nn.ParameterList(
                [nn.Parameter(torch.zeros(out_desc.max)) for _ in kernels])

    def _branch(self, i, ctx):
        def run(x, reg_scale):
            b = None if self.use_bn else self.biases[i]
            y = masked_conv2d(ctx, x, self.weights[i], b, self.in_desc, self.out_desc,
                              self.stride, reg_scale)
            if self.use_bn:
                y = masked_batch_norm(ctx, y, self.bns[i], self.out_desc)
            return y
        return run

    def forward(self, x, ctx, reg_scale=1.0):
        if self.kernel_decision is None:
            return self._branch(0, ctx)(x, reg_scale)
        return run_switch(x, ctx.masks[self.kernel_decision],
                          [self._branch(i, ctx) for i in range(len(self.kernels))], reg_scale)


class DepthwiseBranches(nn.Module):
    """Per kernel size: its own depthwise kernel + BN (+ activation), §3.3."""

    def __init__(self, kernels, kernel_decision, stride, desc, act):
        super().__init__()
        self.kernels, self.kernel_decision, self.stride, self.desc = \
            kernels, kernel_decision, stride, desc
        self.act = act
        # depthwise-corrected He init: fan_in = k*k (§3.7)
        self.weights = nn.ParameterList(
            [nn.Parameter(he_init_(torch.empty(desc.max, 1, k, k), k * k)) for k in kernels])
        self.bns = nn.ModuleList([BatchNorm(desc.max) for _ in kernels])

    def _branch(self, i, ctx):
        def run(x, reg_scale):
            y = masked_depthwise_conv2d(ctx, x, self.weights[i], self.desc, self.stride,
                                        reg_scale)
            return self.act(masked_batch_norm(ctx, y, self.bns[i], self.desc))
        return run

    def forward(self, x, ctx, reg_scale=1.0):
        if self.kernel_decision is None:
            return self._branch(0, ctx)(x, reg_scale)
        return run_switch(x, ctx.masks[self.kernel_decision],
                          [self._branch(i, ctx) for i in range(len(self.kernels))], reg_scale)


class SepConvLayer(nn.Module):
    """Depthwise kxk (per kernel) -> BN -> act -> shared 1x1 -> BN (no final activation)."""

    def __init__(self, kernels, kernel_decision, stride, act, in_desc, out_desc):
        super().__init__()
        self.in_desc, self.out_desc = in_desc, out_desc
        self.dw = DepthwiseBranches(kernels, kernel_decision, stride, in_desc, act)
        self.pw = conv_weight(out_desc.max, in_desc.max, 1)
        self.pw_bn = BatchNorm(out_desc.max)

    def forward(self, x, ctx, reg_scale=1.0):
        h = self.dw(x, ctx, reg_scale)
        h = masked_conv2d(ctx, h, self.pw, None, self.in_desc, self.out_desc, 1, reg_scale)
        return masked_batch_norm(ctx, h, self.pw_bn, self.out_desc)


class SqueezeExcite(nn.Module):
    def __init__(self, e_desc, inner_act, gate_act):
        super().__init__()
        self.e_desc, self.h_desc = e_desc, SEHiddenWidth(e_desc)
        self.inner_act, self.gate_act = inner_act, gate_act
        self.w_a = conv_weight(self.h_desc.max, e_desc.max, 1)
        self.b_a = nn.Parameter(torch.zeros(self.h_desc.max))
        self.w_b = conv_weight(e_desc.max, self.h_desc.max, 1)
        self.b_b = nn.Parameter(torch.zeros(e_desc.max))

    def forward(self, x, ctx, reg_scale=1.0):
        s = x.mean((2, 3), keepdim=True)
        s = self.inner_act(masked_conv2d(ctx, s, self.w_a, self.b_a, self.e_desc, self.h_desc,
                                         1, reg_scale))
        s = self.gate_act(masked_conv2d(ctx, s, self.w_b, self.b_b, self.h_desc, self.e_desc,
                                        1, reg_scale))
        return x * s


class BottleneckLayer(nn.Module):
    """Collapsed inverted bottleneck (§1.1, §3.3): shared max-width expand/project (+SE)."""

    def __init__(self, kernels, kernel_decision, e_desc, se_options, se_decision, stride, act,
                 se_inner_act, se_gate_act, in_desc, out_desc):
        super().__init__()
        self.in_desc, self.e_desc, self.out_desc = in_desc, e_desc, out_desc
        self.act = act
        self.expand = conv_weight(e_desc.max, in_desc.max, 1)
        self.expand_bn = BatchNorm(e_desc.max)
        self.dw = DepthwiseBranches(kernels, kernel_decision, stride, e_desc, act)
        self.se_options, self.se_decision = se_options, se_decision
        self.se = SqueezeExcite(e_desc, se_inner_act, se_gate_act) if any(se_options) else None
        self.project = conv_weight(out_desc.max, e_desc.max, 1)
        self.project_bn = BatchNorm(out_desc.max)

    def _se_branch(self, on, ctx):
        if not on:
            return lambda h, s: h
        return lambda h, s: self.se(h, ctx, s)

    def forward(self, x, ctx, reg_scale=1.0):
        h = masked_conv2d(ctx, x, self.expand, None, self.in_desc, self.e_desc, 1, reg_scale)
        h = self.act(masked_batch_norm(ctx, h, self.expand_bn, self.e_desc))
        h = self.dw(h, ctx, reg_scale)
        if self.se_decision is not None:
            h = run_switch(h, ctx.masks[self.se_decision],
                           [self._se_branch(on, ctx) for on in self.se_options], reg_scale)
        elif self.se_options[0]:
            h = self.se(h, ctx, reg_scale)
        h = masked_conv2d(ctx, h, self.project, None, self.e_desc, self.out_desc, 1, reg_scale)
        return masked_batch_norm(ctx, h, self.project_bn, self.out_desc)


class ZeroLayer(nn.Module):
    def forward(self, x, ctx, reg_scale=1.0):
        return None  # zeros; run_switch / Residual treat None as an all-zero tensor


class OpSwitch(nn.Module):
    """A layer-level op decision (whole layers as branches; also single-choice nodes)."""

    def __init__(self, branches, decision):
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.decision = decision

    def forward(self, x, ctx, reg_scale=1.0):
        return run_switch(x, ctx.masks[self.decision],
                          [lambda t, s, b=b: b(t, ctx, s) for b in self.branches], reg_scale)


class ResidualLayer(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, ctx, reg_scale=1.0):
        y = self.layer(x, ctx, reg_scale)
        return x if y is None else x + y


class ActivationLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, ctx, reg_scale=1.0):
        return self.fn(x)


class GlobalAvgPoolLayer(nn.Module):
    def forward(self, x, ctx, reg_scale=1.0):
        return x.mean((2, 3), keepdim=True)


class IdentityLayer(nn.Module):  # detection endpoint
    def forward(self, x, ctx, reg_scale=1.0):
        return x


# ----------------------------------------------------------------------------- the supernet
class Decision:
    def __init__(self, index, path, tag, choices):
        self.index, self.path, self.tag, self.choices = index, path, tag, choices
        self.n = len(choices)

    def largest(self):
        """Index of the largest choice value (filter warm-up); ties -> lowest index."""
        def value(c):
            if isinstance(c, dict) and c.get("kind") == "multiplier":
                return c["scale"]
            return c if isinstance(c, (int, float)) else 0
        vals = [value(c) for c in self.choices]
        return vals.index(max(vals))


class Supernet(nn.Module):
    """The one-shot model of one TuNAS search space.

    forward(x, masks) -> (logits, ctx); ctx.l2_loss(wd) is the masked L2 of that step.
    masks: list (len == len(self.decisions)) of lists of floats, canonical order (§1.3).
    """

    def __init__(self, space_name="proxylessnas_search", spaces_json=None, in_channels=3,
                 num_classes=1001, width_multiplier=1.0, stem_stride=None,
                 first_s2_bottleneck_stride=None):
        super().__init__()
        with open(spaces_json or DEFAULT_SPACES_JSON) as f:
            data = json.load(f)
        if space_name not in data["spaces"]:
            raise ValueError("unknown space %r (known: %s)" % (space_name,
                                                             sorted(data["spaces"])))
        self.space_name = space_name
        self.field_order = data["node_field_order"]
        self.width_multiplier = width_multiplier
        self.stem_stride = stem_stride
        self.first_s2_bottleneck_stride = first_s2_bottleneck_stride
        self._s2_override_used = False
        self.decisions = []
        self.block_layers = nn.ModuleList()
        self.block_widths = []

        width = FixedWidth(in_channels)
        for b, block in enumerate(data["spaces"][space_name]["blocks"]):
            filt = block["filters"]
            assert is_oneof(filt), "a block's filters must be a decision node"
            out = BlockWidth([scale_filters(w, width_multiplier) for w in filt["choices"]])
            layers = nn.ModuleList()
            for l, layer in enumerate(block["layers"]):
                path = "blocks/%d/layers/%d" % (b, l)
                is_stem = b == 0 and l == 0
                layers.append(self._build(layer, path, width, out, is_stem))
                width = out  # the input width of the next layer is this block's width
            out.decision = self._add_decision("blocks/%d/filters" % b, filt)
            self.block_layers.append(layers)
            self.block_widths.append(out)
        self.classifier = nn.Linear(width.max, num_classes)
        with torch.no_grad():
            nn.init.normal_(self.classifier.weight, 0.0, 0.01)
            nn.init.zeros_(self.classifier.bias)

    # -- canonical walk ---------------------------------------------------------------
    def _add_decision(self, path, node):
        tag = node.get("tag", "op")
        d = Decision(len(self.decisions), path, tag, node["choices"])
        self.decisions.append(d)
        return d.index

    def _build(self, node, path, in_desc, out_desc, is_stem=False):
        """Builds the module for `node`, registering its decisions in canonical post-order."""
        if is_oneof(node):  # a layer-level op decision: nested decisions first
            branches = [self._build(c, "%s/choices/%d" % (path, i), in_desc, out_desc, is_stem)
                        for i, c in enumerate(node["choices"])]
            return OpSwitch(branches, self._add_decision(path, node))
        kind = node["kind"]
        if kind == "residual":
            return ResidualLayer(self._build(node["layer"], path + "/layer", in_desc, out_desc))
        fields = {}
        for field in self.field_order[kind]:  # visit fields in node_field_order
            fields[field] = self._field(node.get(field),
                                        "%s/%s" % (path, FIELD_PATH_NAMES.get(field, field)))
        if kind == "conv":
            kernels, kdec = fields["kernel_size"]
            stride = self._stride(fields["strides"][0][0], self.stem_stride if is_stem else None)
            use_bn = fields["use_batch_norm"][0][0]
            use_bn = True if use_bn is None else use_bn
            return ConvLayer(kernels, kdec, stride, use_bn, in_desc, out_desc)
        if kind == "sepconv":
            kernels, kdec = fields["kernel_size"]
            stride = self._stride(fields["strides"][0][0], None)
            act = activation_fn(node.get("activation") or "relu")
            return SepConvLayer(kernels, kdec, stride, act, in_desc, out_desc)
        if kind == "bottleneck":
            kernels, kdec = fields["kernel_size"]
            exp_choices, exp_dec = fields["expansion"]
            if all(isinstance(c, dict) and c.get("kind") == "multiplier" for c in exp_choices):
                e_desc = RelativeWidth(in_desc, [c["scale"] for c in exp_choices], exp_dec)
            else:
                e_desc = AbsoluteChoiceWidth(
                    [scale_filters(c, self.width_multiplier) for c in exp_choices], exp_dec)
            se_options, se_dec = fields["se"]
            se_options = [bool(s) for s in se_options]
            stride = fields["strides"][0][0]
            if stride == 2 and not self._s2_override_used:
                self._s2_override_used = True
                stride = self._stride(stride, self.first_s2_bottleneck_stride)
            act = activation_fn(node.get("activation") or "relu")
            se_inner = activation_fn(node.get("se_inner_activation") or "relu")
            se_gate = activation_fn(node.get("se_gating_activation") or "sigmoid")
            return BottleneckLayer(kernels, kdec, e_desc, se_options, se_dec, stride, act,
                                   se_inner, se_gate, in_desc, out_desc)
        if kind == "activation":
            return ActivationLayer(activation_fn(node))
        if kind == "zero":
            return ZeroLayer()
        if kind == "global_avg_pool":
            return GlobalAvgPoolLayer()
        if kind == "detection_endpoint":
            return IdentityLayer()
        raise ValueError("unsupported layer kind %r at %s" % (kind, path))

    def _field(self, value, path):
        """(choices, decision index or None) of a node field; registers nested decisions."""
        if is_oneof(value):
            choices = []
            for i, c in enumerate(value["choices"]):
                if isinstance(c, dict) and c.get("kind") not in (None, "multiplier"):
                    # a record inside a field-level oneof: walk it for nested decisions
                    for field in self.field_order.get(c["kind"], []):
                        self._field(c.get(field), "%s/choices/%d/%s" % (path, i, field))
                choices.append(c)
            return choices, self._add_decision(path, value)
        if isinstance(value, dict) and value.get("kind") in self.field_order:
            for field in self.field_order[value["kind"]]:
                self._field(value.get(field), "%s/%s" % (path, field))
        return [value], None

    @staticmethod
    def _stride(s, override):
        return s if override is None else override

    # -- masks (§3.1) -----------------------------------------------------------------
    def masks_from_indices(self, indices):
        if isinstance(indices, str):
            indices = [int(t) for t in indices.strip().split(":")] if indices.strip() else []
        if len(indices) != len(self.decisions):
            raise ValueError("expected %d indices, got %d" % (len(self.decisions), len(indices)))
        masks = []
        for d, i in zip(self.decisions, indices):
            if not 0 <= i < d.n:
                raise ValueError("index %d out of range for %s (%d choices)" % (i, d.path, d.n))
            m = [0.0] * d.n
            m[i] = 1.0
            masks.append(m)
        return masks

    def random_indices(self, rng):
        return [rng.randrange(d.n) for d in self.decisions]

    @staticmethod
    def op_warmup_mask(d):
        return [1.0 / d.n] * d.n

    @staticmethod
    def filter_warmup_mask(d):
        m = [0.0] * d.n
        m[d.largest()] = 1.0
        return m

    def warmup_masks(self, base_masks=None, op=True, filters=True):
        """Replaces op masks by 1/n (op warm-up) and filter masks by the largest choice."""
        base = base_masks or self.masks_from_indices([0] * len(self.decisions))
        out = []
        for d, m in zip(self.decisions, base):
            if d.n > 1 and op and d.tag == "op":
                m = self.op_warmup_mask(d)
            elif d.n > 1 and filters and d.tag == "filters":
                m = self.filter_warmup_mask(d)
            out.append(list(m))
        return out

    def max_masks(self):
        """Every filter decision at its largest choice; op decisions at index 0."""
        return self.warmup_masks(op=False, filters=True)

    # -- forward ----------------------------------------------------------------------
    def forward(self, x, masks):
        ctx = StepContext(masks, x.device if x.device.type != "cpu" else None)
        for layers in self.block_layers:
            for layer in layers:
                y = layer(x, ctx)
                x = torch.zeros_like(x) if y is None else y
        assert x.shape[2] == 1 and x.shape[3] == 1, "the space must end in a 1x1 map"
        c = x.shape[1]  # the active width when slicing
        return F.linear(x.flatten(1), self.classifier.weight[:, :c], self.classifier.bias), ctx

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())


def build_from_args(args):
    return Supernet(args.space, args.spaces_json, in_channels=args.in_channels,
                    num_classes=args.classes, width_multiplier=args.width_multiplier,
                    stem_stride=args.stem_stride,
                    first_s2_bottleneck_stride=args.first_s2_stride)


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser(description="Build a TuNAS supernet and list its decisions.")
    p.add_argument("--space", default="proxylessnas_search")
    p.add_argument("--spaces-json", default=None)
    p.add_argument("--in-channels", type=int, default=3)
    p.add_argument("--classes", type=int, default=1001)
    p.add_argument("--width-multiplier", type=float, default=1.0)
    p.add_argument("--stem-stride", type=int, default=None)
    p.add_argument("--first-s2-stride", type=int, default=None)
    p.add_argument("--list", action="store_true", help="print every decision")
    a = p.parse_args()
    net = build_from_args(a)
    ops = sum(d.tag == "op" for d in net.decisions)
    print("%s: %d decisions (%d op, %d filters), %d parameters at max width"
          % (a.space, len(net.decisions), ops, len(net.decisions) - ops, net.num_parameters()))
    if a.list:
        for d in net.decisions:
            print("%3d %-60s %-7s %d" % (d.index, d.path, d.tag, d.n))
