"""Pieces shared by the model families: the Hub mixin settings and DCGAN initialisation."""
from __future__ import annotations

from torch import nn

# Class keywords for PyTorchModelHubMixin: they end up in the model card of every saved folder.
HUB_CARD = dict(
    library_name="gan_demo",
    tags=["gan", "autoencoder", "fashion-mnist", "mnist", "pytorch"],
    license="mit",
)


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv/linear weights ~ N(0, 0.02), norm gains ~ N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def upsample_block(c_in: int, c_out: int) -> nn.Sequential:
    """Nearest upsample x2 then 3x3 conv: avoids the checkerboard artefacts of transposed convs."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
    )
