"""An autoencoder whose codes can be mixed: the adversarially constrained interpolation regulariser (ACAI).

A generator in the code space (a latent flow) puts its samples *between* the codes of real images, and a decoder
trained on pixel error alone only ever saw the codes themselves. ACAI (Berthelot et al., 2019) trains for the space
between: a critic sees the decoded mix x_a = g((1 - a) f(x1) + a f(x2)) of two images' codes, a ~ U[0, 1/2], and
learns to tell a; the autoencoder learns, beside its pixel error, to make the critic answer 0 (a mix that looks
like an image), with weight ``lambda``:

    critic:       ||d(x_a) - a||^2 + ||d(gamma x + (1 - gamma) g(f(x)))||^2
    autoencoder:  ||x - g(f(x))||^2 + lambda ||d(x_a)||^2

The pairs are two images of one class (the mixes a class-conditional latent flow makes). The second critic term
(gamma = 0.2) keeps the critic from answering "real" for anything that merely looks like a reconstruction.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...training import SupervisedTrainer
from .model import Autoencoder, conv_encoder

GAMMA = 0.2  # the critic's blend of a real image into its reconstruction


def same_class_partners(labels: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """For each index, another index of the same class (a random derangement within each class; itself when it is
    its class's only one). ``labels`` on any device; the partners on the CPU."""
    labels = labels.cpu()
    partner = torch.arange(len(labels))
    for c in labels.unique():
        idx = (labels == c).nonzero().squeeze(1)
        if len(idx) < 2:
            continue
        shift = torch.randint(1, len(idx), (), generator=rng)  # a rotation of a shuffled order: never itself
        order = idx[torch.randperm(len(idx), generator=rng)]
        partner[order] = order.roll(int(shift))
    return partner


class InterpolationTrainer(SupervisedTrainer):
    """The autoencoder's supervised loop with ACAI: each step also takes one step of the critic (Adam, ``critic_lr``),
    whose weights and optimiser are checkpointed with the rest. ``export`` gives the autoencoder alone."""

    def __init__(self, model: Autoencoder, images: torch.Tensor, labels: torch.Tensor, *, weight: float,
                 critic_lr: float = 1e-3, device: torch.device | str = "cpu", **kwargs):
        if weight <= 0:
            raise ValueError(f"the interpolation regulariser's weight must be > 0, got {weight}")
        self.weight = weight
        self.critic = conv_encoder(32, images.shape[1], 1).to(device)  # (B, C, 28, 28) -> (B, 1): its guess of a
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=critic_lr, betas=(0.5, 0.99))
        super().__init__(model, self.loss, images, labels, device=device, **kwargs)

    def loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
        z = model.encode(x)
        recon = model.decode(z)
        mse = F.mse_loss(recon, x)
        partner = same_class_partners(y, rng).to(z.device)
        a = (0.5 * torch.rand(len(x), 1, generator=rng)).to(z.device)
        mixed = model.decode((1 - a) * z + a * z[partner])
        blend = GAMMA * x + (1 - GAMMA) * recon.detach()
        critic_loss = (self.critic(mixed.detach()) - a).pow(2).mean() + self.critic(blend).pow(2).mean()
        self.critic_opt.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_opt.step()
        # the autoencoder's term; its gradient reaches the critic too, zeroed before the critic's next step
        fool = self.critic(mixed).pow(2).mean()
        return mse + self.weight * fool, {"mse": mse.item(), "critic": critic_loss.item()}

    def state_dict(self) -> dict:
        return super().state_dict() | {"critic": self.critic.state_dict(), "critic_opt": self.critic_opt.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.critic.load_state_dict(state["critic"])
        self.critic_opt.load_state_dict(state["critic_opt"])
