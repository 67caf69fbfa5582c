"""The toy-gan family: small MLPs that learn 2-D point clouds in the live training tab (no shipped weights)."""
from __future__ import annotations

from ...registry import Family, Part, register
from .. import inputs
from .model import MLPDiscriminator, MLPGenerator

FAMILY = register(Family(
    name="toy-gan",
    summary="MLP generator and discriminator for the 2-D toy distributions of the live training tab",
    parts={"generator": Part(MLPGenerator, dict(latent_dim=4, hidden=16), inputs.noise, (2,)),
           "discriminator": Part(MLPDiscriminator, dict(hidden=16), inputs.points, ())},
    datasets=(),
))
