"""The text family (text-to-image): the pipeline in ``model.py``, its parts in ``decoder.py``, ``prior.py`` and
``diffusion.py``, sampling and training in ``family.py``."""
from __future__ import annotations

from .decoder import Decoder
from .model import TextToImage
from .prior import Prior

__all__ = ["Decoder", "Prior", "TextToImage"]
