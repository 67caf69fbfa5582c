"""Small builders shared by the package tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from gan_demo.data import write_idx


def write_fake_dataset(folder: Path, n_train: int = 64, n_test: int = 32, seed: int = 0, gz: bool = True) -> Path:
    """Four idx files of random images with balanced labels 0..9, as the real datasets lay them out."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", np.arange(n) % 10)
    return folder
