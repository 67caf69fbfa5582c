"""The pictures of a 2-D diffusion run: the learned field at one time t over the exact density of x_t, and the
sample trajectories from noise to data. Same map size, axes and drawing helpers as the GAN run's maps."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..pictures import _FONT, ARROW_COLOR, KEY_HEIGHT, MAP_SIZE, REAL_COLOR, draw_arrows, draw_points, to_pixels

# White (no mass) to deep purple (the densest cell); colour-blind safe against the orange particles.
_RAMP = np.array([[255, 255, 255], [158, 154, 200], [63, 0, 125]], dtype=np.float64)
PARTICLE_COLOR, NOISE_COLOR, DATA_COLOR = (230, 97, 1), (94, 60, 153), (230, 97, 1)
INK = (40, 40, 40)


def density_map(values: np.ndarray, size: int) -> Image.Image:
    """(N, N) densities, top row first, as a white-to-purple picture scaled to the densest cell."""
    v = values / max(float(values.max()), 1e-12) * 2  # 0..2 along the ramp
    lower = np.minimum(v.astype(int), 1)
    t = (v - lower)[..., None]
    rgb = _RAMP[lower] * (1 - t) + _RAMP[lower + 1] * t
    return Image.fromarray(rgb.round().astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)


def legend(draw: ImageDraw.ImageDraw, top: int, width: int, title: str, marks: list[tuple[str, tuple, str]]) -> None:
    """The key under a map: its title, then each mark ('dot' or 'arrow' or 'line') with its meaning."""
    draw.text((width / 2, top + 3), title, fill=INK, font=_FONT, anchor="ma")
    x, row = 8, top + 22
    for label, color, kind in marks:
        if kind == "dot":
            draw.ellipse((x, row + 4, x + 6, row + 10), fill=color)
        else:
            draw.line((x, row + 7, x + 9, row + 7), fill=color, width=2 if kind == "line" else 1)
            if kind == "arrow":
                draw.line((x + 9, row + 7, x + 6, row + 4), fill=color)
                draw.line((x + 9, row + 7, x + 6, row + 10), fill=color)
        draw.text((x + 13, row), label, fill=INK, font=_FONT)
        x += 18 + int(draw.textlength(label, font=_FONT)) + 12


def field_image(density: np.ndarray, lim: float, anchors: np.ndarray, arrows: np.ndarray, particles: np.ndarray,
                *, t: float, field_name: str, size: int = MAP_SIZE) -> np.ndarray:
    """The exact density of x_t on the grid (N, N), rows from y = -lim upwards, with the learned field as arrows
    (``arrows`` (A, 2) from ``anchors`` (A, 2), in data units) and the model's own points at t (P, 2), as an RGB
    picture (H, W, 3) with a key."""
    canvas = Image.new("RGB", (size, size + KEY_HEIGHT), (255, 255, 255))
    canvas.paste(density_map(density[::-1], size), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw_points(draw, particles, lim, size, PARTICLE_COLOR, radius=1.3)
    draw_arrows(draw, anchors, arrows, lim, size)
    legend(draw, size, size, f"t = {t:.2f}: density of x_t (purple), {field_name}",
           [("model's points at t", PARTICLE_COLOR, "dot"), (field_name, ARROW_COLOR, "arrow")])
    return np.asarray(canvas)


def trajectories_image(path: np.ndarray, real: np.ndarray, lim: float, size: int = MAP_SIZE) -> np.ndarray:
    """Sample paths (T + 1, P, 2) from noise (purple end) to data (orange end) over real data (black dots)."""
    canvas = Image.new("RGB", (size, size + KEY_HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw_points(draw, real, lim, size, REAL_COLOR, radius=1.0)
    steps = len(path) - 1
    pixels = np.stack([to_pixels(p, lim, size) for p in path])  # (T + 1, P, 2)
    for k in range(steps):  # each segment shaded from purple (noise) to orange (data) by its time
        w = (k + 0.5) / steps
        color = tuple(int(round(a * (1 - w) + b * w)) for a, b in zip(NOISE_COLOR, DATA_COLOR))
        for (c0, r0), (c1, r1) in zip(pixels[k], pixels[k + 1]):
            if np.isfinite([c0, r0, c1, r1]).all():
                draw.line((c0, r0, c1, r1), fill=color, width=1)
    draw_points(draw, path[-1], lim, size, DATA_COLOR, radius=1.6)
    legend(draw, size, size, f"{path.shape[1]} samples, {steps} steps from noise (t = 0) to data (t = 1)",
           [("real data", REAL_COLOR, "dot"), ("path", NOISE_COLOR, "line"), ("sample", DATA_COLOR, "dot")])
    return np.asarray(canvas)


def density_image(density: np.ndarray, lim: float, points: np.ndarray, title: str, size: int = MAP_SIZE) -> np.ndarray:
    """A density on the grid (N, N), rows from y = -lim upwards, with sample points, above a one-line key."""
    canvas = Image.new("RGB", (size, size + KEY_HEIGHT), (255, 255, 255))
    canvas.paste(density_map(density[::-1], size), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw_points(draw, points, lim, size, PARTICLE_COLOR, radius=1.0)
    legend(draw, size, size, title, [("samples", PARTICLE_COLOR, "dot")])
    return np.asarray(canvas)
