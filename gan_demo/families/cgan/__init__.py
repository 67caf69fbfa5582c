"""The cgan family: models in ``model.py``, its registration in ``family.py``."""
from __future__ import annotations

from .model import ConditionalGenerator, ProjectionDiscriminator

__all__ = ["ConditionalGenerator", "ProjectionDiscriminator"]
