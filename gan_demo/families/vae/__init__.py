"""The vae family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import VAE

__all__ = ["VAE"]
