#!/usr/bin/python3
"""Self-checks of the PyTorch TuNAS supernet (dev-side, not part of the C++ suite).

Run: /usr/bin/python3 benchmarks/pytorch_reference/test_supernet.py [-v]
"""
import os
import random
import re
import sys
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import supernet as sn  # noqa: E402
import bench_step as bs  # noqa: E402

SPEC = os.path.normpath(os.path.join(os.path.dirname(sn.DEFAULT_SPACES_JSON), "..", "spec",
                                     "TUNAS_SPEC.md"))
SPACES = ("proxylessnas_search", "proxylessnas_enlarged_search", "mobilenet_v3_like_search")
_NETS = {}


def net_of(space):
    if space not in _NETS:
        torch.manual_seed(0)
        _NETS[space] = sn.Supernet(space)
    return _NETS[space]


def appendix_paths(letter):
    """(pos, path, tag) rows of spec Appendix A or B."""
    with open(SPEC) as f:
        text = f.read()
    start = text.index("## Appendix %s" % letter)
    end = text.find("\n## Appendix", start + 10)
    rows = re.findall(r"^\| (\d+) \| `([^`]+)` \| (\w+) \|", text[start:end], re.M)
    return [(int(p), path, tag) for p, path, tag in rows]


class Decisions(unittest.TestCase):
    def test_counts(self):
        expect = {"proxylessnas_search": (73, 43, 30, 58),
                  "proxylessnas_enlarged_search": (73, 43, 30, 67),
                  "mobilenet_v3_like_search": (86, 58, 28, 86)}
        for space, (n, n_op, n_fil, n_multi) in expect.items():
            d = net_of(space).decisions
            self.assertEqual(len(d), n, space)
            self.assertEqual(sum(x.tag == "op" for x in d), n_op, space)
            self.assertEqual(sum(x.tag == "filters" for x in d), n_fil, space)
            self.assertEqual(sum(x.n > 1 for x in d), n_multi, space)

    @unittest.skipUnless(os.path.exists(SPEC), "spec not found")
    def test_paths_match_spec_appendices(self):
        for letter, space in (("A", "proxylessnas_search"), ("A", "proxylessnas_enlarged_search"),
                              ("B", "mobilenet_v3_like_search")):
            rows = appendix_paths(letter)
            got = [(d.index, d.path, d.tag) for d in net_of(space).decisions]
            self.assertEqual(len(rows), len(got), space)
            self.assertEqual(rows, got, space)

    def test_rounding(self):
        for (f, m, b), v in {(32, 0.25, 8): 8, (64, 1 / 3, 8): 24, (64, 1.4, 32): 96,
                             (64, 3, 32): 192, (68, 1.0, 8): 72, (68, 1.2, 8): 80,
                             (76, 1.0, 8): 80, (76, 1.2, 8): 88}.items():
            self.assertEqual(sn.scale_filters(f, m, b), v)
        for (v, d), n in {(7, 8): 8, (92, 100): 100, (8, 8): 8, (56, 8): 56, (72, 8): 72,
                          (1023, 8): 1024, (1025, 8): 1024, (18, 8): 24}.items():
            self.assertEqual(sn.make_divisible(v, d), n)

    def test_masks(self):
        net = net_of("mobilenet_v3_like_search")
        m = net.warmup_masks()
        for d, v in zip(net.decisions, m):
            if d.tag == "op":
                self.assertEqual(v, [1.0 / d.n] * d.n)
            else:  # largest choice: the last one in these spaces
                self.assertEqual(v.index(1.0), d.n - 1)
        with self.assertRaises(ValueError):
            net.masks_from_indices([0] * 85)


class Switch(unittest.TestCase):
    def test_identity_relu(self):
        rows = {(0, 0): ([0, 0, 0], [0, 0, 0]), (1, 0): ([1, 2, -3], [1, 1, 1]),
                (0, 1): ([1, 2, 0], [1, 1, 0]), (1, 1): ([2, 4, -3], [2, 2, 1]),
                (0.6, 0.4): ([1, 2, -1.8], [1, 1, 0.6])}
        for mask, (y_exp, g_exp) in rows.items():
            x = torch.tensor([1.0, 2.0, -3.0], requires_grad=True)
            y = sn.switch(x, list(mask), [lambda t: t, torch.relu])
            if y.requires_grad:
                y.sum().backward()
            g = x.grad if x.grad is not None else torch.zeros(3)
            self.assertTrue(torch.allclose(y, torch.tensor(y_exp, dtype=torch.float)), mask)
            self.assertTrue(torch.allclose(g, torch.tensor(g_exp, dtype=torch.float)), mask)

    def test_scalar_branches(self):
        w3 = torch.tensor(3.0, requires_grad=True)
        w4 = torch.tensor(4.0, requires_grad=True)
        x = torch.tensor([1.0, 2.0, 3.0])
        y = sn.switch(x, [0.6, 0.4], [lambda t: t * w3, lambda t: t * w4])
        self.assertTrue(torch.allclose(y, torch.tensor([3.4, 6.8, 10.2])))
        y.sum().backward()
        self.assertAlmostEqual(w3.grad.item(), 6 * 0.6, places=5)
        self.assertAlmostEqual(w4.grad.item(), 6 * 0.4, places=5)

    def test_unselected_branch_not_run(self):
        calls = []
        sn.switch(torch.ones(2), [1.0, 0.0], [lambda t: t, lambda t: calls.append(1) or t])
        self.assertEqual(calls, [])


class Masked(unittest.TestCase):
    def test_masked_conv_spec_9_10(self):
        ctx = sn.StepContext([[1.0, 0.0], [1.0, 0.0]])
        w_in = sn.BlockWidth([1, 3]); w_in.decision = 0    # 1 of max 3 input channels
        w_out = sn.BlockWidth([2, 4]); w_out.decision = 1  # 2 of max 4 output channels
        w = torch.ones(4, 3, 3, 3)
        y = sn.masked_conv2d(ctx, torch.ones(1, 3, 6, 6), w, None, w_in, w_out, 1)
        for c in range(2):
            self.assertEqual(y[0, c, 0, 0].item(), 4)   # corner
            self.assertEqual(y[0, c, 0, 3].item(), 6)   # edge
            self.assertEqual(y[0, c, 3, 3].item(), 9)   # interior
        self.assertEqual(y[0, 2:].abs().max().item(), 0.0)

    def test_masked_bn(self):
        ctx = sn.StepContext([[1.0, 0.0]])
        desc = sn.BlockWidth([5, 8]); desc.decision = 0  # 5 of max 8 channels active
        x = torch.randn(8, 8, 5, 5) * 3 + 2
        x[:, 5:] = 0  # inactive channels are zero after a masked conv
        bn = sn.BatchNorm(8)
        with torch.no_grad():
            bn.bias.fill_(0.7)  # beta would leak into inactive channels without the mask
        y = sn.masked_batch_norm(ctx, x, bn, desc)
        z = (y[:, :5] - 0.7)
        self.assertLess(z.mean((0, 2, 3)).abs().max().item(), 1e-5)
        self.assertLess((z.std((0, 2, 3), unbiased=False) - 1).abs().max().item(), 1e-3)
        self.assertEqual(y[:, 5:].abs().max().item(), 0.0)

    def test_masked_l2(self):
        ctx = sn.StepContext([[1.0, 0.0], [0.0, 1.0]])
        wi = sn.BlockWidth([3, 5]); wi.decision = 0
        wo = sn.BlockWidth([4, 6]); wo.decision = 1
        w = torch.randn(6, 5, 3, 3)
        sn.masked_conv2d(ctx, torch.zeros(1, 5, 4, 4), w, None, wi, wo, 1)
        self.assertAlmostEqual(ctx.l2_loss(4e-5).item(),
                               2e-5 * w[:6, :3].pow(2).sum().item(), places=9)

    def test_bottleneck_equals_sliced(self):
        """Masking by multiplication == running the sliced sub-network (the C++ way)."""
        torch.manual_seed(1)
        w_in = sn.BlockWidth([8, 16]); w_in.decision = 0
        w_out = sn.BlockWidth([16, 24]); w_out.decision = 4
        e = sn.RelativeWidth(w_in, [3.0, 6.0], 2)
        layer = sn.BottleneckLayer([3, 5], 1, e, [False, True], 3, 2, F.relu, F.relu,
                                   torch.sigmoid, w_in, w_out)
        masks = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
        ctx = sn.StepContext(masks)
        self.assertEqual((ctx.width(e), e.max, ctx.width(layer.se.h_desc)), (24, 96, 8))
        x = torch.zeros(4, 16, 9, 9)
        x[:, :8] = torch.randn(4, 8, 9, 9)
        y = layer(x, ctx)
        self.assertEqual(y[:, 16:].abs().max().item(), 0.0)

        def bn(t, p, c):
            return F.batch_norm(t, None, None, p.weight[:c], p.bias[:c], True, 0.0, 1e-3)
        a, E, H, o = 8, 24, 8, 16
        h = F.relu(bn(F.conv2d(x[:, :a], layer.expand[:E, :a]), layer.expand_bn, E))
        h = sn.conv2d_same(h, layer.dw.weights[1][:E], None, 2, groups=E)
        h = F.relu(bn(h, layer.dw.bns[1], E))
        s = F.relu(F.conv2d(h.mean((2, 3), keepdim=True), layer.se.w_a[:H, :E], layer.se.b_a[:H]))
        h = h * torch.sigmoid(F.conv2d(s, layer.se.w_b[:E, :H], layer.se.b_b[:E]))
        ref = bn(F.conv2d(h, layer.project[:o, :E]), layer.project_bn, o)
        self.assertLess((y[:, :o] - ref).abs().max().item(), 1e-4)

    def test_same_padding_asymmetric(self):
        self.assertEqual(sn.same_pad_amounts(224, 3, 2), (0, 1))
        self.assertEqual(sn.same_pad_amounts(7, 7, 1), (3, 3))


class Network(unittest.TestCase):
    def test_forward_backward_every_space(self):
        rng = random.Random(0)
        for space in SPACES:
            net = net_of(space)
            x = torch.randn(2, 3, 32, 32)
            for masks in (net.masks_from_indices(net.random_indices(rng)), net.warmup_masks()):
                net.zero_grad(set_to_none=True)
                logits, ctx = net(x, masks)
                self.assertEqual(tuple(logits.shape), (2, 1001))
                loss = F.cross_entropy(logits, torch.tensor([0, 1]), label_smoothing=0.1)
                (loss + ctx.l2_loss(4e-5)).backward()
                self.assertTrue(torch.isfinite(loss).item(), space)

    def test_unselected_kernel_gets_no_gradient(self):
        net = net_of("proxylessnas_search")
        idx = [0] * len(net.decisions)  # kernel 3 everywhere, x3, no skips
        net.zero_grad(set_to_none=True)
        logits, ctx = net(torch.randn(2, 3, 32, 32), net.masks_from_indices(idx))
        logits.sum().backward()
        bneck = net.block_layers[2][0].branches[0]
        self.assertIsNotNone(bneck.dw.weights[0].grad)
        self.assertIsNone(bneck.dw.weights[1].grad)
        self.assertIsNone(bneck.dw.weights[2].grad)

    def test_residual_zero_and_op_warmup(self):
        torch.manual_seed(0)
        net = net_of("proxylessnas_search")
        res = net.block_layers[2][1]  # Residual(op{B, zero})
        d = res.layer.decision
        x = torch.randn(2, 32, 8, 8)
        masks = net.masks_from_indices([0] * len(net.decisions))
        masks[d] = [0.0, 1.0]
        self.assertTrue(torch.equal(res(x, sn.StepContext(masks)), x))
        masks[d] = [0.5, 0.5]
        full = res.layer.branches[0](x, sn.StepContext(masks))
        self.assertTrue(torch.allclose(res(x, sn.StepContext(masks)), x + 0.5 * full, atol=1e-6))

    def test_proxy_shapes_and_strides(self):
        net = sn.Supernet("proxylessnas_search", in_channels=1, num_classes=10,
                          stem_stride=1, first_s2_bottleneck_stride=1)
        self.assertEqual(net.block_layers[0][0].stride, 1)
        self.assertEqual(net.block_layers[2][0].branches[0].dw.stride, 1)
        self.assertEqual(net.block_layers[3][0].branches[0].dw.stride, 2)
        logits, _ = net(torch.randn(2, 1, 32, 32), net.max_masks())
        self.assertEqual(tuple(logits.shape), (2, 10))
        wide = sn.Supernet("proxylessnas_search", width_multiplier=0.5)
        self.assertEqual([w.max for w in wide.block_widths],
                         [16, 8, 16, 24, 40, 48, 96, 160, 640])

    def test_rmsprop_tf1(self):
        p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        opt = bs.TFRMSProp([p], lr=0.5)
        p.grad = torch.tensor([2.0, 0.0])
        opt.step()
        ms = torch.tensor([0.9 + 0.1 * 4, 0.9])
        mom = 0.5 * torch.tensor([2.0, 0.0]) / torch.sqrt(ms + 1.0)
        self.assertTrue(torch.allclose(p.detach(), torch.tensor([1.0, -2.0]) - mom))

    def test_print_parameter_counts(self):
        for space in SPACES:
            print("\n  %s: %d parameters in the max-width supernet (1001 classes)"
                  % (space, net_of(space).num_parameters()), end="")


class Slicing(unittest.TestCase):
    def test_slice_equals_multiply(self):
        """MASKING = "slice" (the C++ engine's way) gives the multiply form's loss and
        gradients: random architectures, op warm-up with random widths, every space."""
        rng = random.Random(7)
        x = torch.randn(2, 3, 32, 32)
        y = torch.tensor([3, 7])
        try:
            for space in SPACES:
                net = net_of(space)
                cases = [net.masks_from_indices(net.random_indices(rng)) for _ in range(2)]
                cases.append(net.warmup_masks(net.masks_from_indices(net.random_indices(rng)),
                                              op=True, filters=False))
                for masks in cases:
                    results = []
                    for mode in ("multiply", "slice"):
                        sn.MASKING = mode
                        net.zero_grad(set_to_none=True)
                        logits, ctx = net(x, masks)
                        loss = F.cross_entropy(logits, y, label_smoothing=0.1) + ctx.l2_loss(4e-5)
                        loss.backward()
                        results.append((loss.item(), [torch.zeros_like(p) if p.grad is None
                                                      else p.grad.clone()
                                                      for p in net.parameters()]))
                    (l_mul, g_mul), (l_slice, g_slice) = results
                    self.assertAlmostEqual(l_mul, l_slice, delta=1e-5 * abs(l_mul), msg=space)
                    for a, b in zip(g_mul, g_slice):
                        self.assertLess((a - b).abs().max().item(),
                                        1e-6 + 1e-4 * a.abs().max().item(), space)
        finally:
            sn.MASKING = "multiply"


if __name__ == "__main__":
    torch.set_num_threads(2)
    unittest.main()
