"""Weights: the shipped models load strictly; bad files fail with errors naming the file; the Hub cache works offline."""
from __future__ import annotations

import json
import shutil

import pytest
import torch
from huggingface_hub import constants
from safetensors.torch import load_file, save_file

from gan_demo import PRETRAINED_NAMES, WeightsError, load_pretrained
from gan_demo.families.classifier import Classifier
from gan_demo.families.gan import Generator
from gan_demo.hub import WEIGHTS_DIR, load_folder, pretrained_config
from gan_demo.registry import parse_name


@pytest.mark.parametrize("name", PRETRAINED_NAMES)
def test_shipped_weights_load_and_run(name, device):
    """Every shipped model loads in eval mode and runs on its family's example inputs; generators also sample."""
    family, _ = parse_name(name)
    part = family.parts[family.pretrained]
    model = load_pretrained(name, device)
    assert not model.training
    assert (WEIGHTS_DIR / name / "config.json").is_file()
    with torch.no_grad():
        out = model(*(x.to(device) for x in part.inputs(model, 8, torch.Generator().manual_seed(0))))
    assert out.shape == (8, *part.shape_for(model)) and torch.isfinite(out).all()
    if part.output_range is not None:
        assert part.output_range[0] <= out.min() and out.max() <= part.output_range[1]
    if family.sample is not None:
        images = family.sample(model, 8, 0, torch.arange(8) if family.conditional else None)
        assert images.shape == (8, 28, 28) and images.dtype == torch.uint8


def test_all_shipped_weights_are_small():
    total = sum(f.stat().st_size for f in WEIGHTS_DIR.rglob("*.safetensors"))
    assert total < 90 * 2**20  # nineteen models: 86 MiB; the four latent flows 7 to 9 MB each, each text pipeline 7.5 MB


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="choose one of .*gan-fashion"):
        load_pretrained("gan-cifar")


@pytest.fixture
def copied(tmp_path):
    """A writable copy of one shipped model folder."""
    return shutil.copytree(WEIGHTS_DIR / "gan-mnist", tmp_path / "gan-mnist")


def test_mismatched_architecture_is_refused(copied):
    config = json.loads((copied / "config.json").read_text())
    (copied / "config.json").write_text(json.dumps({**config, "width": config["width"] * 2}))
    with pytest.raises(WeightsError, match=r"model\.safetensors does not match Generator"):
        load_folder(Generator, copied)


def test_wrong_kind_is_refused(copied):
    """A generator's weights offered as a classifier: unknown constructor argument, named with the file."""
    with pytest.raises(WeightsError, match=r"config\.json does not describe a Classifier"):
        load_folder(Classifier, copied)


def test_corrupted_file_is_refused(copied):
    data = (copied / "model.safetensors").read_bytes()
    (copied / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match=r"model\.safetensors is corrupted"):
        load_folder(Generator, copied)


def test_missing_keys_are_refused(copied):
    tensors = load_file(copied / "model.safetensors")
    tensors.pop("fc.0.weight")  # (BatchNorm's num_batches_tracked would not do: torch tolerates its absence)
    save_file(tensors, copied / "model.safetensors")
    with pytest.raises(WeightsError, match="Missing key"):
        load_folder(Generator, copied)


def test_missing_file_is_named(copied):
    (copied / "model.safetensors").unlink()
    with pytest.raises(WeightsError, match=r"missing weights file .*model\.safetensors"):
        load_folder(Generator, copied)


def test_without_local_weights_or_hub_repo_the_error_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.delenv("GAN_DEMO_HUB_REPO", raising=False)
    with pytest.raises(WeightsError, match="GAN_DEMO_HUB_REPO"):
        load_pretrained("gan-mnist")


def test_hub_revision_must_be_pinned(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("GAN_DEMO_HUB_REPO", "someone/gan-demo")
    monkeypatch.setenv("GAN_DEMO_HUB_REVISION", "main")
    with pytest.raises(WeightsError, match="full 40-character commit SHA"):
        load_pretrained("gan-mnist")


def test_loads_from_populated_hub_cache_offline(tmp_path, monkeypatch):
    """With HF_HUB_OFFLINE=1 (set by conftest) a cached snapshot is used and nothing is fetched."""
    assert constants.HF_HUB_OFFLINE
    repo, sha = "someone/gan-demo", "0123456789abcdef0123456789abcdef01234567"
    snapshot = tmp_path / "hub" / "models--someone--gan-demo" / "snapshots" / sha
    shutil.copytree(WEIGHTS_DIR / "gan-mnist", snapshot / "gan-mnist")
    (tmp_path / "hub" / "models--someone--gan-demo" / "refs").mkdir()
    (tmp_path / "hub" / "models--someone--gan-demo" / "refs" / "main").write_text(sha)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))  # read at import, so patch the constant
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path / "no-local-weights"))
    monkeypatch.setenv("GAN_DEMO_HUB_REPO", repo)
    monkeypatch.setenv("GAN_DEMO_HUB_REVISION", sha)
    from_hub = load_pretrained("gan-mnist")
    local = load_folder(Generator, WEIGHTS_DIR / "gan-mnist")
    for a, b in zip(from_hub.state_dict().values(), local.state_dict().values()):
        assert torch.equal(a, b)


def test_config_is_read_without_the_weights(tmp_path, monkeypatch):
    assert pretrained_config("vae-mnist") == json.loads((WEIGHTS_DIR / "vae-mnist" / "config.json").read_text())
    with pytest.raises(ValueError, match="choose one of"):
        pretrained_config("vae-cifar")
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path))
    (tmp_path / "vae-mnist").mkdir()
    (tmp_path / "vae-mnist" / "config.json").write_text("{not json")
    with pytest.raises(WeightsError, match=r"cannot read .*config\.json"):
        pretrained_config("vae-mnist")
