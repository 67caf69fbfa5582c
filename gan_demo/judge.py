"""Be the discriminator: a seeded round of real test images mixed with a generator's samples, and its scoring.

A round is a pure function of its seed (and the models and data passed in), so the answer key never has to
travel with the pictures: whoever checks the guesses deals the same round again from the same seed.

Half the images are real and half generated, so a judge who cannot tell them apart (marking all real, all
generated, or at random) scores 50%, the score every judge, the optimal discriminator included, gets against a
perfect generator: there D*(x) = p_r / (p_r + p_g) = 1/2 everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .evaluation.context import CONFIDENT  # the confidence the model cards count as a sure verdict
from .sampling import sample

ROUND_SIZE = 8


@dataclass(frozen=True)
class Round:
    """One round: ``images`` uint8 (n, 28, 28) and its answer key ``real`` bool (n,); ``source`` (n,) says where
    each image came from: the index in the test split for a real one, the sample number of the seed's batch
    (the GAN tab's numbering) for a generated one."""
    seed: int
    images: np.ndarray
    real: np.ndarray
    source: np.ndarray


def deal(generator: nn.Module, real_images: np.ndarray | torch.Tensor, seed: int, n: int = ROUND_SIZE) -> Round:
    """``n // 2`` real images drawn from ``real_images`` (N, 28, 28) and ``n - n // 2`` samples of ``generator``
    (its seed-``seed`` batch, samples #0, #1, ...), shuffled. Same seed, same round."""
    if n < 2:
        raise ValueError(f"a round needs at least 2 images (one real, one generated), got {n}")
    rng = torch.Generator(device="cpu").manual_seed(int(seed))
    n_real = n // 2
    slots = torch.randperm(n, generator=rng)  # (n,): the first n_real slots hold the real images
    picked = torch.randperm(len(real_images), generator=rng)[:n_real]  # (n_real,) indices into real_images
    fakes = sample(generator, n - n_real, seed).numpy()  # (n - n_real, 28, 28)
    reals = np.asarray(real_images)[picked.numpy()]
    images, real, source = np.empty((n, *fakes.shape[1:]), np.uint8), np.zeros(n, bool), np.zeros(n, np.int64)
    images[slots[:n_real]], real[slots[:n_real]], source[slots[:n_real]] = reals, True, picked.numpy()
    images[slots[n_real:]], source[slots[n_real:]] = fakes, np.arange(n - n_real)
    return Round(int(seed), images, real, source)


def accuracy(real: np.ndarray, called_real: np.ndarray) -> float:
    """The share of images a judge got right: calling a real one real and a generated one generated."""
    real, called_real = np.asarray(real, bool), np.asarray(called_real, bool)
    if real.shape != called_real.shape:
        raise ValueError(f"{len(called_real)} calls for {len(real)} images")
    return float((real == called_real).mean())


def classifier_judge(confidences: np.ndarray, threshold: float = CONFIDENT) -> np.ndarray:
    """A stand-in discriminator: 'real' where the classifier is at least ``threshold`` sure of some class.

    It is not D(x): the classifier was trained on real images only and never saw a generated one; it only
    notices images that look like no class in particular."""
    return np.asarray(confidences) >= threshold
