"""Convolutional autoencoder with a fixed linear 2-D map of its latent space (shared with the VAE).

The latent code is ``latent_dim``-dimensional (enough for sharp reconstructions); the map is a
linear projection fitted after training (Fisher's discriminant on training codes), stored as
buffers so it is saved and loaded with the weights. Points on the map decode through the
Gaussian conditional mean E[z | Pz = p], which keeps them close to the data.
"""
from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD


class LatentMapMixin:
    """A 2-D map of a latent space, fitted after training and saved with the weights (as buffers).

    Mixed into the autoencoders (an ``nn.Module`` with ``latent_dim``); ``init_map`` registers the buffers.
    """

    def init_map(self, latent_dim: int) -> None:
        # The 2-D map: p = P (z - mean); its inverse z = mean + L p.  Identity on the first two axes until fitted.
        self.register_buffer("map_mean", torch.zeros(latent_dim))
        self.register_buffer("map_proj", torch.eye(2, latent_dim))
        self.register_buffer("map_lift", torch.eye(latent_dim, 2))

    def to_map(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes (B, latent_dim) -> 2-D map coordinates (B, 2)."""
        return (z - self.map_mean) @ self.map_proj.T

    def from_map(self, p: torch.Tensor) -> torch.Tensor:
        """2-D map coordinates (B, 2) -> the most likely latent codes there (B, latent_dim)."""
        return self.map_mean + p @ self.map_lift.T

    @torch.no_grad()
    def fit_map(self, z: torch.Tensor, labels: torch.Tensor) -> None:
        """Fit the 2-D map on training codes ``z`` (N, latent_dim) with their class ``labels`` (N,)."""
        z = z.double()
        mean = z.mean(0)
        classes = labels.unique()
        class_means = torch.stack([z[labels == c].mean(0) for c in classes])  # (K, d)
        within = sum(torch.cov((z[labels == c] - class_means[i]).T) for i, c in enumerate(classes)) / len(classes)
        between = torch.cov((class_means - mean).T)
        # Fisher: directions maximising between- over within-class variance (generalised eigenproblem)
        ridge = 1e-4 * within.diagonal().mean() * torch.eye(len(mean), dtype=z.dtype)
        evals, evecs = torch.linalg.eig(torch.linalg.solve(within + ridge, between))
        order = evals.real.argsort(descending=True)[:2]
        proj = evecs.real[:, order].T  # (2, d)
        proj = proj / (z - mean).matmul(proj.T).std(0)[:, None]  # unit variance on the map
        cov = torch.cov((z - mean).T)
        lift = cov @ proj.T @ torch.linalg.inv(proj @ cov @ proj.T)  # Gaussian conditional mean
        self.map_mean.copy_(mean.float())
        self.map_proj.copy_(proj.float())
        self.map_lift.copy_(lift.float())


def conv_encoder(width: int, channels: int, out_features: int) -> nn.Sequential:
    """(B, channels, 28, 28) -> (B, out_features): two stride-2 convs, then a linear layer."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),  # (B, w, 14, 14)
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.BatchNorm2d(2 * width),
        nn.LeakyReLU(0.2, inplace=True),  # (B, 2w, 7, 7)
        nn.Flatten(),
        nn.Linear(2 * width * 7 * 7, out_features),
    )


def conv_decoder(latent_dim: int, width: int, channels: int) -> nn.Sequential:
    """(B, latent_dim) -> (B, channels, 28, 28) in [-1, 1]: a linear layer, then two stride-2 transposed convs."""
    return nn.Sequential(
        nn.Linear(latent_dim, 2 * width * 7 * 7), nn.Unflatten(1, (2 * width, 7, 7)), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),  # (B, w, 14, 14)
        nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),  # (B, w, 28, 28)
        nn.Conv2d(width, channels, 3, padding=1), nn.Tanh(),
    )


class Autoencoder(LatentMapMixin, nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Image in [-1, 1], (B, 1, 28, 28) -> code (B, latent_dim) -> reconstruction in [-1, 1]."""

    def __init__(self, latent_dim: int = 32, width: int = 32, channels: int = 1):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = conv_encoder(width, channels, latent_dim)
        self.decoder = conv_decoder(latent_dim, width, channels)
        self.init_map(latent_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, latent_dim)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (B, 1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
