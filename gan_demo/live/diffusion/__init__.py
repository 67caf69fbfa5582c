"""Live diffusion on the 2-D toys: a small denoiser trained from scratch with flow matching or DDPM, measured
like the GAN run, and a race of the two for the same wall time.

- :mod:`.model`: the denoiser (an MLP with a time embedding); :mod:`.paths`: the probability paths, losses and
  fields of both objectives; :mod:`.sampler`: Euler, Heun and DDPM ancestral sampling and what a sample costs;
- :mod:`.settings`: :class:`DiffusionSettings` and its check; :mod:`.run`: :func:`stream` of
  :class:`DiffusionFrame`; :mod:`.pictures`: the field and trajectory maps; :mod:`.export`: the CSV;
- :mod:`.race`: the GAN and flow matching side by side.
"""
from __future__ import annotations

from .export import history_csv
from .frame import DiffusionFrame
from .paths import OBJECTIVES
from .race import FLOW, GAN, RUNS, RaceFrame, race, tail_median
from .run import field_name, redraw_field, stream
from .sampler import SAMPLERS, evaluations, sample
from .settings import DATASETS, MAX_SAMPLING_STEPS, MAX_STEPS, SEED_MAX, DiffusionSettings

__all__ = ["DATASETS", "FLOW", "GAN", "MAX_SAMPLING_STEPS", "MAX_STEPS", "OBJECTIVES", "RUNS", "SAMPLERS", "SEED_MAX",
           "DiffusionFrame",
           "DiffusionSettings", "RaceFrame", "evaluations", "field_name", "history_csv", "race", "redraw_field",
           "sample", "stream", "tail_median"]
