"""Seeded sampling and image grids.

Noise is always drawn on the CPU from a local ``torch.Generator`` and then moved to the model's
device, so the same seed gives the same images on cpu, cuda or mps, whatever else the process does.
"""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from torch import nn

from .data import to_uint8
from .images import grid, upscale

MAX_SEED = 2**31 - 1


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def make_noise(n: int, latent_dim: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    """(n, latent_dim) standard normal noise from ``seed``, multiplied by ``scale`` (truncation-like)."""
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    return torch.randn(n, latent_dim, generator=g) * scale


@torch.inference_mode()
def generate(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """Run a (conditional) generator on CPU noise; returns uint8 images (N, 28, 28) on the CPU."""
    device = model_device(generator)
    z = z.to(device)
    x = generator(z, labels.to(device)) if labels is not None else generator(z)
    return to_uint8(x)


def sample(generator: nn.Module, n: int, seed: int, *, labels: torch.Tensor | list[int] | None = None,
           scale: float = 1.0) -> torch.Tensor:
    """``n`` seeded samples as uint8 (N, 28, 28); conditional generators need ``labels`` (N,)."""
    needs_labels = getattr(generator, "num_classes", 0) > 0
    if needs_labels and labels is None:
        raise ValueError("this generator is class-conditional: pass labels=[...] of length n")
    if labels is not None:
        labels = torch.as_tensor(labels, dtype=torch.long)
        if len(labels) != n:
            raise ValueError(f"got {len(labels)} labels for {n} samples")
    return generate(generator, make_noise(n, generator.latent_dim, seed, scale), labels)


def sample_many(generator: nn.Module, n: int, seed: int, *, labels: torch.Tensor | None = None,
                chunk: int = 1000, pad: bool | None = None) -> torch.Tensor:
    """Like :func:`sample` for any ``n``: chunks of ``chunk`` images with seeds ``seed``, ``seed + 1``, ...,
    so memory stays bounded and the first images do not depend on ``n``.

    On a GPU the kernels chosen for a batch depend on its size, so the same noise row in a batch of 5 and in a
    batch of 2 can round to different pixels. There the last chunk is padded to the full chunk size (the extra
    images are dropped), so every image is computed in a batch of the same shape whatever ``n`` is.
    ``pad`` forces that on or off (default: on for every device but the CPU).
    """
    pad = model_device(generator).type != "cpu" if pad is None else pad
    parts = []
    for i, idx in enumerate(torch.arange(n).split(chunk)):
        size = chunk if pad else len(idx)
        rows = torch.arange(idx[0], idx[0] + size) % n  # padding rows reuse labels from the start
        batch = sample(generator, size, seed + i, labels=None if labels is None else labels[rows])
        parts.append(batch[: len(idx)])
    return torch.cat(parts)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between noise vectors a, b (D,) at fractions t (T,) -> (T, D).

    Gaussian noise lives near a sphere; a straight line between two samples cuts through its low-density
    interior, slerp stays on it.
    """
    cos = torch.dot(a / a.norm(), b / b.norm()).clamp(-1, 1)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:
        return torch.lerp(a[None], b[None], t[:, None])
    t = t[:, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def save_grid(x: torch.Tensor, path: Path | str, nrow: int = 8) -> None:
    """Model outputs in [-1, 1] (N, 1, 28, 28) -> a PNG grid at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(upscale(grid(to_uint8(x), nrow), 2)).save(path)
