"""The evaluation functions on values known in closed form."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_demo.evaluation import metrics


def test_psnr_known_value():
    x = torch.zeros(1, 1, 4, 4)
    assert metrics.psnr(x + 0.2, x).item() == pytest.approx(10 * math.log10(4 / 0.04))  # range 2, MSE 0.04


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 3))
    assert metrics.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    # shift the mean by 1 in each of 3 dims and scale by 2: FD = 3 + 3 * (1 + 4 - 2*2) = 6
    b = rng.standard_normal((20000, 3)) * 2 + 1
    assert metrics.frechet_distance(a, b) == pytest.approx(6.0, rel=0.05)


def test_jsd_bounds():
    p = torch.tensor([1.0, 1.0, 0.0, 0.0])
    q = torch.tensor([0.0, 0.0, 1.0, 1.0])
    assert metrics.jsd(p, p) == pytest.approx(0.0, abs=1e-12)
    assert metrics.jsd(p, q) == pytest.approx(math.log(2))
    assert 0 < metrics.jsd(p, torch.tensor([1.0, 0.5, 0.5, 0.0])) < math.log(2)


def test_value_at_optimum_ranges_from_minus_2log2_to_zero():
    assert metrics.minimax_value_at_optimum(0.0) == pytest.approx(-2 * math.log(2))
    assert metrics.minimax_value_at_optimum(math.log(2)) == pytest.approx(0.0)


def test_optimal_discriminator():
    d = metrics.optimal_discriminator(torch.tensor([1.0, 3.0, 0.0]), torch.tensor([1.0, 1.0, 0.0]))
    assert d.tolist() == pytest.approx([0.5, 0.75, 0.5])


def test_kde_integrates_to_one():
    points = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    ticks = torch.linspace(-5, 5, 101)
    grid = torch.cartesian_prod(ticks, ticks)
    area = (ticks[1] - ticks[0]).item() ** 2
    assert metrics.kde(points, grid, 0.2).sum().item() * area == pytest.approx(1.0, abs=0.01)


def test_class_histogram():
    assert metrics.class_histogram(torch.tensor([0, 0, 1, 3]), 4).tolist() == [0.5, 0.25, 0.0, 0.25]


def test_precision_and_recall_of_real_against_real_and_of_a_collapsed_generator():
    """Kynkaenniemi et al. (2019): a set against itself is on its own manifold both ways; two draws of one
    distribution nearly so; a generator collapsed onto a small part of the data keeps its precision and loses
    its recall; points far from the data have neither."""
    g = torch.Generator().manual_seed(0)
    real, other = torch.randn(1000, 8, generator=g).numpy(), torch.randn(1000, 8, generator=g).numpy()
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    precision, recall = metrics.precision_recall(real, other)
    assert precision > 0.8 and recall > 0.8, (precision, recall)
    collapsed = 0.1 * torch.randn(1000, 8, generator=g).numpy()  # all near the mean
    precision, recall = metrics.precision_recall(real, collapsed)
    assert precision > 0.95 and recall < 0.2, (precision, recall)
    far = other + 10.0
    assert metrics.precision_recall(real, far) == (0.0, 0.0)


def test_knn_radii_skip_the_point_itself():
    x = torch.tensor([[0.0], [1.0], [3.0], [6.0]], dtype=torch.float64)
    assert metrics.knn_radii(x, 1).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert metrics.knn_radii(x, 2).tolist() == [3.0, 2.0, 3.0, 5.0]
