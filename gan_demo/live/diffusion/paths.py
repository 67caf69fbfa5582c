"""The two training objectives of a 2-D diffusion run, each a probability path from noise to data and a
regression target along it. One convention for both: time t runs from 0 (pure noise x0 ~ N(0, I)) to 1 (data
x1 ~ p_data), so the tab's time slider means the same thing for either.

- **Flow matching** (Lipman et al., 2023; rectified flow, Liu et al., 2023): x_t = (1 - t) x0 + t x1, and the
  network f(x_t, t) regresses the velocity of that straight line, x1 - x0. Its minimiser is the marginal
  velocity field v(x, t) = E[x1 - x0 | x_t = x], whose ODE dx/dt = v carries N(0, I) to the data.
- **DDPM** (Ho et al., 2020), noise prediction: x_t = sqrt(abar(t)) x1 + sqrt(1 - abar(t)) x0 with the cosine
  schedule abar (Nichol & Dhariwal, 2021) read in this direction (abar(0) = 0: noise, abar(1) = 1: data), and
  f(x_t, t) regresses the noise x0. The score of p_t is then -f / sqrt(1 - abar(t)).

Both losses are a plain mean squared error against a known target: there is no adversary.
"""
from __future__ import annotations

import math

import torch

from ...data import toy

OBJECTIVES = ("flow-matching", "ddpm")
COSINE_OFFSET = 0.008  # Nichol & Dhariwal's s: keeps the cosine schedule's first steps from being too small
T_MAX = 0.999  # DDPM trains on t < 1: at abar = 1 the noise is invisible, so there is nothing to predict


def abar(t: torch.Tensor) -> torch.Tensor:
    """The cosine schedule's signal share abar(t) in [0, 1], with t = 0 noise and t = 1 data."""
    s = COSINE_OFFSET
    tau = 1.0 - t  # the usual "noise time": 0 at the data
    f = torch.cos((tau + s) / (1 + s) * math.pi / 2) ** 2
    return (f / math.cos(s / (1 + s) * math.pi / 2) ** 2).clamp(0.0, 1.0)


def train_times(objective: str, n: int, generator: torch.Generator) -> torch.Tensor:
    """(n,) training times drawn uniformly from [0, 1] (DDPM: [0, T_MAX])."""
    t = torch.rand(n, generator=generator)
    return t * T_MAX if objective == "ddpm" else t


def interpolate(objective: str, x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_t on the objective's path between noise x0 and data x1, (B, 2) at (B,) times."""
    t = t[:, None]
    if objective == "flow-matching":
        return (1 - t) * x0 + t * x1
    a = abar(t)
    return a.sqrt() * x1 + (1 - a).sqrt() * x0


def target(objective: str, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """What f(x_t, t) regresses: the straight line's velocity x1 - x0 (flow matching) or the noise x0 (DDPM)."""
    return x1 - x0 if objective == "flow-matching" else x0


def loss(objective: str, model: torch.nn.Module, x1: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The objective's loss on a batch of data x1 (B, 2): E ||f(x_t, t) - target||^2 (a mean over the batch and
    both coordinates), with fresh noise and times from ``generator``."""
    x0 = torch.randn(x1.shape, generator=generator).to(x1.device)
    t = train_times(objective, len(x1), generator).to(x1.device)
    return (model(interpolate(objective, x0, x1, t), t) - target(objective, x0, x1)).square().mean()


def field(objective: str, model: torch.nn.Module, x: torch.Tensor, t: float) -> torch.Tensor:
    """What the tab draws as arrows at time t: the learned velocity v(x, t) (flow matching) or the learned score
    grad log p_t(x) = -f(x, t) / sqrt(1 - abar(t)) (DDPM), (B, 2)."""
    time = torch.full((len(x),), float(min(t, T_MAX) if objective == "ddpm" else t), device=x.device)
    out = model(x, time)
    if objective == "flow-matching":
        return out
    return -out / (1 - abar(time)[:, None]).sqrt().clamp_min(1e-3)


def marginal(objective: str, dist: toy.ToyDistribution, t: float) -> toy.ToyDistribution:
    """The exact distribution of x_t for data ``dist``: still an equal-weight Gaussian mixture, its centres scaled
    by the signal share and its variances the scaled data variance plus the noise variance."""
    if objective == "flow-matching":
        signal, noise = t, 1.0 - t
    else:
        a = float(abar(torch.tensor(t)))
        signal, noise = math.sqrt(a), math.sqrt(1 - a)
    return toy.ToyDistribution(dist.name, dist.centers * signal, math.sqrt((signal * dist.std) ** 2 + noise**2),
                               dist.groups)
