"""One frame of a live run: what the tab draws after some training steps, as plain data."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# The columns of every training record (GANTrainer.run); in 2-D a frame's last record adds jsd and theory.
RECORD_COLUMNS = ("step", "value", "loss_d", "loss_g", "d_real", "d_fake", "grad_g")


@dataclass
class Frame:
    """What the tab draws after some training steps. Plain data only: it is pickled out of a ZeroGPU worker."""

    records: list[dict]  # training records since the previous frame; the last one carries jsd/theory in 2-D
    step: int
    last_step: int  # the step this run stops at
    jsd: float | None = None  # JSD(p_r || p_g) in nats, 2-D mode
    jsd_floor: float | None = None  # what the same estimate reads for real samples (sampling noise), 2-D mode
    modes: tuple[int, int] | None = None  # (modes covered, modes), 2-D mode
    gap: float | None = None  # V(D*, G) - V(D, G) over the last few frames: how far D is from optimal, 2-D mode
    # pictures come with every other frame and the last (None in between: show the previous ones)
    heatmap: np.ndarray | None = None  # (H, W, 3) D(x) with real and generated points, 2-D mode
    optimal: np.ndarray | None = None  # (H, W, 3) D*(x) with generated points, 2-D mode
    preview: np.ndarray | None = None  # (H, W) uint8 grid of fixed-noise samples, image mode
    class_share: list[float] | None = None  # the classifier's class histogram of the preview, image mode
    health: list[str] = field(default_factory=list)
    done: bool = False
    message: str = ""  # why the run ended: finished, time limit, diverged
    diverged: bool = False
    state: dict | None = None  # CPU snapshot of the trainer, for Continue
