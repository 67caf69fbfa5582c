"""Small MLP generator and discriminator for the 2-D toy distributions of the live training tab."""
from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD


def mlp(d_in: int, hidden: int, d_out: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(d_in if i == 0 else hidden, hidden), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Linear(hidden, d_out))


class MLPGenerator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """z (B, latent_dim) -> point (B, 2)."""

    def __init__(self, latent_dim: int = 8, hidden: int = 128, depth: int = 3, out_dim: int = 2):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, hidden, out_dim, depth)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Point (B, 2) -> one real/fake logit per point."""

    def __init__(self, hidden: int = 128, depth: int = 3, in_dim: int = 2):
        super().__init__()
        self.net = mlp(in_dim, hidden, 1, depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
