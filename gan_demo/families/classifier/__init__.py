"""The classifier family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import Classifier

__all__ = ["Classifier"]
