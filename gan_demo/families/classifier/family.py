"""The classifier family: a small CNN that judges generated images and defines the Frechet distance's space."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...registry import CardRow, Evaluation, Family, Part, register
from .. import inputs
from ..supervised import SupervisedRecipe
from .model import Classifier


def classifier_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
    logits = model(x)
    return F.cross_entropy(logits, y), {"acc": (logits.argmax(1) == y).float().mean().item()}


def random_shift(x: torch.Tensor, rng: torch.Generator, pad: int = 2) -> torch.Tensor:
    """Augmentation: shift the whole batch by up to ``pad`` pixels (the background is -1)."""
    padded = F.pad(x, (pad,) * 4, value=-1.0)
    dx, dy = torch.randint(2 * pad + 1, (2,), generator=rng).tolist()
    return padded[:, :, dy:dy + x.shape[2], dx:dx + x.shape[3]]


def measure(ctx, model: nn.Module) -> dict:
    """Accuracy on the test split, and the floor of the Frechet distance: real training vs test images.

    ``model`` is this dataset's shipped classifier, which is also ``ctx``'s judge: its view of the test split is
    computed once, there."""
    accuracy = (ctx.test.predicted == ctx.y_test).float().mean().item()
    return {"classifier_accuracy": accuracy, "real_confident": ctx.test.confident,
            "n_train_floor": len(ctx.x_train), "fd_floor_train_vs_test": ctx.frechet_distance(ctx.judged(ctx.x_train)),
            **ctx.precision_recall(ctx.judged(ctx.x_train_drawn), "real")}  # real against real: every model's ceiling


FAMILY = register(Family(
    name="classifier",
    summary="small CNN (2x2 conv blocks, 128-d features); judges generated images and defines the feature space "
            "of the Frechet distance",
    parts={"classifier": Part(Classifier, dict(width=8, feature_dim=16), inputs.images, (10,))},
    pretrained="classifier",
    recipe=SupervisedRecipe(
        Classifier, classifier_loss, augment=random_shift, model_args=("width",), with_classes=True,
        defaults=dict(steps=3000, batch_size=128, lr=2e-3)),
    evaluation=Evaluation(measure, rows=(
        CardRow("classifier accuracy (test)", lambda r: f"{100 * r['classifier_accuracy']:.1f}%"),
        CardRow("real test images: classifier >= 90% sure", lambda r: f"{100 * r['real_confident']:.1f}%"),
        CardRow("Frechet distance, real train vs test (floor)", lambda r: f"{r['fd_floor_train_vs_test']:.2f}"),
        CardRow("real train vs test: precision / recall (1,000 images, k = 3; the ceiling)",
                lambda r: f"{r['real_precision']:.2f} / {r['real_recall']:.2f}"),
    )),
))
