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


# the registered family of each (mode, model): its generator and discriminator parts are what a run trains
FAMILY = {("2d", "mlp"): "toy-gan", ("images", "mlp"): "mlp-gan", ("images", "dcgan"): "gan"}
FAR_SCALE = 0.02  # g_init="far": G's output layer is shrunk so that far, then every point starts in one small spot


def generator_name(s: LiveSettings) -> str:
    """The registered class of the generator a run with ``s`` trains (what its export names)."""
    return f"{FAMILY[s.mode, s.model]}.generator"


def build_models(s: LiveSettings) -> tuple[nn.Module, nn.Module]:
    """G and D on the CPU, initialised from ``s.seed`` without touching the caller's global RNG."""
    family = FAMILY[s.mode, s.model]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(s.seed)
        if s.model == "dcgan":
            # spectral=False: a plain BCE discriminator, so D(x) is a probability and the theory applies
            G = create_model(f"{family}.generator", latent_dim=s.latent_dim, width=s.hidden)
            D = create_model(f"{family}.discriminator", width=s.hidden, spectral=False)
        else:
            G = create_model(f"{family}.generator", latent_dim=s.latent_dim, hidden=s.hidden)
            D = create_model(f"{family}.discriminator", hidden=s.hidden)
    if s.g_init == "far":
        start_in_one_spot(G)
    return G, D


@torch.no_grad()
def start_in_one_spot(G: nn.Module) -> None:
    """Shrink G's output layer: every sample starts at about G's output for a zero pre-activation (the origin
    in 2-D, a grey image), far from the data, whose supports then do not overlap."""
    last = [m for m in G.modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]
    last.weight.mul_(FAR_SCALE)
    if last.bias is not None:
        last.bias.zero_()


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
