"""The mlp-gan family: a fully connected GAN for 28x28 images, trained in the live tab (no shipped weights; a
generator exported from the tab samples like a shipped one: ``python -m gan_demo.sample FOLDER``)."""
from __future__ import annotations

import torch
from torch import nn

from ...registry import Family, Part, register
from ...sampling import sample_many
from .. import inputs
from .model import MLPImageDiscriminator, MLPImageGenerator


def sample(model: nn.Module, n: int, seed: int, labels: torch.Tensor | None) -> torch.Tensor:
    return sample_many(model, n, seed, labels=labels)


FAMILY = register(Family(
    name="mlp-gan",
    summary="fully connected generator and discriminator for 28x28 images, the live training tab's fast model",
    parts={"generator": Part(MLPImageGenerator, dict(latent_dim=4, hidden=8), inputs.noise, (1, 28, 28), (-1, 1)),
           "discriminator": Part(MLPImageDiscriminator, dict(hidden=8), inputs.images, ())},
    pretrained="generator",
    datasets=(),
    sample=sample,
))
