"""Seeded sampling: same seed same images, on any device; grids and interpolation."""
from __future__ import annotations

import copy
import threading

import numpy as np
import pytest
import torch

from gan_demo import load_pretrained
from gan_demo.images import grid, upscale
from gan_demo.sampling import make_noise, sample, sample_many, slerp


@pytest.fixture(scope="module")
def generators(device):
    return load_pretrained("gan-fashion", device), load_pretrained("cgan-fashion", device)


def test_same_seed_same_images(generators):
    G, _ = generators
    a, b = sample(G, 16, seed=42), sample(G, 16, seed=42)
    assert a.dtype == torch.uint8 and a.shape == (16, 28, 28)
    assert torch.equal(a, b)
    assert not torch.equal(a, sample(G, 16, seed=43))


def test_many_samples_come_in_seeded_chunks(generators):
    """The first images do not depend on how many are asked for; chunk i uses seed + i."""
    _, cG = generators
    labels = torch.arange(25) % 10
    many = sample_many(cG, 25, seed=3, labels=labels, chunk=10)
    assert torch.equal(many[:10], sample(cG, 10, seed=3, labels=labels[:10]))
    assert torch.equal(many[10:20], sample(cG, 10, seed=4, labels=labels[10:20]))
    assert torch.equal(sample_many(cG, 12, seed=3, labels=labels[:12], chunk=10), many[:12])


@pytest.mark.parametrize("n", [1, 12, 25])
def test_padding_the_last_chunk_changes_no_image(generators, n):
    """On a GPU the last chunk is padded to a full one (same kernels whatever n is); the images stay the same."""
    _, cG = generators
    labels = torch.arange(n) % 10
    plain = sample_many(cG, n, seed=3, labels=labels, chunk=10, pad=False)
    assert torch.equal(sample_many(cG, n, seed=3, labels=labels, chunk=10, pad=True), plain)


def test_seed_is_independent_of_the_global_rng_and_of_other_threads(generators):
    G, _ = generators
    expected = sample(G, 8, seed=7)
    results = []

    def worker():
        torch.manual_seed(123)  # a noisy neighbour reseeding the global RNG
        results.append(sample(G, 8, seed=7))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(torch.equal(r, expected) for r in results)


def test_noise_is_drawn_on_the_cpu_so_devices_agree(generators):
    """The generator receives exactly the CPU noise of the seed, whatever device it runs on (cuda where the tests
    have one), so every device starts from the same numbers; on a GPU the images also match the CPU's."""
    G, _ = generators
    received = []
    hook = G.register_forward_pre_hook(lambda module, args: received.append(args[0].detach().cpu()))
    try:
        on_device = sample(G, 4, seed=1)
    finally:
        hook.remove()
    assert torch.equal(received[0], make_noise(4, G.latent_dim, seed=1))
    on_cpu = sample(copy.deepcopy(G).cpu(), 4, seed=1)
    assert (on_device.int() - on_cpu.int()).abs().max() <= 2  # equal on the CPU; kernels may differ by a grey level


def test_conditional_needs_labels_and_uses_them(generators):
    _, cG = generators
    with pytest.raises(ValueError, match="class-conditional"):
        sample(cG, 4, seed=0)
    a = sample(cG, 10, seed=0, labels=list(range(10)))
    b = sample(cG, 10, seed=0, labels=[1] * 10)
    assert not torch.equal(a, b)


def test_slerp_hits_both_ends():
    a, b = torch.randn(16), torch.randn(16)
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert path.shape == (5, 16)
    assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)


def test_grid_layout_and_upscale():
    images = np.stack([np.full((28, 28), i, np.uint8) for i in range(5)])
    g = grid(images, nrow=3, padding=2)
    assert g.shape == (2 * 30 + 2, 3 * 30 + 2)
    assert g[2, 2] == 0 and g[2, 32] == 1 and g[32, 2] == 3
    assert upscale(g, 4).shape == (g.shape[0] * 4, g.shape[1] * 4)
