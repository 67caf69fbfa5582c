"""The toy-gan family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import MLPDiscriminator, MLPGenerator

__all__ = ["MLPGenerator", "MLPDiscriminator"]
