"""gan_demo: autoencoders and GANs on Fashion-MNIST and MNIST, small enough to learn from.

A pure package: no UI code here (see ``app.py``). Build models on the CPU, move them with
``.to(pick_device())``, and pass randomness in as seeds.
"""
from __future__ import annotations

from .device import pick_device
from .hub import PRETRAINED_NAMES, WeightsError, load_pretrained, save_pretrained
from .models import create_model

__all__ = ["PRETRAINED_NAMES", "WeightsError", "create_model", "load_pretrained", "pick_device", "save_pretrained"]
