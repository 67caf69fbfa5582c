"""GAN losses on discriminator logits, and the quantities the theory talks about.

With D(x) = sigmoid(logit), the value function of the minimax game is
    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],
and at the optimum of both players D = 1/2 everywhere and V = -2 log 2.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

G_LOSSES = ("minimax", "non-saturating", "hinge")


def check_g_loss(name: str) -> str:
    if name not in G_LOSSES:
        raise ValueError(f"unknown generator loss {name!r}; choose one of {G_LOSSES}")
    return name


def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], computed stably from logits."""
    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, g_loss: str) -> torch.Tensor:
    """Summed binary cross-entropy (= -V, equilibrium 2 log 2), or the hinge loss when ``g_loss='hinge'``."""
    if g_loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return -value_function(real_logits, fake_logits)


def generator_loss(fake_logits: torch.Tensor, g_loss: str) -> torch.Tensor:
    """minimax: E[log(1 - D(G(z)))] (equilibrium -log 2); non-saturating: -E[log D(G(z))] (log 2); hinge: -E[logit]."""
    if g_loss == "minimax":
        return F.logsigmoid(-fake_logits).mean()
    if g_loss == "non-saturating":
        return -F.logsigmoid(fake_logits).mean()
    if g_loss == "hinge":
        return -fake_logits.mean()
    return check_g_loss(g_loss)  # raises
