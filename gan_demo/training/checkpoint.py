"""Resumable training checkpoints as safetensors (no pickle): nested state dicts are flattened.

Tensors go into the file under dotted keys; everything else (step counters, optimiser hyper-parameters)
goes into the safetensors metadata as JSON.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..files import atomic_path


def flatten(state, prefix: str = "") -> tuple[dict[str, torch.Tensor], dict]:
    """Split a nested dict/list of tensors and plain values into (tensors by path, JSON skeleton)."""
    if isinstance(state, torch.Tensor):
        return {prefix: state.detach().cpu().contiguous()}, {"__tensor__": prefix}
    if isinstance(state, dict):
        tensors, skeleton = {}, {"__dict__": []}
        for key, value in state.items():
            t, s = flatten(value, f"{prefix}.{key}" if prefix else str(key))
            tensors.update(t)
            skeleton["__dict__"].append([key, s])
        return tensors, skeleton
    if isinstance(state, (list, tuple)):
        tensors, items = {}, []
        for i, value in enumerate(state):
            t, s = flatten(value, f"{prefix}.{i}")
            tensors.update(t)
            items.append(s)
        return tensors, {"__list__": items}
    return {}, {"__value__": state}


def unflatten(skeleton, tensors: dict[str, torch.Tensor]):
    if "__tensor__" in skeleton:
        return tensors[skeleton["__tensor__"]]
    if "__dict__" in skeleton:
        return {key: unflatten(s, tensors) for key, s in skeleton["__dict__"]}
    if "__list__" in skeleton:
        return [unflatten(s, tensors) for s in skeleton["__list__"]]
    return skeleton["__value__"]


def save_checkpoint(state: dict, path: Path | str) -> None:
    """Write ``state`` (nested dicts and lists of tensors and plain values) as one safetensors file."""
    tensors, skeleton = flatten(state)
    with atomic_path(path) as tmp:  # a run killed mid-save keeps its previous checkpoint
        save_file(tensors, tmp, metadata={"skeleton": json.dumps(skeleton)})


def load_checkpoint(path: Path | str) -> dict:
    with safe_open(str(path), framework="pt") as f:
        skeleton = json.loads(f.metadata()["skeleton"])
        tensors = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 - safe_open is not a dict
    return unflatten(skeleton, tensors)
