#!/usr/bin/python3
"""Hand-computed checks of the peer's building blocks (seconds to run):
  /usr/bin/python3 -m unittest bench/peer/test_fmnist_lenet300.py -v
Expected numbers come from rigl-spec.md §4.3 (worked ERK examples) and recipes.md, or are
worked out by hand in the comments."""
import gzip
import math
import os
import struct
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist_lenet300 as P  # noqa: E402

MLP_SHAPES = [(300, 784), (100, 300), (10, 100)]


class Distributions(unittest.TestCase):
    def test_erk_090_matches_rigl_spec_4_3(self):
        d = P.erk_densities(MLP_SHAPES, 0.9)
        self.assertAlmostEqual(d[0], 0.079568, places=6)
        self.assertAlmostEqual(d[1], 0.230189, places=6)
        self.assertEqual(d[2], 1.0)   # last layer made dense in pass 1 (ε·raw = 1.837 > 1)
        self.assertEqual(P.active_counts(MLP_SHAPES, [1 - x for x in d]), [18715, 6906, 1000])

    def test_erk_098_matches_rigl_spec_4_3(self):
        d = P.erk_densities(MLP_SHAPES, 0.98)
        self.assertEqual(P.active_counts(MLP_SHAPES, [1 - x for x in d]), [3621, 1337, 368])

    def test_uniform_has_no_first_layer_exception(self):
        # N − floor(0.95·N): 235,200 → 11,760; 30,000 → 1,500; 1,000 → 50
        self.assertEqual(P.active_counts(MLP_SHAPES, [0.95] * 3), [11760, 1500, 50])

    def test_random_exact_mask_has_exact_count(self):
        m = P.random_exact_mask((300, 784), 18715, torch.Generator().manual_seed(3))
        self.assertEqual(int(m.sum()), 18715)


class Schedules(unittest.TestCase):
    def test_cosine_drop_fraction(self):
        self.assertAlmostEqual(P.drop_fraction(0), 0.3)
        self.assertAlmostEqual(P.drop_fraction(7035 / 2), 0.15)
        self.assertAlmostEqual(P.drop_fraction(7035), 0.0)

    def test_gmp_schedule_endpoints(self):
        self.assertEqual(P.gmp_sparsity(700, 0.9), 0.0)
        # g = 6,999 is the last update: round(s·266,200) must already be 239,580 (= 0.9·266,200)
        self.assertEqual(round(P.gmp_sparsity(6999, 0.9) * 266200), 239580)
        # g = 799: 1 − (1 − 99/6335)^3 = 0.046155...; ×0.9 = 0.041540
        self.assertAlmostEqual(P.gmp_sparsity(799, 0.9), 0.9 * (1 - (1 - 99 / 6335) ** 3))

    def test_learning_rate_steps(self):
        self.assertEqual([P.learning_rate(e) for e in (0, 9, 10, 14, 15, 19)],
                         [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


class RiglUpdate(unittest.TestCase):
    def layer(self):
        # one 2×4 layer, 5 active; g = 0 → f = 0.3, k = floor(0.3·5) = 1
        w = torch.tensor([[0.5, -0.1, 0.0, 0.7], [0.0, 0.3, -0.9, 0.0]], requires_grad=True)
        m = torch.tensor([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
        v = torch.tensor([[0.2, 0.4, 0.0, 0.1], [0.0, 0.3, 0.5, 0.0]])
        w.grad = torch.tensor([[0.0, 0.0, 0.6, 0.0], [0.05, 0.0, 0.0, 0.2]])
        return w, m, v

    def test_rigl_drops_smallest_and_grows_largest_gradient(self):
        w, m, v = self.layer()
        P.rigl_set_update([w], [m], [v], 0, "rigl", torch.Generator().manual_seed(0))
        # dropped: |−0.1| at (0,1); grown: |grad| 0.6 at (0,2), a new connection: w = 0, v = 0
        expect_m = torch.tensor([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
        self.assertTrue(torch.equal(m, expect_m))
        self.assertEqual(w[0, 2].item(), 0.0)
        self.assertEqual(v[0, 2].item(), 0.0)
        self.assertEqual(w[0, 1].item(), 0.0)   # dropped weight and momentum are zeroed
        self.assertEqual(v[0, 1].item(), 0.0)
        self.assertAlmostEqual(w[1, 2].item(), -0.9)   # untouched survivors keep their state
        self.assertAlmostEqual(v[1, 2].item(), 0.5)

    def test_dropped_and_regrown_keeps_weight_and_momentum(self):
        w, m, v = self.layer()
        w.grad = torch.tensor([[0.0, 9.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])  # largest at the dropped one
        P.rigl_set_update([w], [m], [v], 0, "rigl", torch.Generator().manual_seed(0))
        self.assertEqual(int(m.sum()), 5)
        self.assertEqual(m[0, 1].item(), 1.0)
        self.assertAlmostEqual(w[0, 1].item(), -0.1)
        self.assertAlmostEqual(v[0, 1].item(), 0.4)

    def test_set_keeps_exact_count_and_zero_inactive(self):
        g = torch.Generator().manual_seed(1)
        w = torch.randn(50, 40)
        m = P.random_exact_mask((50, 40), 300, g)
        w = (w * m).requires_grad_()
        w.grad = torch.randn(50, 40)
        v = torch.randn(50, 40) * m
        P.rigl_set_update([w], [m], [v], 99, "set", g)
        self.assertEqual(int(m.sum()), 300)
        self.assertFalse(bool((w.detach()[m == 0] != 0).any()))
        self.assertFalse(bool((v[m == 0] != 0).any()))
        # k = floor(f(99)·300) = floor(0.29985·300) = 89 connections moved at most
        self.assertEqual(math.floor(P.drop_fraction(99) * 300), 89)


class SnfsUpdate(unittest.TestCase):
    def test_total_count_kept_and_dense_layer_with_big_share_not_pruned(self):
        g = torch.Generator().manual_seed(2)
        shapes = [(20, 30), (10, 20), (4, 10)]
        masks = [P.random_exact_mask(shapes[0], 60, g), P.random_exact_mask(shapes[1], 40, g),
                 torch.ones(shapes[2])]
        weights = [(torch.randn(s, generator=g) * m).requires_grad_() for s, m in zip(shapes, masks)]
        # dense momentum; the dense last layer gets by far the largest mean |momentum|
        momenta = [torch.randn(shapes[0], generator=g) * 0.01, torch.randn(shapes[1], generator=g) * 0.01,
                   torch.randn(shapes[2], generator=g) * 10.0]
        snfs = P.SnfsState(masks)
        snfs.update(weights, masks, momenta, 0)
        self.assertEqual(int(masks[2].sum()), 40)   # sparsity 0 < 0.2, share > 1/3 → p = 0
        total = sum(int(m.sum()) for m in masks)
        self.assertLessEqual(abs(total - 140), 2)   # floor/ceil drift only
        for w, m in zip(weights, masks):
            self.assertFalse(bool((w.detach()[m == 0] != 0).any()))


class GmpUpdate(unittest.TestCase):
    def test_global_threshold_and_pruned_stay_pruned(self):
        w1 = torch.tensor([[0.1, -0.5], [0.3, 0.0]], requires_grad=True)   # (1,1) already pruned
        w2 = torch.tensor([[0.05, 0.9]], requires_grad=True)
        m1 = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
        m2 = torch.ones(1, 2)
        v1, v2 = torch.ones(2, 2), torch.ones(1, 2)
        # g = 6,999, s_f = 0.5 → round(0.5·6) = 3 zeros: the pruned one, then 0.05, then 0.1
        P.gmp_update([w1, w2], [m1, m2], [v1, v2], 6999, 0.5)
        self.assertTrue(torch.equal(m1, torch.tensor([[0.0, 1.0], [1.0, 0.0]])))
        self.assertTrue(torch.equal(m2, torch.tensor([[0.0, 1.0]])))
        self.assertEqual(w1[0, 0].item(), 0.0)
        self.assertEqual(v2[0, 0].item(), 0.0)

    def test_no_pruning_before_start(self):
        w = torch.tensor([[0.1, 0.2]], requires_grad=True)
        m = torch.ones(1, 2)
        P.gmp_update([w], [m], [torch.zeros(1, 2)], 699, 0.9)
        self.assertEqual(int(m.sum()), 2)


class Idx(unittest.TestCase):
    def test_parses_header_and_rejects_wrong_type(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "a.gz")
            with gzip.open(good, "wb") as fh:
                fh.write(struct.pack(">HBBII", 0, 0x08, 2, 2, 3) + bytes(range(6)))
            self.assertEqual(P.read_idx(good).tolist(), [[0, 1, 2], [3, 4, 5]])
            bad = os.path.join(d, "b.gz")
            with gzip.open(bad, "wb") as fh:
                fh.write(struct.pack(">HBBI", 0, 0x0D, 1, 1) + b"\0\0\0\0")
            with self.assertRaises(ValueError):
                P.read_idx(bad)


if __name__ == "__main__":
    unittest.main()
