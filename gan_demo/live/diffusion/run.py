"""One 2-D diffusion run: train a small denoiser from scratch on a toy dataset and emit frames a few times a
second, measured exactly like the GAN run (the same JSD estimate on the same grid, with its floor, and the same
mode count), so the two can be compared on the same axes.

``stream(settings)`` yields :class:`DiffusionFrame`; the loop reads top to bottom in :meth:`DiffusionRun.steps`.
No gradio here.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch

from ...data import toy
from ...device import torch_threads
from ..run import Pacer, default_max_seconds
from ..views import GRID_LIM, GRID_N, N_POINTS, ToyViews
from . import paths, sampler
from .frame import DiffusionFrame
from .model import build_denoiser
from .pictures import field_image, trajectories_image
from .settings import BATCH_SIZE, HIDDEN, LAYERS, LR, DiffusionSettings

log = logging.getLogger(__name__)

N_PATHS = 120  # trajectories drawn (of the N_POINTS fixed-noise samples)
ARROWS_PER_SIDE = 17  # the field is drawn on a 17 x 17 grid of anchors
ARROW_LONGEST = 0.35  # data units: arrows are scaled per picture so the longest has this length
FIELD_NAMES = {"flow-matching": "learned velocity v(x, t)", "ddpm": "learned score (direction)"}


def field_name(objective: str) -> str:
    return FIELD_NAMES[objective]


def anchors() -> torch.Tensor:
    ticks = torch.linspace(-GRID_LIM * 0.9, GRID_LIM * 0.9, ARROWS_PER_SIDE)
    xx, yy = torch.meshgrid(ticks, ticks, indexing="xy")
    return torch.stack([xx.flatten(), yy.flatten()], 1)  # (A, 2)


@torch.no_grad()
def draw_field(objective: str, model: torch.nn.Module, dist: toy.ToyDistribution, path: torch.Tensor,
               t: float) -> np.ndarray:
    """The field picture at time ``t``: the exact density of x_t, the learned field and the sampled points at t
    (from ``path`` (steps + 1, P, 2), the fixed-noise samples' trajectories)."""
    grid, _ = toy.eval_grid(GRID_LIM, GRID_N)
    density = paths.marginal(objective, dist, t).density(grid).reshape(GRID_N, GRID_N).numpy()
    starts = anchors()
    device = next(model.parameters()).device
    vectors = paths.field(objective, model, starts.to(device), t).cpu()
    longest = float(vectors.norm(dim=1).max())
    arrows = vectors * (ARROW_LONGEST / longest) if math.isfinite(longest) and longest > 0 else vectors * 0
    at_t = path[round(t * (len(path) - 1))].numpy()
    return field_image(density, GRID_LIM, starts.numpy(), arrows.numpy(), at_t, t=t, field_name=field_name(objective))


def fixed_noise(seed: int, n: int = N_POINTS) -> torch.Tensor:
    """The noise every frame carries to data: the same points each time, so frames are comparable."""
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed + 1))


def sample_path(s: DiffusionSettings, model: torch.nn.Module, noise: torch.Tensor) -> torch.Tensor:
    """The fixed noise's paths (steps + 1, N, 2) on the CPU; DDPM's step noise is seeded the same every frame."""
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(s.seed + 4)
    return sampler.sample(s.objective, model, noise.to(device), s.sampling_steps, sampler=s.sampler,
                          generator=generator).cpu()


class DiffusionRun:
    """The named state of one run: the denoiser and its optimiser, the data, the measures, the frame pacer,
    the records not yet sent, and how it ends."""

    def __init__(self, settings: DiffusionSettings, *, device: torch.device | str = "cpu", frame_seconds: float = 0.25,
                 max_seconds: float | None = None, view_time: Callable[[], float] | float = 0.5):
        self.settings, self.device = settings, device
        self.dist = toy.toy_distribution(settings.dataset)
        self.model = build_denoiser(settings.seed, hidden=HIDDEN, layers=LAYERS).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.data_rng = torch.Generator().manual_seed(settings.seed)  # data, noise and times of every batch
        self.views = ToyViews(self.dist, settings.seed)  # the GAN run's JSD estimate, its floor and its real points
        self.noise = fixed_noise(settings.seed)
        self.view_time = view_time if callable(view_time) else (lambda: float(view_time))
        self.evaluations = sampler.evaluations(settings.objective, settings.sampling_steps, settings.sampler)
        self.step, self.last_step = 0, settings.steps
        self.pacer, self.started = Pacer(frame_seconds), time.monotonic()
        self.max_seconds = default_max_seconds() if max_seconds is None else max_seconds
        self.pending: list[dict] = []
        self.frames_made, self.diverged = 0, False
        self.message = f"Finished {settings.steps} steps."

    # -- the loop ---------------------------------------------------------------------------------------
    def steps(self) -> Iterator[dict]:
        """Training steps, one record each: 1. a batch of data, 2. noise and times, 3. the regression loss,
        4. one Adam step. Raises FloatingPointError if the loss is not finite."""
        self.model.train()
        while self.step < self.last_step:
            x1 = self.dist.sample(BATCH_SIZE, self.data_rng).to(self.device)  # 1. (B, 2) data
            loss = paths.loss(self.settings.objective, self.model, x1, self.data_rng)  # 2. and 3.
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss.item()} at step {self.step + 1}")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()  # 4.
            self.step += 1
            yield {"step": self.step, "loss": loss.item()}

    def frames(self, threads: int | None = None) -> Iterator[DiffusionFrame]:
        """Train, yielding a frame whenever one is due; the last has ``done=True`` (also after the time limit)."""
        steps = self.steps()
        try:
            while True:
                with torch_threads(threads):
                    out = self.train_until_frame(steps)
                if out is None:
                    break
                yield out
                self.pacer.done()
        except FloatingPointError as err:
            log.info("diffusion run diverged: %s", err)
            self.diverged, self.message = True, f"Training stopped: {err}."
        with torch_threads(threads):
            last = self.frame(done=True)
        yield last

    def train_until_frame(self, steps: Iterator[dict]) -> DiffusionFrame | None:
        for record in steps:
            self.pending.append(record)
            if time.monotonic() - self.started > self.max_seconds:
                self.message = (f"Stopped at step {self.step}: the time limit of one run is "
                                f"{self.max_seconds:.0f} s.")
                return None
            if self.pacer.due():
                self.pacer.start()
                return self.frame()
        return None

    # -- one frame --------------------------------------------------------------------------------------
    @torch.no_grad()
    def frame(self, done: bool = False) -> DiffusionFrame:
        """The pending records with the JSD and modes of the fixed noise's samples; pictures on every other
        frame and the last."""
        pictures, self.frames_made = done or self.frames_made % 2 == 0, self.frames_made + 1
        out = DiffusionFrame(records=self.pending.copy(), step=self.step, last_step=self.last_step,
                             seconds=time.monotonic() - self.started, evaluations=self.evaluations, done=done,
                             jsd_floor=self.views.jsd_floor)
        if done:
            out.message, out.diverged = self.message, self.diverged
        self.pending.clear()
        if self.diverged:
            return out
        self.model.eval()
        path = sample_path(self.settings, self.model, self.noise)  # (steps + 1, N, 2)
        samples = path[-1]
        out.jsd, out.modes = self.views.jsd(samples), self.dist.mode_coverage(samples)
        if out.records:
            out.records[-1].update(jsd=out.jsd, modes=out.modes[0])
        if pictures:
            out.view_time = min(max(float(self.view_time()), 0.0), 1.0)
            out.field = draw_field(self.settings.objective, self.model, self.dist, path, out.view_time)
            out.trajectories = trajectories_image(path[:, :N_PATHS].numpy(), self.views.real, GRID_LIM)
            out.state = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        self.model.train()
        return out


def stream(settings: DiffusionSettings, *, frame_seconds: float = 0.25, max_seconds: float | None = None,
           device: torch.device | str = "cpu", threads: int | None = None,
           view_time: Callable[[], float] | float = 0.5) -> Iterator[DiffusionFrame]:
    """Train a denoiser for ``settings.steps`` steps, yielding frames as it goes (the training happens between
    the yields with ``threads`` torch CPU threads). ``view_time`` is the t the field picture shows (a callable
    is read at each picture, so a slider can move it during the run)."""
    run = DiffusionRun(settings, device=device, frame_seconds=frame_seconds, max_seconds=max_seconds,
                       view_time=view_time)
    yield from run.frames(threads)


def redraw_field(settings: DiffusionSettings, state: dict, t: float) -> np.ndarray:
    """The field picture of a run's saved weights ``state`` at another time ``t`` (the tab's time slider)."""
    model = build_denoiser(settings.seed, hidden=HIDDEN, layers=LAYERS)
    model.load_state_dict(state)
    model.eval()
    dist = toy.toy_distribution(settings.dataset)
    return draw_field(settings.objective, model, dist, sample_path(settings, model, fixed_noise(settings.seed)), t)
