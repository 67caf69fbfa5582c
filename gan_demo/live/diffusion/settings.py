"""What the user chooses for one 2-D diffusion run, and the one check of it (the ``/train_diffusion`` arguments).

Like the GAN run's settings, ``__post_init__`` normalises what a browser sends (a slider's 3000.0 is 3000) and
refuses anything else with a ValueError that names the setting and what is allowed.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from ..settings import DATASETS as MODE_DATASETS
from ..settings import _bad, _number, _one_of, is_drawn
from .paths import OBJECTIVES
from .sampler import SAMPLERS

MAX_STEPS = 10_000
MAX_SAMPLING_STEPS = 200
SEED_MAX = 2**31 - 1
DATASETS = MODE_DATASETS["2d"]  # the GAN's 2-D toys
# Fixed for every run: measured on the ring with one CPU thread, flow matching covers all 8 modes after ~300 steps
# and is below the Balanced GAN's JSD after ~900 (3 s); the default 2,000 steps take about 11 s on an idle core.
HIDDEN, LAYERS, BATCH_SIZE, LR = 128, 3, 512, 2e-3


@dataclass
class DiffusionSettings:
    """One run: which data, which objective, how long to train, how many steps one sample takes, the seed, and the
    sampler (None: the objective's first, Euler for flow matching; Heun is flow matching's other)."""

    dataset: str = "ring"
    objective: str = "flow-matching"
    steps: int = 2000
    sampling_steps: int = 32
    seed: int = 0
    sampler: str | None = None

    def __post_init__(self):
        for f in fields(self):  # in the API's order, so the first bad value is the one reported
            setattr(self, f.name, check(f.name, getattr(self, f.name)))
        if self.sampler is None:
            self.sampler = SAMPLERS[self.objective][0]
        elif self.sampler not in SAMPLERS[self.objective]:
            raise _bad("sampler", self.sampler, f"{self.objective} samples with " + _one_of(SAMPLERS[self.objective]))


def whole(name: str, value, low: int, high: int) -> int:
    if not _number(value) or value != int(value) or not low <= value <= high:
        raise _bad(name, value, f"a whole number between {low} and {high}")
    return int(value)


def check(name: str, value):
    """``value`` for setting ``name``, normalised, or a ValueError naming it and what is allowed."""
    if name == "dataset":
        if value not in DATASETS and not is_drawn(value):
            raise _bad(name, value, "choose a 2-D dataset, " + _one_of(DATASETS) + " or a registered drawing "
                       "(drawn-...)")
        return value
    if name == "sampler":
        samplers = sorted({s for names in SAMPLERS.values() for s in names})
        if value is not None and value not in samplers:
            raise _bad(name, value, "choose " + _one_of(samplers))
        return value
    if name == "objective":
        if value not in OBJECTIVES:
            raise _bad(name, value, "choose " + _one_of(OBJECTIVES))
        return value
    limits = dict(steps=(1, MAX_STEPS), sampling_steps=(1, MAX_SAMPLING_STEPS), seed=(0, SEED_MAX))
    if name in limits:
        return whole(name, value, *limits[name])
    raise TypeError(f"DiffusionSettings has no setting {name!r}")
