"""The gan family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import Discriminator, Generator

__all__ = ["Generator", "Discriminator"]
