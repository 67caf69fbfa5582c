"""The latent-ae and latent-vae families: flow matching over the codes of the shipped autoencoder and VAE.

``python -m gan_demo.train latent-ae --dataset fashion`` encodes the training images once with the shipped
``autoencoder-fashion`` (``--autoencoder FOLDER`` for another), standardises the codes and trains the velocity
field on them (``--sharpen STEPS`` then fine-tunes the decoder for sharper drawings, the encoder frozen); ``make
evaluate`` sets its samples beside the same decoder's reconstructions of test images (the best the decoder can
draw) and its N(0, I) samples (what the prior hole gives).
"""
from __future__ import annotations

import argparse
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

from ...data import to_uint8
from ...hub import load_folder, pretrained_folder
from ...registry import CardRow, Evaluation, Family, Part, TrainData, precision_recall_row, register
from ...training import SupervisedTrainer
from .flow import DEFAULT_GUIDANCE, DEFAULT_STEPS, SOLVERS, balanced_labels, network_evaluations
from .flow import sample as flow_sample
from .model import AUTOENCODERS, LatentFlow
from .sharpen import sharpen_decoder

NULL_P = 0.2  # share of training steps whose class is dropped to the null class (so guidance has its baseline)


COUPLINGS = ("independent", "ot")


def flow_matching_loss(model: LatentFlow, z1: torch.Tensor, y: torch.Tensor, rng: torch.Generator,
                       coupling: str = "independent"):
    """|| v(z_t, t, y) - (z_1 - z_0) ||^2 on the straight path z_t = (1 - t) z_0 + t z_1, z_0 ~ N(0, I).

    ``coupling="ot"`` pairs the batch's noise with its codes by minibatch optimal transport (Tong et al., 2023;
    Pooladian et al., 2023) instead of at random: the paths cross less, so the field to learn is straighter. Pairs
    are made within each condition (each class, and the null class), so that given its condition the noise is
    still N(0, I)."""
    z0 = torch.randn(z1.shape, generator=rng).to(z1.device)
    t = torch.rand(len(z1), generator=rng).to(z1.device)
    dropped = (torch.rand(len(z1), generator=rng) < NULL_P).to(z1.device)
    y = torch.where(dropped, torch.full_like(y, model.null_class), y)
    if coupling == "ot":
        z0 = ot_pairs(z0, z1, y)
    elif coupling != "independent":
        raise ValueError(f"unknown coupling {coupling!r}; choose one of {', '.join(COUPLINGS)}")
    zt = (1 - t[:, None]) * z0 + t[:, None] * z1
    return F.mse_loss(model(zt, t, y), z1 - z0), {}


def ot_pairs(z0: torch.Tensor, z1: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """``z0`` (B, D) reordered so that, within each group, row i goes with ``z1``'s row i at the least total squared
    distance (an exact assignment: the Hungarian method, scipy's ``linear_sum_assignment``)."""
    paired = z0.clone()
    for g in groups.unique():
        rows = (groups == g).nonzero().squeeze(1)
        cost = torch.cdist(z0[rows], z1[rows]).square().detach().cpu().numpy()
        noise, code = linear_sum_assignment(cost)
        paired[rows[torch.as_tensor(code, device=rows.device)]] = z0[rows[torch.as_tensor(noise, device=rows.device)]]
    return paired


@dataclass
class LatentRecipe:
    """Encode the training split once with a frozen ``kind`` autoencoder, then train the flow on its codes."""

    kind: str
    defaults: dict[str, Any] = field(default_factory=lambda: dict(steps=15000, batch_size=256, lr=1e-3, width=256))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--autoencoder", type=Path, metavar="FOLDER",
                            help=f"the {self.kind} weights folder whose codes to learn (default: the shipped one)")
        parser.add_argument("--layers", type=int, default=4, help="residual MLP blocks of the velocity field")
        parser.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                            help="keep and save an exponential moving average of the weights (e.g. 0.999; 0: off)")
        parser.add_argument("--coupling", choices=COUPLINGS, default="independent",
                            help="how noise is paired with codes in a batch: at random, or by optimal transport")
        parser.add_argument("--sharpen", type=int, default=0, metavar="STEPS",
                            help="after the flow, fine-tune the decoder this many steps with an adversarial loss, "
                                 "the encoder frozen (Stable Diffusion's recipe; 0: the decoder as shipped)")

    def check(self, args: argparse.Namespace) -> None:
        if args.latent_dim is not None:
            raise ValueError(f"--latent-dim is the {self.kind}'s own code size: the latent flow cannot change it")
        if args.layers < 1:
            raise ValueError(f"--layers must be >= 1, got {args.layers}")
        if not 0 <= args.ema < 1:
            raise ValueError(f"--ema must be in [0, 1), got {args.ema}")
        if args.sharpen < 0:
            raise ValueError(f"--sharpen must be >= 0 steps, got {args.sharpen}")

    def autoencoder(self, args: argparse.Namespace) -> tuple[nn.Module, dict]:
        folder = args.autoencoder or pretrained_folder(f"{self.kind}-{args.dataset}")[0]
        return load_folder(AUTOENCODERS[self.kind], folder), json.loads((Path(folder) / "config.json").read_text())

    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int,
              rank: int = 0) -> SupervisedTrainer:
        source, config = self.autoencoder(args)
        model = LatentFlow(config, kind=self.kind, hidden=args.width, layers=args.layers,
                           num_classes=data.num_classes)
        model.autoencoder.load_state_dict(source.state_dict())
        model.to(device).eval()
        codes = torch.cat([model.codes(chunk.to(device)).cpu() for chunk in data.images.split(1000)])  # (N, D)
        model.fit_codes(codes.to(device))
        loss = functools.partial(flow_matching_loss, coupling=args.coupling)
        return SupervisedTrainer(model, loss, model.standardise(codes.to(device)).cpu(), data.labels,
                                 total_steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                                 seed=args.seed + rank, device=device, ema_decay=args.ema)

    def finish(self, args: argparse.Namespace, model: nn.Module, data: TrainData,
               device: torch.device) -> None:
        """``--sharpen``: the decoder fine-tuned for sharper drawings of the same codes (latent/sharpen.py)."""
        if args.sharpen:
            sharpen_decoder(model.autoencoder, data.images, args.sharpen, seed=args.seed, device=device)


def sample(model: LatentFlow, n: int, seed: int, labels: torch.Tensor | None, *, steps: int = DEFAULT_STEPS,
           guidance: float = DEFAULT_GUIDANCE, solver: str = "heun") -> torch.Tensor:
    return flow_sample(model, n, seed, labels, steps=steps, guidance=guidance, solver=solver)


def inputs(model: LatentFlow, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Codes (B, D), times (B,) and classes (B,) for the model tests."""
    return (torch.randn(batch, model.latent_dim, generator=rng), torch.rand(batch, generator=rng),
            torch.arange(batch) % model.num_classes)


def measure_with(prefix: str):
    """``make evaluate``'s measures of a latent flow, its keys starting with ``prefix``."""

    def measure(ctx, model: LatentFlow) -> dict:
        n = ctx.n
        start = time.perf_counter()
        images = sample(model, n, 0, None)  # decoding included, as the tab and the CLI get them
        ms = 1000 * (time.perf_counter() - start) / n
        flow = ctx.judged(ctx.generated(images))
        labels = balanced_labels(n, model.num_classes)
        # class by class at w = 1 (no guidance): a sample of p(z) = sum_y p(y) p(z | y), balanced classes, drawn as the
        # conditional GAN's Frechet distance is
        balanced = ctx.judged(ctx.generated(sample(model, n, 0, labels, guidance=1.0)))
        prompted = ctx.judged(ctx.generated(sample(model, n, 0, labels)))
        # the decoder alone, quantised like every sample: real images' codes, and N(0, I) codes
        recon = ctx.judged(ctx.generated(to_uint8(ctx.batched(lambda x: model.autoencoder.decode(model.codes(x)),
                                                              ctx.x_test))))
        noise = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(0))
        prior = ctx.judged(ctx.generated(to_uint8(ctx.batched(model.autoencoder.decode, noise))))
        return {f"{prefix}_fd": ctx.frechet_distance(flow), f"{prefix}_confident": flow.confident,
                f"{prefix}_class_histogram": flow.class_histogram(), **ctx.precision_recall(flow, prefix),
                f"{prefix}_balanced_fd": ctx.frechet_distance(balanced),
                f"{prefix}_balanced_confident": balanced.confident,
                **ctx.precision_recall(balanced, f"{prefix}_balanced"),
                f"{prefix}_agreement": (prompted.predicted == labels).float().mean().item(),
                f"{prefix}_prompted_fd": ctx.frechet_distance(prompted),
                f"{prefix}_recon_fd": ctx.frechet_distance(recon), f"{prefix}_recon_confident": recon.confident,
                f"{prefix}_prior_fd": ctx.frechet_distance(prior), f"{prefix}_prior_confident": prior.confident,
                f"{prefix}_evaluations": network_evaluations(DEFAULT_STEPS, "heun", guided=False),
                f"{prefix}_ms_per_image": ms}

    return measure


def rows(prefix: str, name: str) -> tuple[CardRow, ...]:
    return (
        CardRow(f"Frechet distance, {name} latent flow vs test (unconditional)", lambda r: f"{r[f'{prefix}_fd']:.2f}"),
        CardRow(f"{name} latent flow: classifier >= 90% sure", lambda r: f"{100 * r[f'{prefix}_confident']:.1f}%"),
        CardRow(f"{name} latent flow: smallest class share", lambda r: f"{100 * min(r[f'{prefix}_class_histogram']):.1f}%"),
        precision_recall_row(f"{name} latent flow", prefix),
        CardRow(f"Frechet distance, {name} latent flow class by class (balanced classes, w = 1, as the conditional GAN)",
                lambda r: f"{r[f'{prefix}_balanced_fd']:.2f} ({100 * r[f'{prefix}_balanced_confident']:.1f}% "
                          "classifier >= 90% sure)"),
        precision_recall_row(f"{name} latent flow class by class", f"{prefix}_balanced"),
        CardRow(f"{name} latent flow, class-conditional (w = {DEFAULT_GUIDANCE:g}): judged the class asked for",
                lambda r: f"{100 * r[f'{prefix}_agreement']:.1f}% (Frechet distance {r[f'{prefix}_prompted_fd']:.2f})"),
        CardRow(f"{name} decoder alone: reconstructions of test images / N(0, I) codes, Frechet distance",
                lambda r: f"{r[f'{prefix}_recon_fd']:.2f} / {r[f'{prefix}_prior_fd']:.2f}"),
        CardRow(f"{name} decoder alone: reconstructions / N(0, I) codes, classifier >= 90% sure",
                lambda r: f"{100 * r[f'{prefix}_recon_confident']:.1f}% / {100 * r[f'{prefix}_prior_confident']:.1f}%"),
        CardRow(f"{name} latent flow: network evaluations, ms per image (CPU, decoding included)",
                lambda r: f"{r[f'{prefix}_evaluations']}, {r[f'{prefix}_ms_per_image']:.2f} ms"),
    )


def bars(short: str, r: dict) -> dict[str, bool]:
    """The quality bars of a latent flow (the repo's classifier, 10,000 samples, the test split)."""
    p = f"latent_{short}"
    if short == "vae":
        return {"latent-vae: Frechet distance at most a quarter of the VAE's N(0, I) samples'":
                r[f"{p}_fd"] <= r[f"{p}_prior_fd"] / 4}
    out = {"latent-ae: every class at least 5% of the samples": min(r[f"{p}_class_histogram"]) >= 0.05}
    if r["dataset"] == "fashion":
        out[FD_BARS[0]] = r[f"{p}_balanced_fd"] <= r["cgan_fd"]
    else:
        out[FD_BARS[1]] = r[f"{p}_balanced_fd"] <= 1.5 * r[f"{p}_recon_fd"]
    return out


# Measured class by class (balanced classes, w = 1), as the conditional GAN's Frechet distance is; the
# unconditional (null-class) samples score further off. Fashion-MNIST's is met with the sharpened decoder
# (--sharpen; the autoencoder's own decoder reconstructs test images at 58.5, above the conditional GAN's 55.0),
# MNIST's over an autoencoder trained with the interpolation regulariser (autoencoder --acai; docs/training.md).
FD_BARS = ("latent-ae: Frechet distance class by class at most the conditional GAN's",
           "latent-ae: Frechet distance class by class at most 1.5 times its decoder's reconstructions'")


def register_latent(kind: str, short: str, name: str) -> Family:
    prefix = f"latent_{short}"
    return register(Family(
        name=f"latent-{short}",
        summary=f"latent diffusion in miniature: flow matching (an MLP velocity field, {len(SOLVERS)} solvers) over "
                f"the standardised codes of the shipped {name}, unconditional and class-conditional with "
                f"classifier-free guidance; the {name}'s encoder is frozen inside (its decoder too, unless trained "
                f"with --sharpen)",
        parts={"flow": Part(LatentFlow, dict(autoencoder=dict(latent_dim=4, width=8), kind=kind, hidden=16, layers=1),
                            inputs, lambda model: (model.latent_dim,))},
        pretrained="flow",
        recipe=LatentRecipe(kind),
        sample=sample,
        evaluation=Evaluation(measure_with(prefix), rows=rows(prefix, name), checks=lambda r: bars(short, r),
                              class_rows=(CardRow(f"latent-{short} share",
                                                  lambda r: [f"{100 * h:.1f}%" for h in r[f"{prefix}_class_histogram"]]),)),
    ))


LATENT_AE = register_latent("autoencoder", "ae", "autoencoder")
LATENT_VAE = register_latent("vae", "vae", "VAE")
