"""Side by side: the Balanced GAN and a flow-matching run on the same data for the same wall time, measured the
same way (JSD on the same grid, modes covered) against each run's own wall time.

The two runs take turns on one thread: each turn trains one of them up to its next frame, and the time spent in
that turn is added to that run's clock only, so neither is charged for the other's work. The run whose clock is
behind goes next; a run stops when its clock reaches the budget (or its steps run out).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .. import run as gan_run
from ..settings import MAX_STEPS as GAN_MAX_STEPS
from ..settings import make_settings
from .run import stream as flow_stream
from .sampler import evaluations
from .settings import MAX_STEPS, DiffusionSettings

GAN, FLOW = "GAN (Balanced preset)", "Flow matching"
RUNS = (GAN, FLOW)


@dataclass
class RaceFrame:
    """Plain data: every measurement so far and the latest picture of each run."""

    points: list[dict]  # {run, seconds, step, jsd, modes}, in the order measured
    evaluations: dict[str, int]  # network evaluations one sample costs, per run
    pictures: dict[str, np.ndarray] = field(default_factory=dict)  # GAN: D(x) map; flow: trajectories
    done: bool = False


def tail_median(points: list[dict], run: str, share: float = 0.2) -> float:
    """The median JSD of ``run``'s measurements in the last ``share`` of its own wall time."""
    own = [p for p in points if p["run"] == run and p["jsd"] is not None]
    end = max(p["seconds"] for p in own)
    return float(np.median([p["jsd"] for p in own if p["seconds"] >= (1 - share) * end]))


def race(dataset: str = "ring", seconds: float = 20.0, seed: int = 0, sampling_steps: int = 32, *,
         threads: int | None = None, frame_seconds: float = 0.25) -> Iterator[RaceFrame]:
    """Train both runs for ``seconds`` of their own wall time each, yielding after every turn."""
    gan = gan_run.stream(make_settings("balanced", dataset=dataset, seed=seed, steps=GAN_MAX_STEPS["2d"]),
                         frame_seconds=frame_seconds, max_seconds=float("inf"), device="cpu", threads=threads)
    flow = flow_stream(DiffusionSettings(dataset=dataset, objective="flow-matching", steps=MAX_STEPS,
                                         sampling_steps=sampling_steps, seed=seed),
                       frame_seconds=frame_seconds, max_seconds=float("inf"), threads=threads)
    streams, clocks = {GAN: gan, FLOW: flow}, dict.fromkeys(RUNS, 0.0)
    out = RaceFrame(points=[], evaluations={GAN: 1, FLOW: evaluations("flow-matching", sampling_steps)})
    while streams:
        name = min(streams, key=clocks.get)
        began = time.monotonic()
        frame = next(streams[name], None)
        clocks[name] += time.monotonic() - began
        if frame is None or frame.done or clocks[name] >= seconds:
            streams.pop(name).close()
        if frame is not None and frame.jsd is not None:
            out.points.append(dict(run=name, seconds=clocks[name], step=frame.step, jsd=frame.jsd,
                                   modes=frame.modes[0]))
            picture = frame.heatmap if name == GAN else frame.trajectories
            if picture is not None:
                out.pictures[name] = picture
        out.done = not streams
        yield out
