"""DCGAN for 28x28 grey images: a generator and a spectral-norm discriminator that returns logits."""
from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD, dcgan_init, disc_features, maybe_spectral, upsample_block


class Generator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """z ~ N(0, I) of size ``latent_dim`` -> image in [-1, 1] of shape (1, 28, 28)."""

    def __init__(self, latent_dim: int = 64, width: int = 32, channels: int = 1):
        super().__init__()
        self.latent_dim = latent_dim
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, 4 * width * 7 * 7, bias=False),
            nn.Unflatten(1, (4 * width, 7, 7)),
            nn.BatchNorm2d(4 * width),
            nn.ReLU(inplace=True),
        )
        self.body = nn.Sequential(
            upsample_block(4 * width, 2 * width), nn.BatchNorm2d(2 * width), nn.ReLU(inplace=True),
            upsample_block(2 * width, width), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, channels, 3, padding=1),
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z)  # (B, 4w, 7, 7)
        return self.body(h)  # (B, 1, 28, 28), upsampled 7 -> 14 -> 28


class Discriminator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Image -> one real/fake logit per image (apply a sigmoid for D(x))."""

    def __init__(self, width: int = 32, channels: int = 1, spectral: bool = True):
        super().__init__()
        self.features = disc_features(width, channels, spectral)
        self.head = maybe_spectral(nn.Linear(4 * width, 1), spectral)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).sum(dim=(2, 3))  # (B, 4w): global sum pooling
        return self.head(h).squeeze(1)  # (B,)
