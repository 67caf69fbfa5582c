"""Seeded example inputs for a family's parts, drawn on the CPU: what the model tests feed every registered part."""
from __future__ import annotations

import torch
from torch import nn


def images(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor]:
    """(batch, 1, 28, 28) in [-1, 1]."""
    return (torch.rand(batch, 1, 28, 28, generator=rng) * 2 - 1,)


def labels(model: nn.Module, batch: int) -> torch.Tensor:
    return torch.arange(batch) % getattr(model, "num_classes", 10)


def labelled_images(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    return (*images(model, batch, rng), labels(model, batch))


def noise(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor]:
    """(batch, latent_dim) standard normal."""
    return (torch.randn(batch, model.latent_dim, generator=rng),)


def labelled_noise(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    return (*noise(model, batch, rng), labels(model, batch))


def points(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor]:
    """(batch, 2) points of the plane."""
    return (torch.randn(batch, 2, generator=rng),)
