"""Write the example gallery: two real test images per class as 28x28 PNGs in ``examples/<dataset>/``.

Run from the repository root: ``python scripts/make_examples.py``. The images are the first two test
images of each class, so the gallery is the same on every machine that has the same dataset.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from PIL import Image

from gan_demo.data import DATASETS, load_split

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def slug(name: str) -> str:
    """'T-shirt/top' -> 't-shirt-top': safe in file names."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def write_examples(dataset: str, per_class: int, out: Path) -> list[Path]:
    images, labels = load_split(dataset, "test")
    folder = out / dataset
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, name in enumerate(DATASETS[dataset].classes):
        for i, index in enumerate(np.flatnonzero(labels.numpy() == k)[:per_class]):
            path = folder / f"{k}_{slug(name)}_{i + 1}.png"
            Image.fromarray(images[index].numpy()).save(path, optimize=True)
            paths.append(path)
    return paths


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--per-class", type=int, default=2)
    p.add_argument("--out", type=Path, default=EXAMPLES)
    args = p.parse_args(argv)
    for dataset in DATASETS:
        paths = write_examples(dataset, args.per_class, args.out)
        print(f"{dataset}: {len(paths)} images in {args.out / dataset}")


if __name__ == "__main__":
    main()
