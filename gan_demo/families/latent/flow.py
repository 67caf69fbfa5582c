"""Sampling a latent flow: integrate dz/dt = v(z, t, y) from noise (t = 0) to codes (t = 1), then decode.

One generator, :func:`flow`, walks the integration and yields the codes after every step; everything else
(the finished samples, the CLI, ``make evaluate``, the tab's frames) consumes it.
"""
from __future__ import annotations

from collections.abc import Iterator

import torch

from ...data import to_uint8
from ...sampling import make_noise, model_device
from .model import LatentFlow

SOLVERS = ("euler", "heun")
DEFAULT_STEPS, DEFAULT_GUIDANCE = 10, 2.0


def velocity(model: LatentFlow, z: torch.Tensor, t: float, labels: torch.Tensor | None,
             guidance: float) -> torch.Tensor:
    """The (guided) velocity at codes z (B, D) and time t: v_null + w (v_y - v_null); unconditional without labels."""
    tt = torch.full((len(z),), t, device=z.device)
    if labels is None:
        return model(z, tt)
    if guidance == 1:
        return model(z, tt, labels)
    null = torch.full_like(labels, model.null_class)
    v_null, v_y = model(torch.cat([z, z]), torch.cat([tt, tt]), torch.cat([null, labels])).chunk(2)
    return v_null + guidance * (v_y - v_null)


def check_options(steps: int, guidance: float, solver: str) -> None:
    if not 1 <= steps <= 1000:
        raise ValueError(f"steps must be from 1 to 1000, got {steps}")
    if not 0 <= guidance <= 20:
        raise ValueError(f"guidance must be from 0 to 20, got {guidance}")
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")


@torch.inference_mode()
def flow(model: LatentFlow, noise: torch.Tensor, labels: torch.Tensor | None = None, *, steps: int = DEFAULT_STEPS,
         guidance: float = DEFAULT_GUIDANCE, solver: str = "heun") -> Iterator[torch.Tensor]:
    """From standard normal ``noise`` (B, D) on the CPU, yield the standardised codes after each of ``steps``
    steps (the last are the samples), on the model's device. Heun's method costs two network evaluations a step
    and is far more accurate than Euler's for the same count (the field is smooth up to t = 1, so unlike a
    diffusion sampler's last step to noise level 0 it needs no Euler step at the end)."""
    check_options(steps, guidance, solver)
    device = model_device(model)
    z, labels = noise.to(device), None if labels is None else labels.to(device)
    times = torch.linspace(0, 1, steps + 1).tolist()
    for t, t_next in zip(times[:-1], times[1:]):
        v = velocity(model, z, t, labels, guidance)
        z_euler = z + (t_next - t) * v
        if solver == "heun":
            z = z + (t_next - t) * (v + velocity(model, z_euler, t_next, labels, guidance)) / 2
        else:
            z = z_euler
        yield z


def balanced_labels(n: int, num_classes: int) -> torch.Tensor:
    """Classes 0, 1, 2, ... in turn (n,): every class side by side, as ``make evaluate`` samples class by class."""
    return torch.arange(n) % num_classes


def network_evaluations(steps: int, solver: str, guided: bool) -> int:
    """Forward passes per sample: Euler's one a step, Heun's two, doubled under guidance (one batched call, but
    two rows of work)."""
    calls = steps if solver == "euler" else 2 * steps
    return calls * (2 if guided else 1)


@torch.inference_mode()
def sample(model: LatentFlow, n: int, seed: int, labels: torch.Tensor | None = None, *, steps: int = DEFAULT_STEPS,
           guidance: float = DEFAULT_GUIDANCE, solver: str = "heun", chunk: int = 1000,
           temperature: float = 1.0) -> torch.Tensor:
    """``n`` seeded samples as uint8 (n, 28, 28): chunks of ``chunk`` with seeds seed, seed + 1, ... (so the first
    images do not depend on ``n``); without labels, unconditional. ``temperature`` scales the starting noise,
    N(0, temperature^2 I) (experiments/latent_steps.py measures what it does; everything else samples at 1)."""
    parts = []
    for i, idx in enumerate(torch.arange(n).split(chunk)):
        noise = temperature * make_noise(len(idx), model.latent_dim, seed + i)
        *_, z = flow(model, noise, None if labels is None else labels[idx], steps=steps, guidance=guidance,
                     solver=solver)
        parts.append(to_uint8(model.decode(z)).cpu())
    return torch.cat(parts)
