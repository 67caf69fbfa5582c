"""What ``make evaluate`` gives each family's measure: one dataset's test split, a judge and helpers.

The judge is the shipped classifier of the dataset: its accuracy says how far to trust it, its class
predictions say what a generated image shows, and its 128-d features are the space the Frechet distance is
measured in. Everything is computed once per dataset and shared by the families.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from torch import nn

from ..data import dataset_info, image_tensors, shuffled_split, to_model_range
from ..hub import load_pretrained
from .metrics import class_histogram, frechet_distance, precision_recall

JUDGE = "classifier"  # the family whose shipped model judges the others
CONFIDENT = 0.9  # a judged image is "recognisable" when the judge is at least this sure of its class
PR_N, PR_K = 1000, 3  # precision and recall: the first 1,000 images of each set, manifolds of 3-nearest-neighbour balls


@dataclass
class Judged:
    """What the judge makes of a set of images, from one pass over them: its features and class probabilities."""

    features: np.ndarray  # (N, feature_dim): the space the Frechet distance is measured in
    probs: torch.Tensor  # (N, K)

    @property
    def predicted(self) -> torch.Tensor:
        """The judge's class for each image (N,)."""
        return self.probs.argmax(1)

    @property
    def confident(self) -> float:
        """Share of images the judge gives at least CONFIDENT probability to one class: recognisable ones."""
        return (self.probs.amax(1) >= CONFIDENT).float().mean().item()

    def class_histogram(self) -> list[float]:
        return class_histogram(self.predicted, self.probs.shape[1]).tolist()


class EvalContext:
    """The first ``n`` test (and training) images of ``dataset`` on ``device``, and the judge's view of them."""

    def __init__(self, dataset: str, n: int, device: torch.device | str):
        self.dataset, self.n, self.device = dataset, n, torch.device(device)
        self.classes = dataset_info(dataset).classes
        x_test, y_test = image_tensors(dataset, "test")
        self.x_test, self.y_test = x_test[:n], y_test[:n]

    @cached_property
    def x_train(self) -> torch.Tensor:
        return image_tensors(self.dataset, "train")[0][: self.n]

    @cached_property
    def x_train_drawn(self) -> torch.Tensor:
        """PR_N training images drawn at random (seed 0): a split may be sorted by class (MNIST's is)."""
        return to_model_range(shuffled_split(self.dataset, "train", 0, PR_N)[0])

    @cached_property
    def judge(self) -> nn.Module:
        return load_pretrained(f"{JUDGE}-{self.dataset}", self.device)

    @torch.inference_mode()
    def batched(self, fn, x: torch.Tensor, batch: int = 500) -> torch.Tensor:
        """``fn`` over ``x`` in batches on the device; the result on the CPU."""
        return torch.cat([fn(chunk.to(self.device)).cpu() for chunk in x.split(batch)])

    def judged(self, x: torch.Tensor) -> Judged:
        """The judge's features and class probabilities of images ``x`` (N, 1, 28, 28), in one pass."""
        features = self.batched(self.judge.features, x)  # (N, feature_dim)
        probs = self.batched(lambda h: self.judge.classify_features(h).softmax(1), features)  # (N, K)
        return Judged(features.numpy(), probs)

    @cached_property
    def test(self) -> Judged:
        return self.judged(self.x_test)

    def frechet_distance(self, judged: Judged) -> float:
        """Frechet distance between judged images and the test images, in the judge's feature space."""
        return frechet_distance(judged.features, self.test.features)

    def precision_recall(self, judged: Judged, prefix: str) -> dict[str, float]:
        """``{prefix}_precision`` and ``{prefix}_recall`` (Kynkaanniemi et al., 2019) of the first PR_N judged images
        against the first PR_N test images, in the judge's feature space. Every model is measured on the same number
        of images (the nearest-neighbour radii shrink as a set grows), the text-to-image pipeline's 1,000 included."""
        precision, recall = precision_recall(self.test.features[:PR_N], judged.features[:PR_N], PR_K)
        return {f"{prefix}_precision": precision, f"{prefix}_recall": recall}

    def generated(self, images_uint8: torch.Tensor) -> torch.Tensor:
        """Generated uint8 images (N, 28, 28), as the sample CLI writes them, back in the models' range."""
        return to_model_range(images_uint8)
