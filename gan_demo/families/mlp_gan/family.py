"""The mlp-gan family: a fully connected GAN for 28x28 images, trained in the live tab (no shipped weights)."""
from __future__ import annotations

from ...registry import Family, Part, register
from .. import inputs
from .model import MLPImageDiscriminator, MLPImageGenerator

FAMILY = register(Family(
    name="mlp-gan",
    summary="fully connected generator and discriminator for 28x28 images, the live training tab's fast model",
    parts={"generator": Part(MLPImageGenerator, dict(latent_dim=4, hidden=8), inputs.noise, (1, 28, 28), (-1, 1)),
           "discriminator": Part(MLPImageDiscriminator, dict(hidden=8), inputs.images, ())},
    datasets=(),
))
