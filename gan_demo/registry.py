"""The registry of model families: each family registers itself once, and everything else looks it up here.

A family (``gan``, ``cgan``, ``autoencoder``, ...) is one folder under ``gan_demo/families/`` whose
``family.py`` calls :func:`register` with a :class:`Family`: its model classes (its *parts*), which part its
shipped weights hold, its training recipe, how to sample it, how ``make evaluate`` measures it, and the tiny
inputs the tests feed it. ``load_pretrained``, the train, sample and evaluate CLIs and the model tests work from
this registry alone, so a new family touches its own folder and one import line in ``families/__init__.py``.

One naming scheme:
- a shipped model, its weights folder and its Hub subfolder: ``<family>-<dataset>`` (``cgan-fashion``);
- a model class: ``<family>.<part>`` (``cgan.discriminator``); the bare family name is its shipped part.
Family names may contain hyphens (``toy-gan``): names are split at the dataset suffix, never at a hyphen.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from .data import DATASETS


@dataclass(frozen=True)
class Part:
    """One model class of a family, with what the tests need to exercise it on tiny inputs."""

    cls: type[nn.Module]
    tiny: dict[str, Any]  # constructor arguments small enough for a unit test
    inputs: Callable[[nn.Module, int, torch.Generator], tuple]  # (model, batch, rng) -> forward arguments (CPU)
    # of one example: the output is (batch, *output_shape); a function of the model where its config sets it
    output_shape: tuple[int, ...] | Callable[[nn.Module], tuple[int, ...]]
    output_range: tuple[float, float] | None = None  # e.g. (-1, 1) for tanh images

    def shape_for(self, model: nn.Module) -> tuple[int, ...]:
        """The output shape of one example of ``model``."""
        return self.output_shape(model) if callable(self.output_shape) else self.output_shape


class Trainer(Protocol):
    """What the train CLI drives: a resumable run that yields one record (a dict of floats) per step."""

    step: int

    def run(self, steps: int) -> Iterator[dict]: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...
    def export(self) -> nn.Module: ...  # the model to save as weights/<family>-<dataset>
    def preview(self) -> torch.Tensor | None: ...  # images in [-1, 1] (P, 1, 28, 28) for a grid, or None


@dataclass
class TrainData:
    """The training split handed to a recipe: images (N, 1, 28, 28) in [-1, 1], labels (N,), class count."""

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int


def given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The flags among ``names`` that were given on the command line (not None): constructor overrides."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


class Recipe(Protocol):
    """How ``python -m gan_demo.train <family>`` trains a family."""

    defaults: dict[str, Any]  # flag defaults of this family (steps, batch_size, lr, ...)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...
    def check(self, args: argparse.Namespace) -> None: ...  # ValueError for bad options, before data loads
    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int,
              rank: int = 0) -> Trainer: ...
    def finish(self, args: argparse.Namespace, model: nn.Module, data: TrainData,
               device: torch.device) -> None: ...  # after training


# sample(model, n, seed, labels, **options) -> uint8 (n, 28, 28); labels (n,) for conditional families, else None;
# options (prompt, steps, guidance) only for families registered with prompted=True
Sampler = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class CardRow:
    """One row of the model card (docs/models.md): a label and how to format this family's measured value."""

    label: str
    format: Callable[[dict], str]


def precision_recall_row(what: str, prefix: str) -> CardRow:
    """The card row of ``what``'s precision and recall (keys ``{prefix}_precision`` and ``{prefix}_recall``), with
    real training images' beside them: the most a model can reach against the test split."""
    return CardRow(f"{what}: precision / recall (1,000 images, k = 3; real training images beside)",
                   lambda r: f"{r[f'{prefix}_precision']:.2f} / {r[f'{prefix}_recall']:.2f} "
                             f"(real: {r['real_precision']:.2f} / {r['real_recall']:.2f})")


@dataclass(frozen=True)
class Evaluation:
    """How ``make evaluate`` measures a family (see :mod:`gan_demo.evaluation.context` for ``ctx``)."""

    measure: Callable[[Any, nn.Module], dict]  # (ctx, loaded model) -> measured values, keys prefixed by family
    rows: tuple[CardRow, ...] = ()  # rows of the model card's main table
    class_rows: tuple[CardRow, ...] = ()  # rows of the per-class table (format -> one string per class)
    checks: Callable[[dict], dict[str, bool]] | None = None  # the project's quality bars, on the whole result
    goals: Callable[[dict], dict[str, bool]] | None = None  # bars asked for but not reached yet: shown, not enforced


@dataclass(frozen=True)
class Family:
    name: str
    summary: str  # one line for the docs, errors and --help
    parts: dict[str, Part]
    pretrained: str | None = None  # the part whose weights ship in weights/<name>-<dataset>
    datasets: tuple[str, ...] = field(default_factory=lambda: tuple(DATASETS))  # () when nothing ships
    recipe: Recipe | None = None
    sample: Sampler | None = None
    conditional: bool = False  # sampling needs a class label per image
    prompted: bool = False  # sampling also takes a text prompt (then labels are optional) and steps / guidance
    evaluation: Evaluation | None = None

    def __post_init__(self):
        if self.pretrained is not None and self.pretrained not in self.parts:
            raise ValueError(f"family {self.name!r}: pretrained part {self.pretrained!r} is not one of {list(self.parts)}")
        unknown = set(self.datasets) - set(DATASETS)
        if unknown:
            raise ValueError(f"family {self.name!r}: unknown datasets {sorted(unknown)}; choose from {sorted(DATASETS)}")

    @property
    def model_class(self) -> type[nn.Module]:
        """The class of this family's shipped weights."""
        if self.pretrained is None:
            raise ValueError(f"the {self.name} family ships no weights")
        return self.parts[self.pretrained].cls

    def weights_names(self) -> tuple[str, ...]:
        return tuple(f"{self.name}-{d}" for d in self.datasets) if self.pretrained else ()


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` to the registry (:func:`unregister` takes it out again)."""
    if family.name in FAMILIES:
        raise ValueError(f"a family named {family.name!r} is already registered")
    if any(family.name.endswith(f"-{d}") for d in DATASETS):
        raise ValueError(f"family name {family.name!r} must not end in a dataset name: weights names would be ambiguous")
    FAMILIES[family.name] = family
    return family


def unregister(name: str) -> None:
    FAMILIES.pop(name, None)


def _loaded() -> dict[str, Family]:
    from . import families  # noqa: F401, PLC0415 - importing the package registers the built-in families

    return FAMILIES


def get_family(name: str) -> Family:
    families = _loaded()
    if name not in families:
        raise ValueError(f"unknown model family {name!r}; choose one of {sorted(families)}")
    return families[name]


def families_with(attribute: str) -> list[Family]:
    """Registered families that have ``attribute`` (recipe, sample, evaluation, pretrained), in registration order."""
    return [f for f in _loaded().values() if getattr(f, attribute) is not None]


def pretrained_names() -> tuple[str, ...]:
    """Every shipped model name, e.g. ('classifier-fashion', 'classifier-mnist', ...)."""
    return tuple(name for f in _loaded().values() for name in f.weights_names())


def parse_name(name: str) -> tuple[Family, str]:
    """'cgan-fashion' -> (the cgan family, 'fashion'), with an error listing the valid names."""
    for dataset in DATASETS:
        family_name = name.removesuffix(f"-{dataset}")
        family = _loaded().get(family_name) if family_name != name else None
        if family is not None and family.pretrained is not None and dataset in family.datasets:
            return family, dataset
    raise ValueError(f"unknown pretrained model {name!r}; choose one of {list(pretrained_names())}")


def model_names() -> list[str]:
    """Every buildable model class: 'gan' (its shipped part) and 'gan.generator', 'gan.discriminator', ..."""
    names = []
    for family in _loaded().values():
        names += [family.name] if family.pretrained else []
        names += [f"{family.name}.{part}" for part in family.parts]
    return names


def get_part(name: str) -> Part:
    """The :class:`Part` named 'family.part' (or a bare family name, meaning its shipped part)."""
    family_name, _, part = name.partition(".")
    try:
        family = get_family(family_name)
        part = part or family.pretrained
        if part not in family.parts:
            raise ValueError
    except ValueError:
        raise ValueError(f"unknown model {name!r}; choose one of {model_names()}") from None
    return family.parts[part]


def create_model(name: str, **overrides) -> nn.Module:
    """Build a registered model class on the CPU; ``overrides`` are its constructor arguments.

    ``create_model('cgan.discriminator', width=16)``; ``create_model('gan')`` is the gan family's generator.
    """
    return get_part(name).cls(**overrides)
