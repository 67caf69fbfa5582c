"""The 2-D discriminator maps as pictures, in the spirit of GAN Lab: D(x) or D*(x) as a smooth purple (fake) to
orange (real) field, real points as black dots and generated ones as white rings, the generator's push on its
points as arrows, and a key below the map that says what the colours, dots and arrows mean (colours:
gan_demo/palettes.py)."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..palettes import D_RAMP

# A purple-white-orange ramp: D(x) = 0 ("fake") is purple, 1/2 is near white, 1 ("real") is orange.
_RAMP = np.array(D_RAMP, dtype=np.float64)
# Real points are black dots, generated ones white rings with a black edge: told apart by fill, not by hue, and
# seen on either end of the ramp and on its pale middle.
REAL_COLOR, FAKE_COLOR, FAKE_EDGE, ARROW_COLOR = (20, 20, 20), (255, 255, 255), (0, 0, 0), (0, 0, 0)
MAP_SIZE = 320  # pixels per side of the map
KEY_HEIGHT = 50  # the key strip below it
_FONT = ImageFont.load_default(size=12)


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (H, W) -> RGB uint8 (H, W, 3) on the purple-white-orange ramp; NaN shows as the middle."""
    steps = len(_RAMP) - 1
    v = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)[..., None] * steps  # 0..steps along the ramp
    lower = np.minimum(v.astype(int), steps - 1)
    t = v - lower
    rgb = _RAMP[lower[..., 0]] * (1 - t) + _RAMP[lower[..., 0] + 1] * t
    return rgb.round().astype(np.uint8)


def smooth_map(values: np.ndarray, size: int) -> Image.Image:
    """An (N, N) grid of values in [0, 1] (top row first) as a (size, size) picture, coloured, then bilinearly
    interpolated: no blocky cells (the ramp is piecewise linear, so this is nearly colouring the interpolated
    values, at a tenth of the cost)."""
    return Image.fromarray(colorize(values)).resize((size, size), Image.Resampling.BILINEAR)


def to_pixels(points: np.ndarray, lim: float, size: int) -> np.ndarray:
    """(P, 2) points of [-lim, lim]^2 (y up) -> (P, 2) pixel (column, row) positions of a size x size map."""
    cols = (points[:, 0] + lim) / (2 * lim) * (size - 1)
    rows = (lim - points[:, 1]) / (2 * lim) * (size - 1)
    return np.stack([cols, rows], axis=1)


def draw_points(draw: ImageDraw.ImageDraw, points: np.ndarray, lim: float, size: int, color, radius: float,
                edge=None) -> None:
    """Dots of ``color``, with a one-pixel ``edge`` if given (a ring that shows on any background)."""
    points = points[np.isfinite(points).all(axis=1)]
    for c, r in to_pixels(points, lim, size):
        if -radius <= c <= size + radius and -radius <= r <= size + radius:
            draw.ellipse((c - radius, r - radius, c + radius, r + radius), fill=color, outline=edge)


def draw_arrows(draw: ImageDraw.ImageDraw, starts: np.ndarray, pushes: np.ndarray, lim: float, size: int) -> None:
    """An arrow from each start along its push (both in data units); pushes shorter than a pixel are skipped."""
    a, b = to_pixels(starts, lim, size), to_pixels(starts + pushes, lim, size)
    for (c0, r0), (c1, r1) in zip(a, b):
        length = np.hypot(c1 - c0, r1 - r0)
        if not np.isfinite(length) or length < 1.5:
            continue
        draw.line((c0, r0, c1, r1), fill=ARROW_COLOR, width=1)
        ux, uy = (c1 - c0) / length, (r1 - r0) / length  # the head: two short strokes back from the tip
        head = min(4.0, 0.5 * length)
        for side in (1, -1):
            draw.line((c1, r1, c1 - head * (ux + side * 0.5 * uy), r1 - head * (uy - side * 0.5 * ux)),
                      fill=ARROW_COLOR, width=1)


def draw_key(draw: ImageDraw.ImageDraw, top: int, width: int, what: str, real: bool, arrows: bool) -> None:
    """The key under the map: the colour scale from 0 (fake) to 1 (real), and what the marks are."""
    left, right, bar, ink = 8, width // 2 - 8, 9, (40, 40, 40)
    draw.text(((left + right) / 2, top + 3), what, fill=ink, font=_FONT, anchor="ma")
    ramp = colorize(np.linspace(0, 1, right - left)[None, :])[0]
    for i, rgb in enumerate(ramp):
        draw.line((left + i, top + 19, left + i, top + 19 + bar), fill=tuple(int(v) for v in rgb))
    draw.rectangle((left, top + 19, right, top + 19 + bar), outline=(120, 120, 120))
    y = top + 19 + bar + 2
    draw.text((left, y), "0 fake", fill=ink, font=_FONT)
    draw.text(((left + right) / 2, y), "1/2", fill=ink, font=_FONT, anchor="ma")
    draw.text((right, y), "1 real", fill=ink, font=_FONT, anchor="ra")
    x, row = width // 2 + 8, top + 4
    for label, color in (("real data", REAL_COLOR),) * real + (("generated G(z)", FAKE_COLOR),):
        draw.ellipse((x, row + 4, x + 6, row + 10), fill=color, outline=FAKE_EDGE if color == FAKE_COLOR else None)
        draw.text((x + 11, row), label, fill=ink, font=_FONT)
        row += 14
    if arrows:
        draw.line((x, row + 7, x + 7, row + 7), fill=ARROW_COLOR)
        draw.line((x + 7, row + 7, x + 4, row + 4), fill=ARROW_COLOR)
        draw.line((x + 7, row + 7, x + 4, row + 10), fill=ARROW_COLOR)
        draw.text((x + 11, row), "where G pushes", fill=ink, font=_FONT)


def d_image(values: np.ndarray, lim: float, *, real: np.ndarray | None = None, fake: np.ndarray | None = None,
            pushes: np.ndarray | None = None, what: str = "D(x)", size: int = MAP_SIZE) -> np.ndarray:
    """A discriminator map on the grid (N, N), rows from y = -lim upwards, as an RGB picture (H, W, 3) with
    points, and with ``pushes`` ((P, 2), one per generated point, in data units) as arrows from the first P
    generated points, above a key that names ``what`` the colours show."""
    canvas = Image.new("RGB", (size, size + KEY_HEIGHT), (255, 255, 255))
    canvas.paste(smooth_map(values[::-1], size), (0, 0))  # image rows run top-down, the grid bottom-up
    draw = ImageDraw.Draw(canvas)
    if real is not None:
        draw_points(draw, real, lim, size, REAL_COLOR, radius=1.4)
    if fake is not None:
        draw_points(draw, fake, lim, size, FAKE_COLOR, radius=2.2, edge=FAKE_EDGE)
    if pushes is not None and fake is not None:
        draw_arrows(draw, fake[: len(pushes)], pushes, lim, size)
    draw_key(draw, size, size, what, real=real is not None, arrows=pushes is not None)
    return np.asarray(canvas)
