"""One frame of a 2-D diffusion run: what the tab draws after some training steps, as plain data."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RECORD_COLUMNS = ("step", "loss")  # every training record; a frame's last record adds jsd and modes


@dataclass
class DiffusionFrame:
    """Plain data only, like the GAN run's Frame: it may be pickled out of a worker process."""

    records: list[dict]  # training records since the previous frame; the last carries jsd and modes
    step: int
    last_step: int  # the step this run stops at
    seconds: float  # wall time since the run started
    evaluations: int  # network evaluations one sample costs with this run's sampler
    jsd: float | None = None  # JSD(p_r || p_model) in nats, the GAN run's estimate on the same grid
    jsd_floor: float | None = None  # what the same estimate reads for real samples
    modes: tuple[int, int] | None = None  # (modes covered, modes)
    # pictures come with every other frame and the last (None in between: show the previous ones)
    field: np.ndarray | None = None  # (H, W, 3) the learned field at the view time over the density of x_t
    trajectories: np.ndarray | None = None  # (H, W, 3) sample paths from noise to data
    view_time: float | None = None  # the t the field picture shows
    state: dict | None = None  # the denoiser's weights (CPU) with each picture, for redrawing at another t
    done: bool = False
    message: str = ""  # why the run ended: finished, time limit, diverged
    diverged: bool = False
