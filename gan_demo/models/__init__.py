"""Model families and a small registry: ``create_model(name, **overrides)``."""
from __future__ import annotations

from torch import nn

from .autoencoder import Autoencoder
from .cgan import ConditionalGenerator, ProjectionDiscriminator
from .classifier import Classifier
from .dcgan import Discriminator, Generator
from .mlp import MLPDiscriminator, MLPGenerator

MODELS: dict[str, type[nn.Module]] = {
    "autoencoder": Autoencoder,
    "generator": Generator,
    "discriminator": Discriminator,
    "cond_generator": ConditionalGenerator,
    "cond_discriminator": ProjectionDiscriminator,
    "classifier": Classifier,
    "mlp_generator": MLPGenerator,
    "mlp_discriminator": MLPDiscriminator,
}


def create_model(name: str, **overrides) -> nn.Module:
    """Build a registered model on the CPU; ``overrides`` are its constructor arguments."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    return MODELS[name](**overrides)


__all__ = [
    "MODELS", "create_model", "Autoencoder", "Generator", "Discriminator", "ConditionalGenerator",
    "ProjectionDiscriminator", "Classifier", "MLPGenerator", "MLPDiscriminator",
]
