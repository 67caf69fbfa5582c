"""Random codes three ways, the same seed: where they land and what the decoders draw from them.

The lesson that ties the autoencoders to today's image generators. The same standard normal noise (one seed) is
1. decoded by the autoencoder as a code: nothing recognisable (its codes were never shaped);
2. decoded by the VAE as a code: blobs, since the VAE's codes of real images, the aggregate posterior
   q(z) = E_x q(z|x), do not fill N(0, I) (the "prior hole");
3. carried by each latent flow from N(0, I) to where real images' codes lie, then decoded: images.
The codes themselves are put on each autoencoder's 2-D latent map beside the codes of real test images.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from .data import to_uint8
from .explore import MARK_FONT
from .families.latent.flow import flow
from .families.latent.model import LatentFlow
from .sampling import make_noise, model_device

# row labels of the three ways, for each autoencoder kind
PRIOR, FLOW = "N(0, I) code", "latent flow"


@dataclass
class CodesOf:
    """One autoencoder's two kinds of random codes (n, D) from one seed, and what its decoder draws from each."""

    prior: torch.Tensor
    flowed: torch.Tensor
    prior_images: np.ndarray  # uint8 (n, 28, 28)
    flowed_images: np.ndarray


@torch.inference_mode()
def codes_of(latent: LatentFlow, n: int, seed: int, labels: torch.Tensor | None = None, *, steps: int,
             guidance: float) -> CodesOf:
    """The seed's noise decoded as it is, and carried by the flow first (the same noise is the flow's start)."""
    noise = make_noise(n, latent.latent_dim, seed)
    decoder = latent.autoencoder
    prior = noise.to(model_device(latent))
    *_, z = flow(latent, noise, labels, steps=steps, guidance=guidance)
    flowed = latent.unstandardise(z)
    return CodesOf(prior.cpu(), flowed.cpu(), to_uint8(decoder.decode(prior)).cpu().numpy(),
                   to_uint8(decoder.decode(flowed)).cpu().numpy())


def on_map(autoencoder: nn.Module, codes: torch.Tensor) -> np.ndarray:
    """Codes (n, D) -> their positions (n, 2) on the autoencoder's latent map."""
    with torch.inference_mode():
        return autoencoder.to_map(codes.to(model_device(autoencoder))).cpu().numpy()


@dataclass(frozen=True)
class Marker:
    """How a group of points is drawn over a map: a shape (not only a colour) and its legend text."""

    label: str
    shape: str  # "x" or "o"
    colour: str


MARKERS = (Marker(PRIOR, "x", "black"), Marker(FLOW, "o", "white"))


def mark_points(picture, groups: list[tuple[np.ndarray, Marker]]) -> np.ndarray:
    """``picture`` (an :func:`gan_demo.explore.map_picture`) with each group of points (n, 2) drawn in its shape,
    and a legend in the top-left corner; points off the map sit on its edge."""
    canvas = Image.fromarray(picture.image)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = picture.box
    for points, marker in groups:
        fx = (points[:, 0] - picture.xlim[0]) / (picture.xlim[1] - picture.xlim[0])
        fy = (points[:, 1] - picture.ylim[0]) / (picture.ylim[1] - picture.ylim[0])
        xs = left + np.clip(fx, 0, 1) * (right - left)
        ys = bottom - np.clip(fy, 0, 1) * (bottom - top)
        for x, y in zip(xs, ys):
            _marker(draw, x, y, marker)
    font = ImageFont.load_default(size=MARK_FONT)
    for i, (_, marker) in enumerate(groups):
        x, y = left + 12, top + 14 + (MARK_FONT + 6) * i
        _marker(draw, x, y, marker, r=5)
        draw.text((x + 10, y), marker.label, fill="black", anchor="lm", font=font, stroke_width=2, stroke_fill="white")
    return np.asarray(canvas)


def _marker(draw: ImageDraw.ImageDraw, x: float, y: float, marker: Marker, r: float = 4) -> None:
    if marker.shape == "x":
        for dx in (-1, 1):
            draw.line((x - r, y - dx * r, x + r, y + dx * r), fill="white", width=4)
            draw.line((x - r, y - dx * r, x + r, y + dx * r), fill=marker.colour, width=2)
    else:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=marker.colour, outline="black", width=2)
