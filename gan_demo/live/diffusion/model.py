"""The denoiser of a 2-D diffusion run: a small MLP that reads a point x and a time t and returns a 2-D vector
(a velocity for flow matching, a noise estimate for DDPM). Built on the CPU from its constructor arguments."""
from __future__ import annotations

import math

import torch
from torch import nn


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of times in [0, 1], (B,) -> (B, dim): the network sees slow and fast waves of t, so
    it can change its field sharply near t = 1 (where the modes are narrow) and slowly elsewhere."""
    half = dim // 2
    freqs = torch.exp(torch.linspace(0.0, math.log(1000.0), half, device=t.device))  # 1 .. 1000
    angles = t[:, None] * freqs[None, :]  # (B, half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class Denoiser(nn.Module):
    """f(x, t) for (B, 2) points and (B,) times: an MLP over [x, embedding(t)] with SiLU activations."""

    def __init__(self, hidden: int = 128, layers: int = 3, time_dim: int = 32):
        super().__init__()
        self.time_dim = time_dim
        widths = [2 + time_dim] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            blocks += [nn.Linear(a, b), nn.SiLU()]
        self.net = nn.Sequential(*blocks, nn.Linear(hidden, 2))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t = t.expand(len(x)) if t.dim() == 0 else t
        return self.net(torch.cat([x, time_embedding(t, self.time_dim)], dim=1))  # (B, 2)


def build_denoiser(seed: int, **config) -> Denoiser:
    """A Denoiser initialised from ``seed`` without touching the caller's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Denoiser(**config)
