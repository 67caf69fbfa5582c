"""Latent diffusion in miniature (Stable Diffusion's step): a flow-matching model over an autoencoder's codes.

An autoencoder turns a 28x28 image into a short code and back. Its decoder draws good images from the codes of
real images, but a code drawn from N(0, I) lands where no real image's code lies (the autoencoder's codes were
never shaped; the VAE's do not fill the Gaussian: its "prior hole"). So, as Rombach et al. (2022) do with Stable
Diffusion, keep the autoencoder and learn where its codes lie with a generative model *in the code space*:

    z_0 ~ N(0, I),  z_1 = the standardised code of a real image,  z_t = (1 - t) z_0 + t z_1
    the network v(z_t, t, y) regresses z_1 - z_0  (flow matching, Lipman et al., 2023; rectified flow, Liu et al., 2023)

and sample by integrating dz/dt = v(z, t, y) from t = 0 to 1, then decoding. The class y is dropped to a null
class for a share of training steps, so one network is both unconditional and class-conditional, and
classifier-free guidance mixes the two. The autoencoder rides along, frozen, so one folder holds all it needs.
"""
from __future__ import annotations

import math

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..autoencoder.model import Autoencoder
from ..layers import HUB_CARD
from ..vae.model import VAE

AUTOENCODERS = {"autoencoder": Autoencoder, "vae": VAE}


def time_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of times t in [0, 1] (B,) -> (B, dim), as a diffusion UNet embeds its timestep."""
    freqs = torch.exp(-math.log(1000.0) * torch.arange(dim // 2, device=t.device) / (dim // 2))
    angles = 1000.0 * t[:, None] * freqs[None]  # (B, dim / 2)
    return torch.cat([angles.sin(), angles.cos()], 1)


class Block(nn.Module):
    """Pre-norm residual MLP block; the condition (time + class) is added to its hidden layer."""

    def __init__(self, hidden: int):
        super().__init__()
        self.norm, self.fc1, self.fc2 = nn.LayerNorm(hidden), nn.Linear(hidden, 2 * hidden), nn.Linear(2 * hidden, hidden)
        self.cond = nn.Linear(hidden, 2 * hidden)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return h + self.fc2(nn.functional.silu(self.fc1(self.norm(h)) + self.cond(c)))


class LatentFlow(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """A velocity field over the standardised codes of a frozen ``kind`` autoencoder built from ``autoencoder``
    (its constructor arguments); ``num_classes`` classes plus one null class for guidance."""

    def __init__(self, autoencoder: dict | None = None, kind: str = "autoencoder", hidden: int = 512, layers: int = 4,
                 num_classes: int = 10, time_dim: int = 64):
        super().__init__()
        if kind not in AUTOENCODERS:
            raise ValueError(f"unknown autoencoder kind {kind!r}; choose one of {sorted(AUTOENCODERS)}")
        self.kind, self.num_classes, self.time_dim = kind, num_classes, time_dim
        self.autoencoder = AUTOENCODERS[kind](**(autoencoder or {})).requires_grad_(False)
        self.latent_dim = d = self.autoencoder.latent_dim
        # the codes of the training images are standardised per dimension (fitted once, saved with the weights)
        self.register_buffer("code_mean", torch.zeros(d))
        self.register_buffer("code_std", torch.ones(d))
        self.time = nn.Sequential(nn.Linear(time_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.label = nn.Embedding(num_classes + 1, hidden)  # id num_classes: the null class ("any image")
        self.inp = nn.Linear(d, hidden)
        self.blocks = nn.ModuleList(Block(hidden) for _ in range(layers))
        self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, d))
        nn.init.zeros_(self.out[1].weight)  # starts as the zero field
        nn.init.zeros_(self.out[1].bias)

    @property
    def null_class(self) -> int:
        return self.num_classes

    def train(self, mode: bool = True) -> LatentFlow:
        super().train(mode)
        self.autoencoder.eval()  # frozen: its BatchNorm statistics must not move while the flow trains
        return self

    def forward(self, z: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The velocity at standardised codes z (B, D), times t (B,), classes (B,) (None: the null class)."""
        if labels is None:
            labels = torch.full((len(z),), self.null_class, dtype=torch.long, device=z.device)
        c = self.time(time_features(t, self.time_dim)) + self.label(labels)  # (B, hidden)
        h = self.inp(z)
        for block in self.blocks:
            h = block(h, c)
        return self.out(h)  # (B, D)

    @torch.no_grad()
    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, 1, 28, 28) -> the autoencoder's codes (B, D), unstandardised (the VAE's posterior means)."""
        return self.autoencoder.encode(x)

    def standardise(self, codes: torch.Tensor) -> torch.Tensor:
        return (codes - self.code_mean) / self.code_std

    def unstandardise(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised codes (B, D) -> the autoencoder's own codes."""
        return z * self.code_std + self.code_mean

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised codes (B, D) -> images (B, 1, 28, 28) in [-1, 1]."""
        return self.autoencoder.decode(self.unstandardise(z))

    @torch.no_grad()
    def fit_codes(self, codes: torch.Tensor) -> None:
        """Standardise by the mean and spread of the training codes (N, D)."""
        self.code_mean.copy_(codes.mean(0))
        self.code_std.copy_(codes.std(0).clamp(min=1e-4))
