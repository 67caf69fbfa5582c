"""The mlp-gan family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import MLPImageDiscriminator, MLPImageGenerator

__all__ = ["MLPImageGenerator", "MLPImageDiscriminator"]
