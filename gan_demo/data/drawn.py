"""2-D data drawn by a learner: a few strokes or clicks on a canvas become a Gaussian mixture with an exact
density, like the built-in toys, so the live GAN and diffusion runs, their JSD and their maps work on it.

The ink's pixels are mapped onto [-EXTENT, EXTENT]^2 (y up), and at most MAX_CENTRES of them (spread evenly
over the ink) become the mixture's centres, each of width STD: the density follows the drawing, more ink more
mass. Each connected piece of ink (a stroke, a dot) is one mode for the mode count.

A drawing is registered under a name made from its content (``drawn-<hash>``), which the runs' ``dataset``
setting accepts like ``ring``; the registry is per process and keeps the latest MAX_REGISTERED drawings.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import torch
from scipy import ndimage

from .toy import ToyDistribution

EXTENT = 2.5  # the canvas covers [-2.5, 2.5]^2, inside the maps' [-3, 3]^2
STD = 0.08  # each centre's width, as the grid's and the spiral's modes
MAX_CENTRES = 400
MIN_INK = 3  # pixels: less is taken for an empty canvas
MAX_MODES = 50  # connected pieces of ink counted as modes; more means noise, not a drawing
MAX_REGISTERED = 64
PREFIX = "drawn-"
_REGISTRY: OrderedDict[str, ToyDistribution] = OrderedDict()


class DrawingError(ValueError):
    """A canvas that cannot be data: empty, or scattered into too many pieces."""


def ink_mask(picture: np.ndarray) -> np.ndarray:
    """(H, W) True where something was drawn: dark on light (a greyscale or RGB canvas), or opaque (RGBA)."""
    picture = np.asarray(picture)
    if picture.ndim == 3 and picture.shape[2] == 4:
        return picture[..., 3] > 127
    grey = picture.mean(axis=2) if picture.ndim == 3 else picture
    return grey < 128


def from_mask(mask: np.ndarray, name: str = "drawn") -> ToyDistribution:
    """The mixture of a drawing's ink mask (H, W), row 0 at the top."""
    rows, cols = np.nonzero(mask)
    if len(rows) < MIN_INK:
        raise DrawingError("the canvas is empty: draw a few strokes or click a few dots first")
    # pieces of ink a couple of pixels apart are one stroke (a quick stroke leaves gaps)
    labels, pieces = ndimage.label(ndimage.binary_dilation(mask, iterations=2))
    if pieces > MAX_MODES:
        raise DrawingError(f"the drawing has {pieces} separate pieces; at most {MAX_MODES} are allowed: "
                           "draw a few strokes or dots")
    keep = np.linspace(0, len(rows) - 1, min(len(rows), MAX_CENTRES)).round().astype(int)  # evenly over the ink
    rows, cols = rows[keep], cols[keep]
    h, w = mask.shape
    side = max(h, w) - 1 or 1  # one scale for both axes, so a circle stays round
    x = (cols - (w - 1) / 2) / side * 2 * EXTENT
    y = ((h - 1) / 2 - rows) / side * 2 * EXTENT
    _, groups = np.unique(labels[rows, cols], return_inverse=True)  # 0..modes-1 in order of appearance
    return ToyDistribution(name, torch.tensor(np.stack([x, y], 1), dtype=torch.float32), STD,
                           torch.from_numpy(groups.reshape(-1)).long())


def register(picture: np.ndarray) -> str:
    """Register the drawing on ``picture`` (a canvas image) and return its dataset name."""
    mask = ink_mask(picture)
    name = PREFIX + hashlib.sha256(np.packbits(mask).tobytes() + str(mask.shape).encode()).hexdigest()[:10]
    if name not in _REGISTRY:
        _REGISTRY[name] = from_mask(mask, name)
    _REGISTRY.move_to_end(name)
    while len(_REGISTRY) > MAX_REGISTERED:
        _REGISTRY.popitem(last=False)
    return name


def registered(name: str) -> ToyDistribution | None:
    """The drawn distribution registered as ``name``, or None."""
    return _REGISTRY.get(name)
