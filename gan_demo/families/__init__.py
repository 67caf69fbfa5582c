"""The model families, one folder each: ``model.py`` (the classes) and ``family.py`` (one :func:`register` call).

Importing this package registers the built-in families, in the order the model card lists them. A new family is
a new folder and one line here.
"""
from __future__ import annotations

from .classifier import family as classifier  # noqa: F401 - first: it judges the others
from .autoencoder import family as autoencoder  # noqa: F401
from .gan import family as gan  # noqa: F401
from .cgan import family as cgan  # noqa: F401
from .toy_gan import family as toy_gan  # noqa: F401
