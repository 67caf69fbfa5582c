"""One live run: train a small GAN and emit frames of it a few times a second.

``stream(settings)`` builds a :class:`LiveRun`, which drives the shared :class:`~gan_demo.training.GANTrainer`
loop and yields a :class:`~gan_demo.live.frame.Frame` a few times a second: the new training records plus, in
2-D mode, the Jensen-Shannon divergence estimated on a grid, the discriminator's heatmap and the optimal
discriminator D*(x) = p_r(x) / (p_r(x) + p_g(x)); in image mode a fixed-noise preview grid. All training state
lives inside the ``stream`` call (a ZeroGPU worker is a forked process); frames carry a CPU snapshot out so a
run can be continued. No gradio here: the tab in ``ui/tabs/live`` only draws these frames.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

import torch

from ..device import pick_device, torch_threads
from ..evaluation import metrics
from ..training import DivergenceError
from .diagnostics import SETTLED, collapse_note, health
from .frame import Frame
from .settings import LiveSettings
from .trainer import build_trainer, cpu_snapshot
from .views import ImageViews, ToyViews

log = logging.getLogger(__name__)

# Wall-clock cap of one run, so a shared 2-CPU server stays responsive (override for a private machine).
def default_max_seconds() -> float:
    """A run's wall-time cap in seconds: ``$GAN_DEMO_LIVE_MAX_SECONDS`` as it is when the run starts, else 300."""
    return float(os.getenv("GAN_DEMO_LIVE_MAX_SECONDS", "300"))
RECENT = 50  # records the health messages look at
GAP_FRAMES = 10  # frames the gap V(D*, G) - V(D, G) is averaged over


class Pacer:
    """When to emit a frame: every ``every`` s, but frames (with the consumer's drawing and sending) take at
    most ~1/``budget`` of the time, and a frame comes at least every ``max_gap`` s."""

    def __init__(self, every: float, max_gap: float = 0.6, budget: float = 25.0):
        self.every, self.max_gap, self.budget, self.next, self.began = every, max_gap, budget, 0.0, 0.0

    def due(self) -> bool:
        return time.monotonic() >= self.next

    def start(self) -> None:
        """A frame begins now."""
        self.began = time.monotonic()

    def done(self) -> None:
        """The consumer asks for the next frame now: the time since :meth:`start` is what the frame cost."""
        cost = time.monotonic() - self.began
        self.next = time.monotonic() + min(max(self.every, (self.budget - 1) * cost), self.max_gap)


class Every:
    """A timer that is due at once, then again ``seconds`` after each time it was found due."""

    def __init__(self, seconds: float):
        self.seconds, self.next = seconds, time.monotonic()

    def due(self) -> bool:
        if time.monotonic() < self.next:
            return False
        self.next = time.monotonic() + self.seconds
        return True


class LiveRun:
    """The named state of one run: its trainer and views, the records not yet sent and the recent ones, the
    frame pacer, the snapshot and classifier timers, how many frames it made, and how it ends."""

    def __init__(self, settings: LiveSettings, state: dict | None = None, *, device: torch.device | str = "cpu",
                 frame_seconds: float = 0.25, snapshot_seconds: float = 2.0, judge_seconds: float = 6.0,
                 max_seconds: float | None = None):
        self.settings = settings
        self.trainer, dist = build_trainer(settings, device)
        if state is not None:
            self.trainer.load_state_dict(state)
        self.views = ToyViews(dist, settings.seed, settings.g_loss) if dist is not None else ImageViews(settings.dataset, device)
        self.last_step = self.trainer.step + settings.steps
        self.pacer, self.started = Pacer(frame_seconds), time.monotonic()
        self.max_seconds = default_max_seconds() if max_seconds is None else max_seconds
        # the first frame carries a snapshot too, so a run stopped in its first seconds can still be exported and continued
        self.snapshots, self.judging = Every(snapshot_seconds), Every(judge_seconds)
        self.pending: list[dict] = []  # records since the previous frame
        self.recent: list[dict] = []  # the last RECENT records, for health messages
        self.gaps: list[float] = []  # V(D*, G) - V(D, G) of the last GAP_FRAMES frames (2-D)
        self.message, self.diverged = f"Finished {self.last_step} steps.", False
        self.frames_made = 0

    # -- the loop ---------------------------------------------------------------------------------------
    def frames(self, threads: int | None = None) -> Iterator[Frame]:
        """Train ``settings.steps`` generator steps with ``threads`` torch threads, yielding frames; the last
        one has ``done=True`` (also after divergence or the time limit)."""
        steps = self.trainer.run(self.settings.steps)
        try:
            while True:
                with torch_threads(threads):  # only while training, not while the consumer draws the frame
                    out = self.train_until_frame(steps)  # resumes the same run after each frame
                if out is None:
                    break
                yield out
                self.pacer.done()  # after the yield: the consumer's plotting counts as frame cost too
        except DivergenceError as err:
            log.info("live run diverged: %s", err)
            self.diverge()
        yield self.frame(done=True, snapshot=True)

    def train_until_frame(self, steps: Iterator[dict]) -> Frame | None:
        """Train until a frame is due and return it; None when the steps ran out or the time is up."""
        for record in steps:
            self.pending.append(record)
            self.recent.append(record)
            del self.recent[:-RECENT]
            if time.monotonic() - self.started > self.max_seconds:
                self.message = (f"Stopped at step {self.trainer.step}: the time limit of one run is "
                                f"{self.max_seconds:.0f} s. Press Continue.")
                return None
            if self.pacer.due():
                snapshot = self.snapshots.due()
                self.pacer.start()
                return self.frame(snapshot=snapshot)
        return None

    def diverge(self) -> None:
        self.diverged = True
        s = self.settings
        self.message = (f"Training diverged at step {self.trainer.step + 1}: a loss became NaN or infinite, so the run "
                        f"stopped. The learning rates (lr_d={s.lr_d:g}, lr_g={s.lr_g:g}) are too large for "
                        f"{s.optimizer}; try 1e-3 with adam, then press Start.")

    # -- one frame --------------------------------------------------------------------------------------
    def frame(self, done: bool = False, snapshot: bool = False) -> Frame:
        """The pending records with what the views show now (pictures on every other frame and the last: the
        curves keep their pace, pictures cost the most), health notes and, if asked, a snapshot."""
        pictures, self.frames_made = done or self.frames_made % 2 == 0, self.frames_made + 1
        out = Frame(records=self.pending.copy(), step=self.trainer.step, last_step=self.last_step, done=done)
        if done:
            out.message, out.diverged = self.message, self.diverged
        if not self.diverged:  # NaN weights: nothing meaningful to draw
            self.draw(out, pictures)
        if self.recent:
            out.health = health(self.recent, out.modes, self.settings, out.step)
            note = collapse_note(out.class_share, self.views.classes) if out.class_share and out.step >= SETTLED else None
            out.health += [note] if note else []
        if snapshot and not self.diverged:
            out.state = cpu_snapshot(self.trainer)
        self.pending.clear()
        return out

    def draw(self, out: Frame, pictures: bool) -> None:
        """Fill ``out`` from the views; in 2-D the last record gets the JSD and the theory's V(D*, G)."""
        # the classifier judges every judge_seconds (and at the end): it costs more than the rest of a frame
        judge = out.done or self.judging.due()
        for key, value in self.views.frame_fields(self.trainer, pictures, judge).items():
            setattr(out, key, value)
        if out.jsd is not None and self.pending:
            theory = metrics.minimax_value_at_optimum(out.jsd)
            self.pending[-1].update(jsd=out.jsd, theory=theory)
            # V(D, G) of one batch is noisy: the frame's records are averaged, then the last frames' gaps
            self.gaps = [*self.gaps, theory - sum(r["value"] for r in self.pending) / len(self.pending)][-GAP_FRAMES:]
        if self.gaps:  # also on a last frame that brings no new records (the one before it took the last step)
            out.gap = sum(self.gaps) / len(self.gaps)
        if out.modes is not None and self.pending:
            self.pending[-1]["modes"] = out.modes[0]  # modes covered at this step (the CSV's modes column)
            out.records = self.pending.copy()


def stream(settings: LiveSettings, state: dict | None = None, *, frame_seconds: float = 0.25,
           snapshot_seconds: float = 2.0, judge_seconds: float = 6.0, max_seconds: float | None = None,
           device: torch.device | str | None = None, threads: int | None = None) -> Iterator[Frame]:
    """Train ``settings.steps`` more generator steps (from ``state`` if given), yielding frames as it goes.

    The training happens between the yields with ``threads`` torch CPU threads (default: the caller's count).
    Frames carry a trainer snapshot every ``snapshot_seconds``; in image mode the shipped classifier judges the
    samples every ``judge_seconds`` (it costs more than the rest of a frame, and the histogram moves slowly).
    Never raises on divergence: the last frame then has ``diverged=True`` and a message saying what to change.
    """
    run = LiveRun(settings, state, device=device or pick_device(), frame_seconds=frame_seconds,
                  snapshot_seconds=snapshot_seconds, judge_seconds=judge_seconds, max_seconds=max_seconds)
    yield from run.frames(threads)


def opening(settings: LiveSettings, device: torch.device | str = "cpu") -> Frame:
    """Step 0 of ``settings``' run, before any training, drawn as a frame: the data, the generator's first
    points and the untrained discriminator's D(x) (what the tab opens on). The models are small, so the CPU."""
    return LiveRun(settings, device=device).frame()
