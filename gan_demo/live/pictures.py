"""The 2-D discriminator maps as pictures: D(x) or D*(x) on the grid, blue (fake) to red (real), with points."""
from __future__ import annotations

import numpy as np

from ..images import upscale

# A blue-white-red ramp: D(x) = 0 ("fake") is blue, 1/2 is white, 1 ("real") is red.
_RAMP = np.array([[59, 76, 192], [245, 245, 245], [180, 4, 38]], dtype=np.float64)
REAL_COLOR, FAKE_COLOR = (20, 20, 20), (0, 170, 60)


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (H, W) -> RGB uint8 (H, W, 3) on the blue-white-red ramp; NaN shows as white."""
    v = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)[..., None] * 2  # 0..2 along the ramp
    lower = np.minimum(v.astype(int), 1)
    t = v - lower
    rgb = _RAMP[lower[..., 0]] * (1 - t) + _RAMP[lower[..., 0] + 1] * t
    return rgb.round().astype(np.uint8)


def draw_points(image: np.ndarray, points: np.ndarray, lim: float, color, radius: int) -> None:
    """Draw (P, 2) points in [-lim, lim]^2 onto ``image`` (y up) as small squares, in place."""
    h, w = image.shape[:2]
    points = points[np.isfinite(points).all(axis=1)]
    cols = np.round((points[:, 0] + lim) / (2 * lim) * (w - 1)).astype(int)
    rows = np.round((lim - points[:, 1]) / (2 * lim) * (h - 1)).astype(int)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            r, c = rows + dy, cols + dx
            ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            image[r[ok], c[ok]] = color


def d_image(values: np.ndarray, lim: float, *, real: np.ndarray | None = None, fake: np.ndarray | None = None,
            scale: int = 5) -> np.ndarray:
    """A discriminator map on the grid (N, N), rows from y = -lim upwards, as an RGB picture with points."""
    image = colorize(values[::-1])  # image rows run top-down, the grid bottom-up
    image = upscale(image, scale)
    if real is not None:
        draw_points(image, real, lim, REAL_COLOR, radius=1)
    if fake is not None:
        draw_points(image, fake, lim, FAKE_COLOR, radius=1)
    return image
