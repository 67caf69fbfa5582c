"""The supervised loop (autoencoder, classifier): Adam with a cosine schedule, yielding one record per step.

Like :class:`~gan_demo.training.gan.GANTrainer` it is an object with named state (model, optimiser, schedule,
its own RNG and step), so the train CLI checkpoints and resumes it the same way.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator

import torch
from torch import nn

from .gan import unwrap, update_ema

# loss_fn(model, x, y, rng) -> (loss, extra record fields); rng: the run's CPU generator, for losses that sample
LossFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, dict]]
# augment(x, rng) -> x, on CPU batches
Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def anneal_over(sched: torch.optim.lr_scheduler.CosineAnnealingLR, total_steps: int) -> None:
    """Make a resumed cosine schedule anneal over ``total_steps``, the resumed run's length.

    Setting ``T_max`` is not enough: the scheduler updates the learning rate relative to its current value, so a
    run resumed from a finished one (learning rate 0) would stay at 0 and train nothing. The current rate is set
    from the closed form at the step reached: half the base rate when 6,000 steps are resumed to 12,000.
    """
    sched.T_max = total_steps
    progress = min(sched.last_epoch, total_steps) / total_steps
    for group, base in zip(sched.optimizer.param_groups, sched.base_lrs):
        group["lr"] = sched.eta_min + (base - sched.eta_min) * (1 + math.cos(math.pi * progress)) / 2


class SupervisedTrainer:
    """Minibatches drawn with replacement from in-memory tensors; the learning rate anneals over ``total_steps``.

    ``ema_decay`` > 0 keeps an exponential moving average of the weights (the GAN trainer's warm-up: early on it
    tracks the model closely), and :meth:`export` returns the average: the usual practice for diffusion and flow
    models, whose averaged weights sample better than the last step's."""

    def __init__(self, model: nn.Module, loss_fn: LossFn, images: torch.Tensor, labels: torch.Tensor, *,
                 total_steps: int, batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
                 device: torch.device | str = "cpu", augment: Augment | None = None, ema_decay: float = 0.0):
        if not 0 <= ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
        self.model, self.loss_fn, self.images, self.labels = model, loss_fn, images, labels
        self.ema_decay = ema_decay
        self.ema = copy.deepcopy(unwrap(model)).eval().requires_grad_(False) if ema_decay > 0 else None
        self.batch_size, self.device, self.augment = batch_size, torch.device(device), augment
        self.rng = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.total_steps = max(1, total_steps)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=self.total_steps)
        self.step = 0

    def run(self, steps: int) -> Iterator[dict]:
        """Train ``steps`` more steps, yielding {step, loss, ...} after each."""
        self.model.train()
        for _ in range(steps):
            idx = torch.randint(len(self.images), (self.batch_size,), generator=self.rng)
            x, y = self.images[idx], self.labels[idx]
            if self.augment is not None:
                x = self.augment(x, self.rng)
            loss, extra = self.loss_fn(self.model, x.to(self.device), y.to(self.device), self.rng)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            self.step += 1
            if self.ema is not None:
                update_ema(self.ema, self.model, self.ema_decay, self.step)
            yield dict(step=self.step, loss=loss.item(), **extra)

    def export(self) -> nn.Module:
        return unwrap(self.model) if self.ema is None else self.ema

    def preview(self) -> None:
        return None

    def state_dict(self) -> dict:
        state = {"model": unwrap(self.model).state_dict(), "opt": self.opt.state_dict(),
                 "sched": self.sched.state_dict(), "rng": self.rng.get_state(), "step": self.step}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        unwrap(self.model).load_state_dict(state["model"])
        if self.ema is not None:
            self.ema.load_state_dict(state.get("ema", state["model"]))  # a checkpoint made without EMA: start from it
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        anneal_over(self.sched, self.total_steps)  # a run resumed with a larger --steps anneals over its length
        self.rng.set_state(state["rng"])
        self.step = int(state["step"])
