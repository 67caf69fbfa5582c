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
    """Image -> one real/fake logit per image (apply a sigmoid for D(x)).

    ``mbstd_group`` > 0 adds the minibatch standard deviation feature (Karras et al., 2018): how much the images
    of each group of that many consecutive images differ. A generator that collapses onto a few images makes
    that number small, which D can see and punish. Groups are consecutive, so a batch of reals followed by
    fakes (as the training loop sends it) never mixes the two in a group.
    """

    def __init__(self, width: int = 32, channels: int = 1, spectral: bool = True, mbstd_group: int = 0):
        super().__init__()
        self.mbstd_group = mbstd_group
        self.features = disc_features(width, channels, spectral)
        self.head = maybe_spectral(nn.Linear(4 * width + (mbstd_group > 0), 1), spectral)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).sum(dim=(2, 3))  # (B, 4w): global sum pooling
        if self.mbstd_group:
            h = torch.cat([h, minibatch_stddev(h, self.mbstd_group)], dim=1)
        return self.head(h).squeeze(1)  # (B,)


def minibatch_stddev(h: torch.Tensor, group: int) -> torch.Tensor:
    """(B, F) features -> (B, 1): per group of ``group`` consecutive rows, the mean over F of the rows' std."""
    b, f = h.shape
    g = min(group, b)
    if b % g:
        raise ValueError(f"minibatch stddev: batch {b} is not a multiple of the group size {g}")
    std = h.view(b // g, g, f).var(dim=1, unbiased=False).add(1e-8).sqrt().mean(dim=1, keepdim=True)  # (B/g, 1)
    return std.repeat_interleave(g, dim=0)
