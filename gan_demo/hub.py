"""The one place weights are loaded and saved: ``weights/<name>/`` first, then the Hugging Face Hub.

Every folder holds ``config.json`` (the constructor arguments) and ``model.safetensors``, the same
layout as a Hub model repo. Loading is always strict: a missing, unexpected or mis-shaped tensor
fails with an error naming the file. No pickle anywhere: only safetensors is read.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from functools import cache
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model
from torch import nn

from .registry import get_part, parse_name

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
HUB_REPO_ENV, HUB_REVISION_ENV = "GAN_DEMO_HUB_REPO", "GAN_DEMO_HUB_REVISION"
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"
MODEL_FILE = "gan_demo.json"  # in a folder saved outside weights/ (a live run's export): which registered class it is


class WeightsError(RuntimeError):
    """Weights that cannot be used: missing, corrupted, or not matching the model's architecture."""


def weights_dir() -> Path:
    return Path(os.getenv("GAN_DEMO_WEIGHTS_DIR", WEIGHTS_DIR))


def load_folder(cls: type[nn.Module], folder: Path | str) -> nn.Module:
    """Build ``cls`` from ``folder/config.json`` and load ``folder/model.safetensors`` strictly, on the CPU."""
    folder = Path(folder)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for path in (config_path, weights_path):
        if not path.is_file():
            raise WeightsError(f"missing weights file {path}")
    try:
        config = json.loads(config_path.read_text())
        model = cls(**config)
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise WeightsError(f"{config_path} does not describe a {cls.__name__}: {err}") from err
    try:
        missing, unexpected = load_model(model, weights_path, strict=True, device="cpu")
    except SafetensorError as err:
        raise WeightsError(f"{weights_path} is corrupted or not a safetensors file: {err}") from err
    except RuntimeError as err:  # missing/unexpected keys or shape mismatch
        raise WeightsError(f"{weights_path} does not match {cls.__name__}{config}: {err}") from err
    return model.eval()


def hub_folder(name: str, files: tuple[str, ...] = (CONFIG_FILE, WEIGHTS_FILE)) -> Path:
    """Download (or find in the local cache) ``files`` of ``<name>/`` in the Hub repo named by the environment."""
    repo, revision = os.getenv(HUB_REPO_ENV), os.getenv(HUB_REVISION_ENV)
    if not repo:
        raise WeightsError(f"no weights for {name!r}: {weights_dir() / name} does not exist and "
                           f"${HUB_REPO_ENV} names no Hub repo to fetch them from")
    if not revision or not re.fullmatch(r"[0-9a-f]{40}", revision):
        raise WeightsError(f"${HUB_REVISION_ENV} must pin a full 40-character commit SHA of {repo}, got {revision!r}")
    from huggingface_hub import hf_hub_download  # noqa: PLC0415 - only needed for the Hub fallback

    paths = [hf_hub_download(repo, f"{name}/{file}", revision=revision) for file in files]
    return Path(paths[0]).parent


def load_pretrained(name: str, device: torch.device | str = "cpu") -> nn.Module:
    """Load a shipped model by name, e.g. ``load_pretrained('cgan-fashion')``, in eval mode on ``device``.

    The name is ``<family>-<dataset>`` (see :mod:`gan_demo.registry`); the family says which class to build."""
    family, _ = parse_name(name)
    folder, source = pretrained_folder(name)
    model = load_folder(family.model_class, folder)
    log.info("loaded %s from %s", name, source)
    return model.to(device)


def pretrained_folder(name: str, files: tuple[str, ...] = (CONFIG_FILE, WEIGHTS_FILE)) -> tuple[Path, str]:
    """The folder holding shipped model ``name`` (``files`` fetched from the Hub if not local), and its source."""
    local = weights_dir() / name
    if local.is_dir():
        return local, f"local folder {local}"
    return hub_folder(name, files), f"Hub repo {os.environ[HUB_REPO_ENV]}@{os.environ[HUB_REVISION_ENV][:8]}"


def pretrained_config(name: str) -> dict:
    """The constructor arguments of shipped model ``name`` (its ``config.json``), without loading its weights."""
    parse_name(name)  # an unknown name gets the error that lists the valid ones
    path = pretrained_folder(name, (CONFIG_FILE,))[0] / CONFIG_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise WeightsError(f"cannot read {path}: {err}") from err


_cache_lock = threading.Lock()


@cache
def _cached(name: str, device: str) -> nn.Module:
    return load_pretrained(name, device)


def cached_pretrained(name: str, device: torch.device | str = "cpu") -> nn.Module:
    """:func:`load_pretrained`, once per process, name and device: one read-only copy shared by every caller.

    A failed load is not cached, so a repaired weights file is picked up by the next call."""
    with _cache_lock:  # two first requests at once must not load the same weights twice
        return _cached(name, str(torch.device(device)))


def save_pretrained(model: nn.Module, folder: Path | str, push_to_hub: str | None = None,
                    model_name: str | None = None) -> Path:
    """Write ``config.json`` + ``model.safetensors`` (+ a model card), optionally pushing to a Hub repo.

    ``model_name`` (a registered class, e.g. 'gan.generator') is also written to ``gan_demo.json``, so that
    :func:`load_saved` can rebuild a folder that is not a shipped model's."""
    folder = Path(folder)
    model.save_pretrained(folder)
    if model_name is not None:
        (folder / MODEL_FILE).write_text(json.dumps({"model": model_name}) + "\n")
    if push_to_hub:
        model.push_to_hub(push_to_hub, commit_message=f"Upload {folder.name}")
    return folder


def load_saved(folder: Path | str) -> tuple[str, nn.Module]:
    """A folder written by :func:`save_pretrained` with a ``model_name``: (that name, the model, loaded strictly)."""
    folder = Path(folder)
    try:
        name = json.loads((folder / MODEL_FILE).read_text())["model"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise WeightsError(f"{folder.name}/ is not a saved gan_demo model: its {MODEL_FILE} is missing or unreadable "
                           f"({err})") from err
    return name, load_folder(get_part(name).cls, folder)
