"""Variational autoencoder (Kingma & Welling, 2014): the autoencoder made into a generative model.

The encoder gives a Gaussian q(z|x) = N(mu, diag sigma^2) instead of one code; the decoder gives a likelihood
p(x|z) over the 256 grey levels of every pixel: a Gaussian discretised to those levels, whose mean is the decoded
image and whose scale is one learned number shared by all pixels (a sigma-VAE, Rybkin et al., 2021). Training
maximises the evidence lower bound
    ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))  <=  log p(x),
so the KL term pulls every code towards the prior: codes drawn from N(0, I) then decode to images. Being a
bound on a real probability of the 8-bit image, -ELBO / (784 log 2) is an upper bound in bits per pixel.

Tried here and dropped: a discretized logistic with a scale per pixel (PixelCNN++'s likelihood). It fits pixels
more sharply, so the codes carried ~90 nats each, and its location is a median: where a stroke is uncertain it
draws background. Decodes of prior samples came out as broken strokes.
"""
from __future__ import annotations

import math

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..autoencoder.model import LatentMapMixin, conv_decoder, conv_encoder
from ..layers import HUB_CARD

BIN = 1 / 255  # half the distance between two grey levels on the model's [-1, 1] scale
MIN_LOG_SCALE = -7.0


def discretized_gaussian_log_prob(x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """log P(x) of 8-bit pixels ``x`` (on the [-1, 1] grid of 256 levels) under a Gaussian N(mean, scale^2)
    discretised to those levels, elementwise: the mass of the bin around x. The lowest and highest levels take
    the tails, so the 256 probabilities sum to 1."""
    inv_scale = torch.exp(-log_scale)
    centred = x - mean
    plus, minus = inv_scale * (centred + BIN), inv_scale * (centred - BIN)  # standardised bin edges
    log_left_tail = torch.special.log_ndtr(plus)  # P(X <= upper edge), for x = -1
    log_right_tail = torch.special.log_ndtr(-minus)  # P(X > lower edge), for x = 1
    mass = torch.special.ndtr(plus) - torch.special.ndtr(minus)
    mid = inv_scale * centred  # where the bin's mass underflows: density at the centre times the bin width
    log_pdf_mid = -0.5 * mid.square() - log_scale - 0.5 * math.log(2 * math.pi)
    log_bin = torch.where(mass > 1e-6, torch.log(mass.clamp_min(1e-12)), log_pdf_mid + math.log(2 * BIN))
    return torch.where(x < -1 + BIN, log_left_tail, torch.where(x > 1 - BIN, log_right_tail, log_bin))


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row: (B, d) -> (B,), in nats."""
    return 0.5 * (mu.square() + logvar.exp() - 1 - logvar).sum(1)


class VAE(LatentMapMixin, nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Image in [-1, 1], (B, 1, 28, 28) -> q(z|x) over ``latent_dim`` dims -> decoded image in [-1, 1].

    ``encode`` gives the posterior mean (the code the tabs show), ``decode`` the likelihood's location (the image
    the tabs show), ``forward`` the reconstruction through the mean code, as for the plain autoencoder.
    """

    def __init__(self, latent_dim: int = 16, width: int = 32, channels: int = 1):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = conv_encoder(width, channels, 2 * latent_dim)  # (B, 2d): mu and log variance
        self.decoder = conv_decoder(latent_dim, width, channels)
        self.log_scale = nn.Parameter(torch.tensor(-1.0))  # one likelihood scale shared by every pixel
        self.init_map(latent_dim)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of q(z|x), each (B, latent_dim)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (B, 1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) of the 8-bit images ``x`` (B, 1, 28, 28) in [-1, 1], summed over pixels: (B,)."""
        log_scale = self.log_scale.clamp_min(MIN_LOG_SCALE).expand_as(x)
        return discretized_gaussian_log_prob(x, self.decode(z), log_scale).flatten(1).sum(1)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """One-sample estimate of the ELBO and its two terms, each (B,) in nats: ``elbo = recon - kl``.

        The noise of the reparameterisation z = mu + sigma * eps is drawn on the CPU from ``generator``."""
        mu, logvar = self.posterior(x)
        eps = torch.randn(mu.shape, generator=generator).to(mu.device)
        z = mu + torch.exp(0.5 * logvar) * eps  # (B, d)
        recon, kl = self.log_likelihood(x, z), gaussian_kl(mu, logvar)
        return {"elbo": recon - kl, "recon": recon, "kl": kl}

    def kl_per_dim(self, x: torch.Tensor) -> torch.Tensor:
        """Mean KL of each latent dimension over the batch (latent_dim,): which axes the model uses."""
        mu, logvar = self.posterior(x)
        return (0.5 * (mu.square() + logvar.exp() - 1 - logvar)).mean(0)
