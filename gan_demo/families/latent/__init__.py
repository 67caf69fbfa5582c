"""Latent diffusion in miniature: flow matching over the shipped autoencoder's and VAE's codes."""
from __future__ import annotations

from .flow import flow, sample
from .model import LatentFlow

__all__ = ["LatentFlow", "flow", "sample"]
