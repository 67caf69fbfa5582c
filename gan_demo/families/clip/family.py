"""The clip family: CLIP trained on captions made from each image's class and pixels; judged by zero-shot accuracy."""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import torch
from torch import nn

from ...data.captions import Captioner, vocabulary
from ...registry import CardRow, Evaluation, Family, Part, TrainData, register
from ...training import SupervisedTrainer
from .. import inputs
from ..classifier.family import random_shift
from ..supervised import SupervisedRecipe
from .model import CLIP, contrastive_loss
from .scoring import zero_shot

TINY_WORDS = ["a", "photo", "of", "sneaker", "dark", "odd"]


PROMPTS = 3  # the model tests score a batch of images against this many captions


def tiny_inputs(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Images and the token ids of PROMPTS captions of three known words each."""
    ids = torch.randint(1, len(model.tokenizer), (PROMPTS, model.tokenizer.max_words), generator=rng)
    ids[:, 3:] = 0
    return (*inputs.images(model, batch, rng), ids)


def captioned_loss(captioner: Captioner):
    """The contrastive loss on fresh captions of each batch (loss_fn for the supervised loop)."""
    def loss_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
        ids = model.tokenizer.encode(captioner.caption(x.cpu(), y.cpu(), rng)).to(x.device)
        logits = model(x, ids)
        return contrastive_loss(logits, ids), {"temperature": 1 / model.scale.item()}
    return loss_fn


@dataclass
class CLIPRecipe(SupervisedRecipe):
    """Fit the captioner's per-class thirds on the training split, then train on image-caption pairs."""

    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int,
              rank: int = 0) -> SupervisedTrainer:
        if world > 1:
            raise ValueError("CLIP trains in one process: its loss needs the whole batch of captions")
        model = CLIP(list(vocabulary(args.dataset).words()), **self.model_kwargs(args, data)).to(device)
        loss = captioned_loss(Captioner(args.dataset).fit(data.images, data.labels))
        return SupervisedTrainer(model, loss, data.images, data.labels, total_steps=args.steps,
                                 batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=device,
                                 augment=self.augment)


def measure(ctx, model: nn.Module) -> dict:
    return {"clip_zero_shot": (zero_shot(model, ctx.dataset, ctx.x_test) == ctx.y_test).float().mean().item()}


def checks(r: dict) -> dict[str, bool]:
    floor = {"fashion": 0.85, "mnist": 0.95}[r["dataset"]]
    return {f"CLIP zero-shot accuracy >= {floor:.0%}": r["clip_zero_shot"] >= floor}


FAMILY = register(Family(
    name="clip",
    summary="CLIP in miniature: a 4-conv image encoder and a 2-layer Transformer text encoder into one 64-d space, "
            "trained with the symmetric contrastive loss on captions made from each image's class and pixels",
    parts={"clip": Part(CLIP, dict(words=TINY_WORDS, max_words=5, embed_dim=8, width=8, text_width=16, layers=1,
                                   heads=2), tiny_inputs, (PROMPTS,))},
    pretrained="clip",
    recipe=CLIPRecipe(CLIP, contrastive_loss, augment=random_shift, model_args=("width",),
                      defaults=dict(steps=3000, batch_size=256, lr=2e-3)),
    evaluation=Evaluation(measure, rows=(
        CardRow("CLIP zero-shot accuracy (test, class prompts)", lambda r: f"{100 * r['clip_zero_shot']:.1f}%"),),
        checks=checks),
))
