"""The GAN training loop as a generator of plain records, shared by the CLI and the live training tab.

``GANTrainer.run(steps)`` yields one record per generator step:
    step, loss_d, loss_g, d_real = mean D(x), d_fake = mean D(G(z)), value = V(D, G),
    grad_g = the norm of the generator's gradient (it vanishes when the minimax loss saturates).
It never imports gradio and never seeds the global RNG: all randomness comes from its own
``torch.Generator``, which is saved in checkpoints so a resumed run continues the same stream.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .losses import check_g_loss, discriminator_loss, generator_loss, value_function

# sample_real(batch_size, generator) -> (x, y) on the CPU; y is None for unconditional data
RealSampler = Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor | None]]


class DivergenceError(RuntimeError):
    """A loss became NaN or infinite: training has diverged and cannot continue."""


@dataclass
class GANConfig:
    """Options of one GAN run; saved with checkpoints."""

    k_disc: int = 1  # discriminator steps per generator step
    g_loss: str = "hinge"  # minimax | non-saturating | hinge
    optimizer: str = "adam"  # adam | sgd
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    beta1: float = 0.0
    beta2: float = 0.9
    batch_size: int = 64
    ema_decay: float = 0.999  # 0 disables the EMA copy of the generator
    aux_weight: float = 0.0  # conditional runs: weight of the auxiliary class loss (AC-GAN); 0 disables it
    seed: int = 0

    def __post_init__(self):
        check_g_loss(self.g_loss)
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose 'adam' or 'sgd'")
        if self.aux_weight < 0:
            raise ValueError(f"aux_weight must be >= 0, got {self.aux_weight}")
        if not (self.lr_d > 0 and self.lr_g > 0):
            raise ValueError(f"learning rates must be > 0, got lr_d={self.lr_d} and lr_g={self.lr_g}")
        if self.k_disc < 1 or self.batch_size < 1:
            raise ValueError(f"k_disc and batch_size must be >= 1, got {self.k_disc} and {self.batch_size}")


def make_optimizer(params, lr: float, cfg: GANConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2))


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside a DistributedDataParallel wrapper (or the module itself)."""
    return getattr(model, "module", model)


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, max_decay: float, step: int) -> None:
    """Move the moving average ``ema`` towards ``model``'s weights (buffers copied) with decay
    min(max_decay, (1 + step) / (10 + step)): a warm-up, so early on the average tracks the model closely."""
    decay = min(max_decay, (1 + step) / (10 + step))
    for p_ema, p in zip(ema.parameters(), unwrap(model).parameters()):
        p_ema.lerp_(p, 1 - decay)
    for b_ema, b in zip(ema.buffers(), unwrap(model).buffers()):
        b_ema.copy_(b)


class GANTrainer:
    """Holds G, D, their optimisers, the EMA generator and the RNG of one run."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, sample_real: RealSampler,
                 cfg: GANConfig, *, num_classes: int = 0, device: torch.device | str = "cpu",
                 preview_size: int = 64):
        self.G, self.D, self.sample_real, self.cfg = generator, discriminator, sample_real, cfg
        self.num_classes, self.device = num_classes, torch.device(device)
        self.rng = torch.Generator().manual_seed(cfg.seed)
        self.opt_g = make_optimizer(self.G.parameters(), cfg.lr_g, cfg)
        self.opt_d = make_optimizer(self.D.parameters(), cfg.lr_d, cfg)
        self.G_ema = copy.deepcopy(unwrap(self.G)).eval().requires_grad_(False) if cfg.ema_decay > 0 else None
        self.step = 0
        # a fixed noise batch (and labels) so preview grids are comparable over time, as in the DCGAN example
        preview_rng = torch.Generator().manual_seed(cfg.seed + 1)
        self.fixed_z = torch.randn(preview_size, unwrap(self.G).latent_dim, generator=preview_rng)
        self.fixed_y = torch.arange(preview_size) % num_classes if num_classes else None

    # -- one step ---------------------------------------------------------------------------
    def noise(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, unwrap(self.G).latent_dim, generator=self.rng).to(self.device)
        y = torch.randint(self.num_classes, (n,), generator=self.rng).to(self.device) if self.num_classes else None
        return z, y

    def generate(self, model: nn.Module, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return model(z, y) if y is not None else model(z)

    def discriminate(self, x: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(real/fake logits, class logits of the auxiliary head or None when the run has none)."""
        if y is None:
            return self.D(x), None
        if not self.cfg.aux_weight:
            return self.D(x, y), None
        return self.D(x, y, with_classes=True)

    def class_loss(self, class_logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The weighted auxiliary classification loss (AC-GAN) of the discriminator's class head."""
        return self.cfg.aux_weight * F.cross_entropy(class_logits, y)

    def d_step(self) -> torch.Tensor:
        """One discriminator step: (its loss, V(D, G), mean D(x), mean D(G(z))) as one detached tensor (4,)."""
        x, y_real = self.sample_real(self.cfg.batch_size, self.rng)
        x = x.to(self.device)
        y_real = y_real.to(self.device) if self.num_classes else None
        z, y_fake = self.noise(len(x))
        with torch.no_grad():
            fake = self.generate(self.G, z, y_fake)
        # real and fake go through D in one batch: one forward, one backward (and DDP-friendly)
        both = torch.cat([x, fake])
        labels = torch.cat([y_real, y_fake]) if self.num_classes else None
        logits, class_logits = self.discriminate(both, labels)
        real_logits, fake_logits = logits[: len(x)], logits[len(x):]
        loss = discriminator_loss(real_logits, fake_logits, self.cfg.g_loss)
        if class_logits is not None:  # the class head learns from real images only
            loss = loss + self.class_loss(class_logits[: len(x)], y_real)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        value = value_function(real_logits, fake_logits)
        return torch.stack([loss, value, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()]).detach()

    def g_step(self) -> torch.Tensor:
        """One generator step: (its loss, the norm of its gradient over all of G's parameters) as a tensor (2,)."""
        z, y = self.noise(self.cfg.batch_size)
        logits, class_logits = self.discriminate(self.generate(self.G, z, y), y)
        loss = generator_loss(logits, self.cfg.g_loss)
        if class_logits is not None:  # and the generator is asked to draw images it classifies as y
            loss = loss + self.class_loss(class_logits, y)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in self.G.parameters() if p.grad is not None]
        grad_norm = torch.nn.utils.get_total_norm(grads) if grads else torch.zeros((), device=loss.device)
        self.opt_g.step()
        if self.G_ema is not None:
            update_ema(self.G_ema, self.G, self.cfg.ema_decay, self.step)
        return torch.stack([loss.detach(), grad_norm.to(loss.dtype)])

    def run(self, steps: int) -> Iterator[dict]:
        """Train for ``steps`` generator steps, yielding one record after each."""
        self.G.train()
        self.D.train()
        for _ in range(steps):
            # 1. k discriminator steps on fresh real and fake batches
            for _ in range(self.cfg.k_disc):
                d = self.d_step()
            # 2. one generator step
            g = self.g_step()
            self.step += 1
            # one device-to-host copy per step (six .item() calls would each wait for the GPU)
            loss_d, value, d_real, d_fake, loss_g, grad_g = torch.cat([d, g]).tolist()
            record = dict(step=self.step, loss_d=loss_d, loss_g=loss_g, d_real=d_real, d_fake=d_fake, value=value,
                          grad_g=grad_g)
            # 3. stop on divergence with a message instead of training on NaNs
            if not all(math.isfinite(v) for v in record.values()):
                raise DivergenceError(f"training diverged at step {self.step}: {record}. "
                                      "Lower the learning rates or use the non-saturating loss.")
            yield record

    # -- outputs and checkpoints --------------------------------------------------------------
    def export(self) -> nn.Module:
        """The generator to sample from: the EMA copy when there is one."""
        return self.G_ema if self.G_ema is not None else unwrap(self.G)

    @torch.no_grad()
    def preview(self) -> torch.Tensor:
        """Samples from the fixed noise batch, (P, C, H, W) or (P, 2), on the CPU."""
        model = self.export()
        was_training = model.training
        model.eval()
        y = self.fixed_y.to(self.device) if self.fixed_y is not None else None
        out = self.generate(model, self.fixed_z.to(self.device), y).cpu()
        model.train(was_training)
        return out

    def state_dict(self) -> dict:
        state = {"G": unwrap(self.G).state_dict(), "D": unwrap(self.D).state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "rng": self.rng.get_state(), "step": self.step, "cfg": asdict(self.cfg)}
        if self.G_ema is not None:
            state["G_ema"] = self.G_ema.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        unwrap(self.G).load_state_dict(state["G"])
        unwrap(self.D).load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        # the learning rates come from this run's settings, so a resumed run can anneal them
        for opt, lr in ((self.opt_g, self.cfg.lr_g), (self.opt_d, self.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
        self.rng.set_state(state["rng"])
        self.step = int(state["step"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["G_ema"])


def tensor_sampler(images: torch.Tensor, labels: torch.Tensor | None = None) -> RealSampler:
    """Random minibatches (with replacement across batches) from in-memory tensors."""
    def sample(n: int, rng: torch.Generator):
        idx = torch.randint(len(images), (n,), generator=rng)
        return images[idx], (labels[idx] if labels is not None else None)
    return sample
