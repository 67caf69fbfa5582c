"""The training recipe of the families trained on labelled images with one loss (autoencoder, classifier)."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..registry import TrainData, given
from ..training import SupervisedTrainer
from ..training.supervised import Augment, LossFn


@dataclass
class SupervisedRecipe:
    """Build ``model_class`` from the CLI flags named in ``model_args`` and train it with ``loss``."""

    model_class: type[nn.Module]
    loss: LossFn
    augment: Augment | None = None
    model_args: tuple[str, ...] = ("latent_dim", "width")  # CLI flags passed to the constructor when given
    with_classes: bool = False  # pass num_classes to the constructor
    defaults: dict[str, Any] = field(default_factory=dict)
    after: Callable[[nn.Module, TrainData, torch.device], None] | None = None  # e.g. fit the autoencoder's map

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass  # the common flags are all it takes

    def check(self, args: argparse.Namespace) -> None:
        pass

    def model_kwargs(self, args: argparse.Namespace, data: TrainData) -> dict:
        return given(args, *self.model_args) | ({"num_classes": data.num_classes} if self.with_classes else {})

    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int,
              rank: int = 0) -> SupervisedTrainer:
        model = self.model_class(**self.model_kwargs(args, data)).to(device)
        trainer = SupervisedTrainer(model, self.loss, data.images, data.labels, total_steps=args.steps,
                                    batch_size=args.batch_size, lr=args.lr, seed=args.seed + rank, device=device,
                                    augment=self.augment)
        if world > 1:  # the optimiser holds the same parameters; only the forward goes through DDP
            trainer.model = DistributedDataParallel(model)
        return trainer

    def finish(self, args: argparse.Namespace, model: nn.Module, data: TrainData,
               device: torch.device) -> None:
        if self.after is not None:
            self.after(model, data, device)
