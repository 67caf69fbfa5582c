"""Building what one live run trains: G and D, the real-data sampler, the shared GANTrainer, CPU snapshots."""
from __future__ import annotations

import copy

import torch
from torch import nn

from ..data import image_tensors, toy
from ..registry import create_model
from ..training import GANConfig, GANTrainer, tensor_sampler
from .settings import LiveSettings
from .views import N_POINTS

IMAGE_SUBSET = 4096  # the first 4,096 real training images: enough to learn from, quick to load


GENERATOR = {"2d": "toy-gan.generator", "images": "gan.generator"}  # the registered class of each mode's generator


def build_models(s: LiveSettings) -> tuple[nn.Module, nn.Module]:
    """G and D on the CPU, initialised from ``s.seed`` without touching the caller's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(s.seed)
        if s.mode == "2d":
            return (create_model(GENERATOR[s.mode], latent_dim=s.latent_dim, hidden=s.hidden),
                    create_model("toy-gan.discriminator", hidden=s.hidden))
        # spectral=False: a plain BCE discriminator, so D(x) is a probability and the theory applies
        return (create_model(GENERATOR[s.mode], latent_dim=s.latent_dim, width=s.hidden),
                create_model("gan.discriminator", width=s.hidden, spectral=False))


def real_sampler(s: LiveSettings):
    """sample_real(n, rng) for the trainer, and the toy distribution in 2-D mode (None for images)."""
    if s.mode == "2d":
        dist = toy.toy_distribution(s.dataset)
        return (lambda n, rng: (dist.sample(n, rng), None)), dist
    images, _ = image_tensors(s.dataset, "train")
    return tensor_sampler(images[:IMAGE_SUBSET].contiguous()), None


def build_trainer(s: LiveSettings, device: torch.device | str = "cpu") -> tuple[GANTrainer, toy.ToyDistribution | None]:
    """A GANTrainer for ``s`` (no EMA: the theory is about G itself) and the 2-D target distribution."""
    G, D = build_models(s)
    sample, dist = real_sampler(s)
    cfg = GANConfig(k_disc=s.k_disc, g_loss=s.g_loss, optimizer=s.optimizer, lr_d=s.lr_d, lr_g=s.lr_g,
                    beta1=0.5, beta2=0.999, batch_size=s.batch_size, ema_decay=0.0, seed=s.seed)
    preview = N_POINTS if s.mode == "2d" else 64
    return GANTrainer(G.to(device), D.to(device), sample, cfg, device=device, preview_size=preview), dist


def cpu_snapshot(trainer: GANTrainer) -> dict:
    """A CPU deep copy of the trainer's state: it must survive the run and cross a process boundary."""
    def to_cpu(x):
        if isinstance(x, torch.Tensor):
            return x.detach().to("cpu", copy=True)
        if isinstance(x, dict):
            return {k: to_cpu(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(to_cpu(v) for v in x)
        return copy.deepcopy(x)
    return to_cpu(trainer.state_dict())
