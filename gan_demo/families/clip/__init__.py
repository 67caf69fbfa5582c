"""The clip family: the model in ``model.py``, its vocabulary in ``tokenizer.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import CLIP, contrastive_loss
from .tokenizer import Tokenizer, UnknownWordsError

__all__ = ["CLIP", "Tokenizer", "UnknownWordsError", "contrastive_loss"]
