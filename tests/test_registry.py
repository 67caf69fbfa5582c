"""The registry: names, errors, and a family of the test's own that trains, saves, loads, samples and is evaluated
through the very code paths the shipped families use (no branch on a family's name anywhere outside its folder)."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from gan_demo import data, load_pretrained
from gan_demo.evaluate import main as evaluate_main
from gan_demo.families import inputs
from gan_demo.families.gan.family import GANRecipe, sample
from gan_demo.registry import (
    CardRow,
    Evaluation,
    Family,
    Part,
    TrainData,
    create_model,
    get_family,
    parse_name,
    pretrained_names,
    register,
    unregister,
)
from gan_demo.sample import main as sample_main
from gan_demo.train import main as train_main
from helpers import write_fake_dataset

SHIPPED = Path(__file__).resolve().parent.parent / "weights"


class TinyGenerator(nn.Module, PyTorchModelHubMixin):
    """z (B, latent_dim) -> image (B, 1, 28, 28) in [-1, 1] through one linear layer."""

    def __init__(self, latent_dim: int = 4):
        super().__init__()
        self.latent_dim = latent_dim
        self.fc = nn.Linear(latent_dim, 28 * 28)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(z)).view(-1, 1, 28, 28)


class TinyDiscriminator(nn.Module, PyTorchModelHubMixin):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1)).squeeze(1)


class TinyRecipe(GANRecipe):
    defaults = dict(steps=2, batch_size=8, lr=1e-3)

    def models(self, args: argparse.Namespace, data: TrainData) -> tuple[nn.Module, nn.Module]:
        return TinyGenerator(args.latent_dim or 4), TinyDiscriminator()


def measure(ctx, model: nn.Module) -> dict:
    fake = ctx.generated(sample(model, ctx.n, 0, None))
    return {"tiny_gan_mean": fake.mean().item()}


TINY = Family(
    name="tiny-gan",  # a hyphen in the family name: weights names must split at the dataset, not the first hyphen
    summary="a one-layer GAN registered by the tests",
    parts={"generator": Part(TinyGenerator, dict(latent_dim=3), inputs.noise, (1, 28, 28), (-1, 1)),
           "discriminator": Part(TinyDiscriminator, {}, inputs.images, ())},
    pretrained="generator",
    datasets=("mnist",),
    recipe=TinyRecipe(),
    sample=sample,
    evaluation=Evaluation(measure, rows=(CardRow("tiny GAN mean pixel", lambda r: f"{r.get('tiny_gan_mean', 0):.3f}"),)),
)


@pytest.fixture
def tiny_family(tmp_path, monkeypatch):
    """The tiny family registered, a fake MNIST on disk, and an empty weights folder."""
    register(TINY)
    monkeypatch.setenv("GAN_DEMO_MNIST_DIR", str(write_fake_dataset(tmp_path / "mnist", n_train=64, n_test=200)))
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path / "weights"))
    data.load_split.cache_clear()
    yield tmp_path
    unregister(TINY.name)
    data.load_split.cache_clear()


def test_a_new_family_trains_saves_loads_samples_and_is_evaluated(tiny_family, tmp_path, capsys):
    # 1. the registry knows it by both naming schemes
    assert "tiny-gan-mnist" in pretrained_names()
    assert parse_name("tiny-gan-mnist") == (TINY, "mnist")
    part = TINY.parts["generator"]
    model = create_model("tiny-gan.generator", **part.tiny)
    assert model(*part.inputs(model, 2, torch.Generator().manual_seed(0))).shape == (2, *part.shape_for(model))

    # 2. the train CLI builds, trains and saves it from its recipe
    weights = tmp_path / "weights" / "tiny-gan-mnist"
    train_main(["tiny-gan", "--dataset", "mnist", "--steps", "3", "--checkpoint-dir", str(tmp_path / "ck")])
    assert (weights / "config.json").is_file() and (weights / "model.safetensors").is_file()

    # 3. load_pretrained finds the class through the family and loads strictly
    G = load_pretrained("tiny-gan-mnist")
    assert isinstance(G, TinyGenerator) and not G.training

    # 4. the sample CLI samples it through the family's sampler
    out = tmp_path / "samples.npz"
    assert sample_main(["tiny-gan-mnist", "--n", "5", "--seed", "1", "--out", str(out)]) == 0
    saved = np.load(out)
    assert saved["images"].shape == (5, 28, 28) and saved["images"].dtype == np.uint8
    assert (saved["labels"] == -1).all()
    assert sample_main(["tiny-gan-mnist", "--n", "2", "--label", "3", "--out", str(out)]) == 2  # unconditional

    # 5. make evaluate measures it beside a shipped family (--families: the others' figures are kept, so this costs
    #    no diffusion sampling; every shipped family's measures are recomputed in test_readme.py), and the model
    #    card shows its row
    for name in pretrained_names():  # the shipped models, beside it
        if name.endswith("-mnist") and name != "tiny-gan-mnist":
            (tmp_path / "weights" / name).symlink_to(SHIPPED / name)
    results = tmp_path / "evaluation.json"
    shutil.copy(SHIPPED / "evaluation.json", results)
    evaluate_main(["--datasets", "mnist", "--n", "100", "--families", "tiny-gan", "gan", "--json", str(results)])
    mnist = next(r for r in json.loads(results.read_text()) if r["dataset"] == "mnist")
    assert -1 <= mnist["tiny_gan_mean"] <= 1 and mnist["n_test"] == 100 and "text_agreement" in mnist
    assert "| tiny GAN mean pixel |" in capsys.readouterr().out


def test_registering_twice_or_an_ambiguous_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register(get_family("gan"))
    with pytest.raises(ValueError, match="must not end in a dataset name"):
        register(Family(name="gan-mnist", summary="", parts={}, datasets=()))


def test_a_family_must_ship_one_of_its_parts():
    with pytest.raises(ValueError, match="pretrained part 'encoder' is not one of"):
        Family(name="x", summary="", parts={}, pretrained="encoder")


@pytest.mark.parametrize("name", ["gan-cifar", "gan", "toy-gan-mnist", "gan-fashion-mnist", "fashion"])
def test_unknown_pretrained_names_list_the_valid_ones(name):
    with pytest.raises(ValueError, match=r"unknown pretrained model .*'cgan-fashion'"):
        parse_name(name)


def test_hyphenated_family_names_split_at_the_dataset():
    assert parse_name("cgan-mnist")[0].name == "cgan"
    assert get_family("toy-gan").datasets == ()  # registered, but ships nothing
