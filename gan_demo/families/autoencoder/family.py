"""The autoencoder family: a conv encoder to a 32-d code and back, with a 2-D map of its code space."""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

from ...evaluation.metrics import psnr
from ...registry import CardRow, Evaluation, Family, Part, TrainData, register
from .. import inputs
from ..supervised import SupervisedRecipe
from .interpolation import InterpolationTrainer
from .model import Autoencoder


def autoencoder_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
    return F.mse_loss(model(x), x), {}


@torch.no_grad()
def fit_map(model: Autoencoder, data: TrainData, device: torch.device) -> None:
    """Fit the 2-D latent map on (up to) 20,000 training codes."""
    model.eval()
    codes = torch.cat([model.encode(chunk.to(device)).cpu() for chunk in data.images[:20000].split(1000)])
    model.fit_map(codes, data.labels[: len(codes)])


class AutoencoderRecipe(SupervisedRecipe):
    """The supervised recipe, plus ``--acai LAMBDA``: the interpolation regulariser (interpolation.py) that makes the
    space between codes decodable, for a latent flow to sample in."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--acai", type=float, default=0.0, metavar="LAMBDA",
                            help="weight of the adversarially constrained interpolation regulariser (ACAI; "
                                 "0: pixel error alone)")

    def check(self, args: argparse.Namespace) -> None:
        if args.acai < 0:
            raise ValueError(f"--acai must be >= 0, got {args.acai}")

    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int, rank: int = 0):
        if not args.acai:
            return super().build(args, data, device, world, rank)
        if world > 1:
            raise ValueError("--acai trains on one device (its critic is not distributed)")
        model = self.model_class(**self.model_kwargs(args, data)).to(device)
        return InterpolationTrainer(model, data.images, data.labels, weight=args.acai, total_steps=args.steps,
                                    batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=device)


def measure(ctx, model: nn.Module) -> dict:
    return {"autoencoder_psnr_db": psnr(ctx.batched(model, ctx.x_test), ctx.x_test).mean().item()}


def checks(r: dict) -> dict[str, bool]:
    return {"autoencoder PSNR >= 24 dB": r["autoencoder_psnr_db"] >= 24} if r["dataset"] == "fashion" else {}


FAMILY = register(Family(
    name="autoencoder",
    summary="conv encoder -> 32-d code -> conv decoder; a 2-D map of the code space fitted after training "
            "(Fisher's discriminant on training codes, so classes form regions); with --acai, trained to decode "
            "mixes of its codes too (an interpolation critic, ACAI)",
    parts={"autoencoder": Part(Autoencoder, dict(latent_dim=8, width=8), inputs.images, (1, 28, 28), (-1, 1))},
    pretrained="autoencoder",
    recipe=AutoencoderRecipe(Autoencoder, autoencoder_loss, defaults=dict(steps=3000, batch_size=128, lr=2e-3),
                            after=fit_map),
    evaluation=Evaluation(measure, rows=(
        CardRow("autoencoder PSNR (test)", lambda r: f"{r['autoencoder_psnr_db']:.2f} dB"),), checks=checks),
))
