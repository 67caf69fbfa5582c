"""The model families, one folder each: ``model.py`` (the classes) and ``family.py`` (one :func:`register` call).

Importing this package registers the built-in families in the order below, which is the order of the model card
(the classifier first: it judges the others). A new family is a new folder and its name added here.
"""
from __future__ import annotations

from importlib import import_module

BUILT_IN = ("classifier", "autoencoder", "vae", "latent", "gan", "cgan", "clip", "text", "toy_gan", "mlp_gan")

for _folder in BUILT_IN:
    import_module(f"{__name__}.{_folder}.family")
