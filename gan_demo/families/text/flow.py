"""Flow matching for the image decoder: a straight path from noise to image, learned as a velocity.

Path (rectified flow; Lipman et al., 2023, "Flow Matching for Generative Modeling"; Liu et al., 2023), in the
convention of the app's other flows (the live tab's, the latent flows'): t runs from 0 (pure noise) to 1 (the image),
    x_t = t x_0 + (1 - t) eps,   eps ~ N(0, I),
whose velocity is dx_t/dt = x_0 - eps. The network learns it by plain regression,
    L = E_{x_0, eps, t} || v(x_t, t, c) - (x_0 - eps) ||^2,
with t drawn logit-normal (the sigmoid of a standard normal), which spends the training on the middle of the path
where the target is hardest (Esser et al., 2024, the Stable Diffusion 3 paper, found it best of the samplings they
compared). No noise schedule, no variance terms, no choice between predicting noise or image: that is the appeal.

Sampling integrates dx/dt = v from t = 0 to t = 1 on ``steps`` equal steps: Euler (x += h v, one network evaluation
a step) or Heun (an Euler guess, then the average of both ends' slopes; two evaluations a step, second order). The
solvers are written here rather than taken from diffusers: its flow-matching schedulers space their grid from
t = 0 to t = 0.999 and spend the last step on the remaining 0.001 (Heun's as an Euler step), which costs nothing at
SD3's 28 steps but one of two evaluations at two, and the speed-against-quality sweep is about few steps. The
network sees 1000 t as its timestep, the range its sinusoidal embedding shares with the DDPM decoder's. Classifier-
free guidance mixes the two velocities as :mod:`.diffusion` mixes the noise predictions:
v = v(x, null) + w (v(x, c) - v(x, null)).
"""
from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

TIME_SCALE = 1000  # the network's timestep is t * TIME_SCALE
SOLVERS = ("euler", "heun")


def check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {list(SOLVERS)}")


def flow_loss(model: nn.Module, x0: torch.Tensor, cond: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """MSE between the network's velocity at a logit-normal time t and the path's, x_0 - eps."""
    noise = torch.randn(x0.shape, generator=rng).to(x0.device)
    t = torch.sigmoid(torch.randn(len(x0), generator=rng)).to(x0.device)
    x_t = t.view(-1, 1, 1, 1) * x0 + (1 - t.view(-1, 1, 1, 1)) * noise
    return F.mse_loss(model(x_t, t * TIME_SCALE, cond), x0 - noise)


def network_evaluations(steps: int, solver: str, guidance: float) -> int:
    """Network evaluations per sample: Euler's one a step, Heun's two, doubled when guided."""
    check_solver(solver)
    return steps * (1 if solver == "euler" else 2) * (1 if guidance == 1 else 2)


def velocity(model: nn.Module, x: torch.Tensor, t: float, cond: torch.Tensor, nulls: torch.Tensor,
             guidance: float) -> torch.Tensor:
    """The guided velocity at x and time t; the conditional and unconditional halves from one doubled batch."""
    ts = torch.full((len(x),), t * TIME_SCALE, device=x.device)
    if guidance == 1:
        return model(x, ts, cond)
    conditional, unconditional = model(torch.cat([x, x]), torch.cat([ts, ts]), torch.cat([cond, nulls])).chunk(2)
    return unconditional + guidance * (conditional - unconditional)


@torch.inference_mode()
def flow_steps(model: nn.Module, x: torch.Tensor, cond: torch.Tensor, null: torch.Tensor, *, steps: int,
               guidance: float, solver: str = "euler") -> Iterator[tuple[int, int, torch.Tensor, torch.Tensor]]:
    """Carry ``x`` (pure noise, t = 0) to images in ``steps`` solver steps, yielding (i, noise level, x after the
    step, the x_0 its first slope points at) after each: the same frames as :func:`.diffusion.ddim_steps`, the noise
    level (1 - t) * 1000 of the step's start standing for DDIM's timestep. Deterministic: the same noise gives the
    same images."""
    check_solver(solver)
    nulls = null.expand_as(cond)
    times = torch.linspace(0, 1, steps + 1).tolist()
    for i, (t, t_next) in enumerate(zip(times[:-1], times[1:])):
        v = velocity(model, x, t, cond, nulls, guidance)
        x0 = x + (1 - t) * v  # where a straight line along v ends at t = 1
        guess = x + (t_next - t) * v
        x = guess if solver == "euler" else x + (t_next - t) * (v + velocity(model, guess, t_next, cond, nulls,
                                                                             guidance)) / 2
        yield i, round((1 - t) * TIME_SCALE), x, x0
