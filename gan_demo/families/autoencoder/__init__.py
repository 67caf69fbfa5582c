"""The autoencoder family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import Autoencoder

__all__ = ["Autoencoder"]
