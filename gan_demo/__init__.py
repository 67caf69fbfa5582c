"""gan_demo: autoencoders and GANs on Fashion-MNIST and MNIST, small enough to learn from.

A pure package: no UI code here (see ``app.py``). Build models on the CPU, move them with
``.to(pick_device())``, and pass randomness in as seeds. Model families register themselves in
:mod:`gan_demo.registry`; ``load_pretrained('<family>-<dataset>')`` loads a shipped one.
"""
from __future__ import annotations

from . import families  # noqa: F401 - registers the built-in model families
from .device import pick_device
from .hub import WeightsError, cached_pretrained, load_pretrained, save_pretrained
from .registry import FAMILIES, create_model, get_family, pretrained_names

PRETRAINED_NAMES = pretrained_names()

__all__ = ["FAMILIES", "PRETRAINED_NAMES", "WeightsError", "cached_pretrained", "create_model", "get_family",
           "load_pretrained", "pick_device", "pretrained_names", "save_pretrained"]
