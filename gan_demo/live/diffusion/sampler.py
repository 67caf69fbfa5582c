"""Turning noise into data with a trained denoiser, and what one sample costs in network evaluations.

- Flow matching integrates the ODE dx/dt = v(x, t) from t = 0 (noise) to t = 1 (data) on ``steps`` equal steps:
  Euler (x += h v(x, t), one evaluation per step) or Heun (an Euler guess, then the average of the slopes at both
  ends, two evaluations per step; second order, so fewer steps for the same accuracy).
- DDPM walks the same times with ancestral steps: predict the clean point from the noise estimate, then draw
  x_t' from the Gaussian posterior q(x_t' | x_t, x1_hat) (Ho et al., 2020, eq. 7), one evaluation per step.

Every sampler keeps the whole path when asked, so the tab can draw trajectories and the particles at any time.
"""
from __future__ import annotations

import torch

from .paths import abar

SAMPLERS = {"flow-matching": ("euler", "heun"), "ddpm": ("ancestral",)}
CLIP = 4.0  # DDPM's predicted clean point is clipped to [-4, 4]^2 (every toy lies inside): it is wild at t ~ 0


def evaluations(objective: str, steps: int, sampler: str | None = None) -> int:
    """Network evaluations one sample costs with ``steps`` sampling steps (a GAN's generator costs 1)."""
    sampler = sampler or SAMPLERS[objective][0]
    return 2 * steps if sampler == "heun" else steps


def times(steps: int) -> torch.Tensor:
    """The ``steps + 1`` times 0 = t_0 < ... < t_steps = 1 every sampler visits."""
    return torch.linspace(0.0, 1.0, steps + 1)


@torch.no_grad()
def sample(objective: str, model: torch.nn.Module, noise: torch.Tensor, steps: int, *, sampler: str | None = None,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Carry ``noise`` (N, 2) to data in ``steps`` steps; returns the path (steps + 1, N, 2), noise first.

    ``generator`` draws DDPM's per-step noise (on the CPU, so a seed gives the same points on any device)."""
    sampler = sampler or SAMPLERS[objective][0]
    if sampler not in SAMPLERS[objective]:
        raise ValueError(f"sampler={sampler!r} is not allowed for {objective}: choose one of "
                         + ", ".join(SAMPLERS[objective]))
    step = dict(euler=euler_step, heun=heun_step, ancestral=ancestral_step)[sampler]
    ts, x = times(steps).tolist(), noise
    path = [x]
    for t, t_next in zip(ts[:-1], ts[1:]):
        x = step(model, x, t, t_next, generator)
        path.append(x)
    return torch.stack(path)


def at(x: torch.Tensor, t: float) -> torch.Tensor:
    return torch.full((len(x),), t, device=x.device)


def euler_step(model, x, t, t_next, generator=None):
    return x + (t_next - t) * model(x, at(x, t))


def heun_step(model, x, t, t_next, generator=None):
    h = t_next - t
    v = model(x, at(x, t))
    guess = x + h * v
    return x + h * (v + model(guess, at(x, t_next))) / 2


def ancestral_step(model, x, t, t_next, generator=None):
    """One DDPM step from time t to the cleaner t_next through the posterior given the predicted clean point."""
    a, a_next = float(abar(torch.tensor(t))), float(abar(torch.tensor(min(t_next, 1.0))))
    eps = model(x, at(x, min(t, 0.999)))
    x1 = ((x - (1 - a) ** 0.5 * eps) / max(a, 1e-8) ** 0.5).clamp(-CLIP, CLIP)  # the predicted clean point
    if t_next >= 1.0:  # the last step lands on the prediction itself
        return x1
    alpha = a / a_next  # the signal kept from t_next to t, in (0, 1]
    mean = (a_next**0.5 * (1 - alpha) * x1 + alpha**0.5 * (1 - a_next) * x) / (1 - a)
    var = (1 - a_next) / (1 - a) * (1 - alpha)
    z = torch.randn(x.shape, generator=generator).to(x.device)
    return mean + var**0.5 * z
