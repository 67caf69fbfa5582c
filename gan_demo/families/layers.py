"""Building blocks shared by the model families: Hub mixin settings, DCGAN init, up/down-sampling trunks."""
from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

# Class keywords for PyTorchModelHubMixin: the first card of every saved folder. A shipped model's full card
# (family and dataset tags, data, command, figures) is written over it by `make evaluate`
# (gan_demo.evaluation.model_card); this one only says what the folder is and how to load it.
HUB_CARD = dict(
    library_name="gan_demo",
    tags=["pytorch"],
    license="mit",
    model_card_template="""---
{{ card_data }}
---

Weights saved by gan_demo: `config.json` holds the model's constructor arguments, `model.safetensors` its weights.
A shipped model (`weights/<family>-<dataset>/`) loads with `gan_demo.load_pretrained(name)` and gets its full model
card from `make evaluate`; a folder exported from the live training tab loads with `gan_demo.hub.load_saved(folder)`.
""",
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


def maybe_spectral(layer: nn.Module, sn: bool) -> nn.Module:
    """DCGAN-initialise ``layer``, then wrap it in spectral normalisation if asked."""
    dcgan_init(layer)
    return spectral_norm(layer) if sn else layer


def disc_features(width: int, channels: int, sn: bool) -> nn.Sequential:
    """The discriminator trunk: (B, 1, 28, 28) -> (B, 4w, 7, 7)."""
    norm = lambda m: maybe_spectral(m, sn)  # noqa: E731
    return nn.Sequential(
        norm(nn.Conv2d(channels, width, 3, padding=1)), nn.LeakyReLU(0.2, inplace=True),
        norm(nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2, inplace=True),  # 14
        norm(nn.Conv2d(2 * width, 4 * width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2, inplace=True),  # 7
        norm(nn.Conv2d(4 * width, 4 * width, 3, padding=1)), nn.LeakyReLU(0.2, inplace=True),
    )
