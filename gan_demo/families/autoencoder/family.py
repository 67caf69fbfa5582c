"""The autoencoder family: a conv encoder to a 32-d code and back, with a 2-D map of its code space."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...evaluation.metrics import psnr
from ...registry import CardRow, Evaluation, Family, Part, TrainData, register
from .. import inputs
from ..supervised import SupervisedRecipe
from .model import Autoencoder


def autoencoder_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
    return F.mse_loss(model(x), x), {}


@torch.no_grad()
def fit_map(model: Autoencoder, data: TrainData, device: torch.device) -> None:
    """Fit the 2-D latent map on (up to) 20,000 training codes."""
    model.eval()
    codes = torch.cat([model.encode(chunk.to(device)).cpu() for chunk in data.images[:20000].split(1000)])
    model.fit_map(codes, data.labels[: len(codes)])


def measure(ctx, model: nn.Module) -> dict:
    return {"autoencoder_psnr_db": psnr(ctx.batched(model, ctx.x_test), ctx.x_test).mean().item()}


def checks(r: dict) -> dict[str, bool]:
    return {"autoencoder PSNR >= 24 dB": r["autoencoder_psnr_db"] >= 24} if r["dataset"] == "fashion" else {}


FAMILY = register(Family(
    name="autoencoder",
    summary="conv encoder -> 32-d code -> conv decoder; a 2-D map of the code space fitted after training "
            "(Fisher's discriminant on training codes, so classes form regions)",
    parts={"autoencoder": Part(Autoencoder, dict(latent_dim=8, width=8), inputs.images, (1, 28, 28), (-1, 1))},
    pretrained="autoencoder",
    recipe=SupervisedRecipe(Autoencoder, autoencoder_loss, defaults=dict(steps=3000, batch_size=128, lr=2e-3),
                            after=fit_map),
    evaluation=Evaluation(measure, rows=(
        CardRow("autoencoder PSNR (test)", lambda r: f"{r['autoencoder_psnr_db']:.2f} dB"),), checks=checks),
))
