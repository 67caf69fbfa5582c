"""The denoising scrubber's frames: each sampling step's x_t above its predicted x_0, for every image."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gan_demo.data import to_uint8
from gan_demo.families.text.generate import Step
from gan_demo.images import grid

from .scrubber import pack_frames

COLUMNS = 8  # images per row, as the gallery shows them
GAP = 4  # pixels between the x_t rows and the x_0 rows


class DenoisingFrames:
    """Collects the frames of a :func:`~gan_demo.families.text.generate.stream` as its steps go by.

    ``noise_level(t)`` gives the step's noise level. Only the first batch's steps are kept (a request makes at most
    one batch: the tab's image limit is below the pipeline's batch size)."""

    def __init__(self, noise_level: Callable[[int], float], what: str = "images"):
        self.noise_level, self.what = noise_level, what
        self.pictures: list[np.ndarray] = []
        self.alts: list[str] = []
        self.labels: list[str] = []

    def add(self, step: Step) -> None:
        if step.start:
            return
        x_t, x0 = (grid(to_uint8(x).numpy(), nrow=COLUMNS, padding=0) for x in (step.x_t, step.x0))
        gap = np.full((GAP, x_t.shape[1]), 128, np.uint8)
        self.pictures.append(np.vstack([x_t, gap, x0]))  # (2 rows * 28 + GAP, COLUMNS * 28) for 8 images
        sigma, n = self.noise_level(step.t), len(step.x_t)
        self.labels.append(f"step {step.index + 1} of {step.steps} · t = {step.t} · noise {sigma:.2f}")
        self.alts.append(f"Step {step.index + 1} of {step.steps}, timestep {step.t} denoised, noise level "
                         f"{sigma:.2f}: the {n} {self.what} as x_t (top) and the predicted clean x_0 (bottom)")

    def value(self) -> str:
        """The scrubber's value, starting on the last step (the finished images)."""
        return pack_frames(self.pictures, self.alts, self.labels, every_ms=120)
