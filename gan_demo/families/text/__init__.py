"""The text and text-flow families (text-to-image): the pipeline in ``model.py``, its parts in ``decoder.py`` and
``prior.py``; the two ways its decoder learns and samples, DDPM in ``diffusion.py`` and flow matching in ``flow.py``;
sampling in ``generate.py``, training in ``training.py``, ``make evaluate``'s measures in ``evaluation.py`` and
``sweep.py`` (speed against quality), both families' registration in ``family.py``."""
from __future__ import annotations

from .decoder import Decoder
from .model import TextToImage
from .prior import Prior

__all__ = ["Decoder", "Prior", "TextToImage"]
