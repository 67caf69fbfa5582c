"""Live GAN training for the browser tab: settings, presets, one run, and frames of what to show.

``stream(settings)`` builds a small GAN, drives the shared :class:`~gan_demo.training.GANTrainer` loop and
yields a :class:`Frame` a few times a second: the new training records plus, in 2-D mode, the Jensen-Shannon
divergence estimated on a grid, the discriminator's heatmap and the optimal discriminator
D*(x) = p_r(x) / (p_r(x) + p_g(x)); in image mode a fixed-noise preview grid. All training state lives inside
``stream`` (a ZeroGPU worker is a forked process); frames carry a CPU snapshot out so a run can be continued.
No gradio here: the tab in ``ui/train_tab.py`` only draws these frames.
"""
from __future__ import annotations

import copy
import logging
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import cache

import numpy as np
import torch
from scipy.ndimage import gaussian_filter
from torch import nn

from ..data import dataset_info, image_tensors, to_uint8, toy
from ..device import pick_device
from ..evaluation import metrics
from ..hub import WeightsError, load_pretrained
from ..images import grid, upscale
from ..registry import create_model
from ..training import DivergenceError, GANConfig, GANTrainer, tensor_sampler
from .views import d_image

log = logging.getLogger(__name__)

MODES = ("2d", "images")
DATASETS = {"2d": tuple(toy.TOYS), "images": ("fashion", "mnist")}
G_LOSSES = ("minimax", "non-saturating")  # hinge has no D(x) probability, so the theory would not apply
OPTIMIZERS = ("adam", "sgd")
MAX_STEPS = {"2d": 5000, "images": 1000}
MAX_HIDDEN = {"2d": 512, "images": 64}
MAX_BATCH = {"2d": 1024, "images": 256}
LIMITS = dict(k_disc=(1, 10), lr=(1e-5, 10.0), batch_size=(8, 1024), latent_dim=(1, 128), hidden=(8, 512),
              steps=(1, 5000), seed=(0, 2**31 - 1))
# Wall-clock cap of one run, so a shared 2-CPU server stays responsive (override for a private machine).
MAX_SECONDS = float(os.getenv("GAN_DEMO_LIVE_MAX_SECONDS", "300"))
IMAGE_SUBSET = 4096  # the first 4,096 real training images: enough to learn from, quick to load
GRID_LIM, GRID_N = 3.0, 64  # [-3, 3]^2 in 64x64 cells (about one mode's std wide) covers every toy
N_POINTS = 1000  # fixed-noise generated points for the scatter, the KDE and the mode count


@dataclass
class Preset:
    """Settings that demonstrate one phenomenon; ``settings`` holds only the fields it is about, per mode."""

    title: str
    about: str
    settings: dict[str, dict]


PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "Balanced", "Both players learn at the same pace: D(x) and D(G(z)) settle near 1/2 and V(D, G) near -2 log 2.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=1e-3, lr_g=1e-3, batch_size=512),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=2e-4, lr_g=2e-4, batch_size=64)}),
    "mode-collapse": Preset(
        "Mode collapse", "The generator learns 5x faster than the discriminator and piles its points onto a few modes: "
        "D sits near 1/2, yet the JSD stays high.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=2e-4, lr_g=1e-3, batch_size=512),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=5e-5, lr_g=1e-3, batch_size=64)}),
    "strong-discriminator": Preset(
        "Discriminator too strong", "Five fast D steps per G step with the minimax loss: D(G(z)) drops to 0, where "
        "log(1 - D(G(z))) is flat, so the generator gets no gradient and stops learning.",
        {"2d": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=2e-3, lr_g=1e-4),
         "images": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=1e-4)}),
    "diverging-lr": Preset(
        "Learning rate too large", "Plain SGD with learning rate 1: the weights explode within a few steps and a loss "
        "becomes NaN. The run stops with a message.",
        {"2d": dict(optimizer="sgd", lr_d=1.0, lr_g=1.0), "images": dict(optimizer="sgd", lr_d=1.0, lr_g=1.0)}),
}
PRESET_NAMES = ("custom", *PRESETS)


@dataclass
class LiveSettings:
    """Everything the user chooses for one live run (the API's ``/train`` arguments minus ``preset``)."""

    mode: str = "2d"
    dataset: str = "ring"
    k_disc: int = 1
    g_loss: str = "non-saturating"
    optimizer: str = "adam"
    lr_d: float = 1e-3
    lr_g: float = 1e-3
    batch_size: int = 512
    latent_dim: int = 2
    hidden: int = 128  # MLP width in 2-D mode, DCGAN base channel width in image mode
    steps: int = 1500
    seed: int = 0

    def __post_init__(self):
        check_settings(self)


def mode_defaults(mode: str) -> dict:
    """Model-size defaults that suit each mode; the optimiser settings come from the balanced preset."""
    sizes = {"2d": dict(dataset="ring", latent_dim=2, hidden=128, steps=1500),
             "images": dict(dataset="fashion", latent_dim=64, hidden=16, steps=300)}
    if mode not in sizes:
        raise ValueError(f"unknown mode {mode!r}; choose one of {MODES}")
    return dict(mode=mode, **sizes[mode], **PRESETS["balanced"].settings[mode])


def _bad(name: str, value, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r} is not allowed: {allowed}")


def check_settings(s: LiveSettings) -> None:
    """Raise a ValueError that names the bad setting and what is allowed."""
    if s.mode not in MODES:
        raise _bad("mode", s.mode, f"choose one of {MODES}")
    if s.dataset not in DATASETS[s.mode]:
        raise _bad("dataset", s.dataset, f"in {s.mode} mode choose one of {DATASETS[s.mode]}")
    if s.g_loss not in G_LOSSES:
        raise _bad("g_loss", s.g_loss, f"choose one of {G_LOSSES}")
    if s.optimizer not in OPTIMIZERS:
        raise _bad("optimizer", s.optimizer, f"choose one of {OPTIMIZERS}")
    caps = dict(steps=MAX_STEPS[s.mode], hidden=MAX_HIDDEN[s.mode], batch_size=MAX_BATCH[s.mode])
    for name in ("k_disc", "batch_size", "latent_dim", "hidden", "steps", "seed"):
        low, high = LIMITS[name][0], caps.get(name, LIMITS[name][1])
        value = getattr(s, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(name, value, f"a whole number from {low} to {high} in {s.mode} mode")
    for name in ("lr_d", "lr_g"):
        value = getattr(s, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or not LIMITS["lr"][0] <= value <= LIMITS["lr"][1]:
            raise _bad(name, value, f"a learning rate from {LIMITS['lr'][0]} to {LIMITS['lr'][1]}")


def with_preset(settings: LiveSettings, preset: str) -> LiveSettings:
    """``settings`` with the fields ``preset`` is about overwritten; 'custom' changes nothing."""
    if preset not in PRESET_NAMES:
        raise _bad("preset", preset, f"choose one of {PRESET_NAMES}")
    if preset == "custom":
        return settings
    return replace(settings, **PRESETS[preset].settings[settings.mode])


def settings_from_dict(values: dict) -> LiveSettings:
    """Rebuild settings saved with ``asdict`` (e.g. in a session state), ignoring unknown keys."""
    names = {f.name for f in fields(LiveSettings)}
    return LiveSettings(**{k: v for k, v in values.items() if k in names})


# -- building a run ------------------------------------------------------------------------------
def build_models(s: LiveSettings) -> tuple[nn.Module, nn.Module]:
    """G and D on the CPU, initialised from ``s.seed`` without touching the caller's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(s.seed)
        if s.mode == "2d":
            return (create_model("toy-gan.generator", latent_dim=s.latent_dim, hidden=s.hidden),
                    create_model("toy-gan.discriminator", hidden=s.hidden))
        # spectral=False: a plain BCE discriminator, so D(x) is a probability and the theory applies
        return (create_model("gan.generator", latent_dim=s.latent_dim, width=s.hidden),
                create_model("gan.discriminator", width=s.hidden, spectral=False))


def real_sampler(s: LiveSettings):
    """sample_real(n, rng) for the trainer, and the toy distribution in 2-D mode (None for images)."""
    if s.mode == "2d":
        dist = toy.toy_distribution(s.dataset)
        return (lambda n, rng: (dist.sample(n, rng), None)), dist
    images, _ = image_tensors(s.dataset, "train")
    return tensor_sampler(images[:IMAGE_SUBSET].contiguous()), None


def build_trainer(s: LiveSettings, device: torch.device | str = "cpu") -> tuple[GANTrainer, toy.ToyDistribution | None]:
    """A GANTrainer for ``s`` (no EMA: the theory is about G itself) and the 2-D target distribution."""
    G, D = build_models(s)
    sample, dist = real_sampler(s)
    cfg = GANConfig(k_disc=s.k_disc, g_loss=s.g_loss, optimizer=s.optimizer, lr_d=s.lr_d, lr_g=s.lr_g,
                    beta1=0.5, beta2=0.999, batch_size=s.batch_size, ema_decay=0.0, seed=s.seed)
    preview = N_POINTS if s.mode == "2d" else 64
    return GANTrainer(G.to(device), D.to(device), sample, cfg, device=device, preview_size=preview), dist


def cpu_snapshot(trainer: GANTrainer) -> dict:
    """A CPU deep copy of the trainer's state: it must survive the run and cross a process boundary."""
    def to_cpu(x):
        if isinstance(x, torch.Tensor):
            return x.detach().to("cpu", copy=True)
        if isinstance(x, dict):
            return {k: to_cpu(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(to_cpu(v) for v in x)
        return copy.deepcopy(x)
    return to_cpu(trainer.state_dict())


# -- what one frame shows ---------------------------------------------------------------------------
@dataclass
class Frame:
    """What the tab draws after some training steps. Plain data only: it is pickled out of a ZeroGPU worker."""

    records: list[dict]  # training records since the previous frame; the last one carries jsd/theory in 2-D
    step: int
    last_step: int  # the step this run stops at
    jsd: float | None = None  # JSD(p_r || p_g) in nats, 2-D mode
    modes: tuple[int, int] | None = None  # (modes covered, modes), 2-D mode
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


def binned_kde(points: torch.Tensor, lim: float, n: int, bandwidth: float) -> torch.Tensor:
    """A Gaussian KDE of (P, 2) points on ``toy.eval_grid(lim, n)``, as (n*n,) densities.

    Same estimate as ``metrics.kde`` up to binning, but counting points into grid cells and blurring the
    counts costs ~1 ms instead of ~200 ms (cdist of 6,400 cells by 1,000 points), so frames stay cheap.
    """
    cell = 2 * lim / (n - 1)
    idx = torch.round((points.double() + lim) / cell).long()  # (P, 2) column (x), row (y) of the nearest cell
    inside = ((idx >= 0) & (idx < n)).all(dim=1)
    counts = torch.bincount(idx[inside, 1] * n + idx[inside, 0], minlength=n * n).reshape(n, n).numpy()
    blurred = gaussian_filter(counts.astype(np.float64), sigma=bandwidth / cell, mode="constant", truncate=4.0)
    return torch.from_numpy(blurred.reshape(-1) / (len(points) * cell**2)).float()


class ToyViews:
    """The grid quantities of a 2-D run: p_r is exact, p_g is a KDE of fixed-noise generated points."""

    def __init__(self, dist: toy.ToyDistribution, seed: int):
        self.dist = dist
        self.points, self.cell_area = toy.eval_grid(GRID_LIM, GRID_N)  # (N*N, 2), row-major from the bottom
        self.p_real = dist.density(self.points)
        self.real = dist.sample(N_POINTS // 2, torch.Generator().manual_seed(seed + 2)).numpy()
        self.bandwidth = dist.std  # a kernel as wide as one mode: p_g is never sharper than the data

    def coverage(self, fake: torch.Tensor) -> tuple[int, int]:
        """(modes with a fair share of generated points within 3 std, modes)."""
        k = len(self.dist.centers)
        dist = torch.cdist(fake, self.dist.centers)  # (P, K)
        near = dist.min(dim=1).values < 3 * self.dist.std
        counts = torch.bincount(dist.argmin(dim=1)[near], minlength=k)
        return int((counts >= max(2.0, 0.2 * len(fake) / k)).sum()), k

    @torch.no_grad()
    def frame_fields(self, trainer: GANTrainer, pictures: bool = True) -> dict:
        """JSD and modes covered; with ``pictures`` also the D(x) and D*(x) maps (the costly part)."""
        fake = trainer.preview().float()  # (P, 2) from the fixed noise batch
        p_gen = binned_kde(fake, GRID_LIM, GRID_N, self.bandwidth)
        fields_ = dict(jsd=metrics.jsd(self.p_real, p_gen, self.cell_area), modes=self.coverage(fake))
        if not pictures:
            return fields_
        d_grid = torch.sigmoid(trainer.D(self.points.to(trainer.device))).cpu()
        d_star = metrics.optimal_discriminator(self.p_real, p_gen)
        # where neither density has any mass D* is a ratio of rounding errors: show it as undecided (1/2)
        total = self.p_real + p_gen
        d_star = torch.where(total > 1e-3 * total.max(), d_star, torch.full_like(d_star, 0.5))
        fake_np = fake.numpy()
        shape = (GRID_N, GRID_N)
        return fields_ | dict(heatmap=d_image(d_grid.reshape(shape).numpy(), GRID_LIM, real=self.real, fake=fake_np),
                              optimal=d_image(d_star.reshape(shape).numpy(), GRID_LIM, fake=fake_np))


@cache
def shipped_classifier(dataset: str, device: torch.device | str) -> nn.Module:
    """The shipped classifier, loaded once per process and device; read-only, so runs can share it."""
    return load_pretrained(f"classifier-{dataset}", device)


class ImageViews:
    """Image mode: the fixed-noise grid and, where the shipped classifier exists, its class histogram."""

    def __init__(self, dataset: str, device: torch.device | str):
        self.classes = dataset_info(dataset).classes
        try:
            self.classifier = shipped_classifier(dataset, device)
        except WeightsError as err:  # the tab still trains and draws; only the class check is skipped
            log.warning("no class histogram in live training: %s", err)
            self.classifier = None
        self.share: list[float] | None = None  # the latest class histogram

    @torch.no_grad()
    def frame_fields(self, trainer: GANTrainer, judge: bool = True, pictures: bool = True) -> dict:
        """With ``pictures`` the preview grid; the class histogram is fresh when ``judge``, else the last one
        (the classifier costs more than the rest of a frame, and the histogram changes slowly)."""
        if not (judge or pictures):
            return dict(class_share=self.share)
        samples = trainer.preview()  # (64, 1, 28, 28) in [-1, 1]
        if judge and self.classifier is not None:
            predicted = self.classifier(samples.to(trainer.device)).argmax(1).cpu()
            self.share = metrics.class_histogram(predicted, len(self.classes)).tolist()
        fields_ = dict(class_share=self.share)
        if pictures:
            fields_["preview"] = upscale(grid(to_uint8(samples), nrow=8), 2)
        return fields_

    def collapse_note(self, share: list[float]) -> str | None:
        """A lopsided histogram (one class over 40%, or fewer than half the classes seen) in plain words."""
        top = int(np.argmax(share))
        seen = sum(v > 0 for v in share)
        if share[top] > 0.4 or seen < len(share) / 2:
            return (f"Mode collapse: the classifier sees only {seen} of {len(share)} classes in the samples, and "
                    f"{share[top]:.0%} of them look like '{self.classes[top]}'. Try lr_g equal to lr_d.")
        return None


def window_mean(records: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in records]))


def health(recent: list[dict], modes: tuple[int, int] | None, s: LiveSettings, step: int) -> list[str]:
    """Plain-words diagnoses from the last records (and the mode count in 2-D)."""
    d_real, d_fake = window_mean(recent, "d_real"), window_mean(recent, "d_fake")
    notes = []
    if d_fake < 0.1 and d_real > 0.9:
        why = ("With the minimax loss log(1 - D(G(z))) is flat there, so the generator gets almost no gradient: "
               "try g_loss non-saturating, fewer D steps (k_disc) or a smaller lr_d."
               if s.g_loss == "minimax" else "Try fewer D steps (k_disc) or a smaller lr_d.")
        notes.append(f"The discriminator is winning: it rejects almost every fake (D(G(z)) = {d_fake:.2f}, "
                     f"D(x) = {d_real:.2f}). {why}")
    if modes is not None and step >= 200 and modes[0] < modes[1] / 2:
        notes.append(f"Mode collapse: the generated points cover only {modes[0]} of {modes[1]} modes. "
                     "A generator that learns much faster than the discriminator tends to do this: "
                     "try lr_g equal to lr_d.")
    if not notes and step >= 200 and abs(d_real - 0.5) < 0.1 and abs(d_fake - 0.5) < 0.1:
        notes.append(f"Close to the equilibrium: D(x) = {d_real:.2f} and D(G(z)) = {d_fake:.2f} are both near 1/2.")
    return notes


# -- the run --------------------------------------------------------------------------------------
class _Pacer:
    """When to emit a frame: every ``every`` s, but frames (with the consumer's drawing and sending) take at
    most ~1/``budget`` of the time, and a frame comes at least every ``max_gap`` s."""

    def __init__(self, every: float, max_gap: float = 0.6, budget: float = 25.0):
        self.every, self.max_gap, self.budget, self.next = every, max_gap, budget, 0.0

    def due(self) -> bool:
        return time.monotonic() >= self.next

    def done(self, started: float) -> None:
        """``started`` is when the frame began; now is when the consumer asked for the next one."""
        cost = time.monotonic() - started
        self.next = time.monotonic() + min(max(self.every, (self.budget - 1) * cost), self.max_gap)


@contextmanager
def torch_threads(n: int | None):
    """Run the body with ``n`` torch CPU threads, then restore the count (it is per OS thread under OpenMP,
    and a server runs other requests on the same worker threads between two frames)."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def stream(settings: LiveSettings, state: dict | None = None, *, frame_seconds: float = 0.25,
           snapshot_seconds: float = 2.0, judge_seconds: float = 6.0, max_seconds: float | None = None,
           device: torch.device | str | None = None, threads: int | None = None) -> Iterator[Frame]:
    """Train ``settings.steps`` more generator steps (from ``state`` if given), yielding frames as it goes.

    The training happens between the yields with ``threads`` torch CPU threads (default: the caller's count).
    Frames carry a trainer snapshot every ``snapshot_seconds``; in image mode the shipped classifier judges the
    samples every ``judge_seconds`` (it costs more than the rest of a frame, and the histogram moves slowly).
    Never raises on divergence: the last frame then has ``diverged=True`` and a message saying what to change.
    """
    device = device or pick_device()
    max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
    trainer, dist = build_trainer(settings, device)
    if state is not None:
        trainer.load_state_dict(state)
    views = ToyViews(dist, settings.seed) if dist is not None else None
    image_views = ImageViews(settings.dataset, device) if dist is None else None
    last_step = trainer.step + settings.steps
    # the first frame carries a snapshot too, so a run stopped in its first seconds can still be exported and continued
    pacer, snap_due, started = _Pacer(frame_seconds), time.monotonic(), time.monotonic()
    pending: list[dict] = []
    recent: list[dict] = []  # the last 50 records, for health messages
    message, diverged = f"Finished {last_step} steps.", False
    frames_made, judge_due = 0, time.monotonic()

    def frame(done: bool = False, snapshot: bool = False) -> Frame:
        nonlocal frames_made, judge_due
        # pictures on every other frame (and the last): the curves keep their pace, pictures cost the most
        pictures, frames_made = done or frames_made % 2 == 0, frames_made + 1
        out = Frame(records=pending.copy(), step=trainer.step, last_step=last_step, done=done)
        out.message, out.diverged = (message, diverged) if done else ("", False)
        if diverged:
            pass  # NaN weights: nothing meaningful to draw
        elif views is not None:
            for key, value in views.frame_fields(trainer, pictures).items():
                setattr(out, key, value)
            if pending:
                pending[-1].update(jsd=out.jsd, theory=metrics.minimax_value_at_optimum(out.jsd))
                out.records = pending.copy()
        else:
            judge = done or time.monotonic() >= judge_due
            judge_due = time.monotonic() + judge_seconds if judge else judge_due
            for key, value in image_views.frame_fields(trainer, judge, pictures).items():
                setattr(out, key, value)
        if recent:
            out.health = health(recent, out.modes, settings, trainer.step)
            note = image_views.collapse_note(out.class_share) if out.class_share and trainer.step >= 200 else None
            out.health += [note] if note else []
        if snapshot and not diverged:
            out.state = cpu_snapshot(trainer)
        pending.clear()
        return out

    steps, finished = trainer.run(settings.steps), False
    try:
        while not finished:
            out, finished = None, True
            with torch_threads(threads):  # only while training, not while the consumer draws the frame
                for record in steps:  # resumes the same run after each frame
                    pending.append(record)
                    recent.append(record)
                    del recent[:-50]
                    if time.monotonic() - started > max_seconds:
                        message = (f"Stopped at step {trainer.step}: the time limit of one run is "
                                   f"{max_seconds:.0f} s. Press Continue.")
                        break
                    if pacer.due():
                        snap = time.monotonic() >= snap_due
                        snap_due = time.monotonic() + snapshot_seconds if snap else snap_due
                        began = time.monotonic()
                        out, finished = frame(snapshot=snap), False
                        break
            if out is not None:
                yield out
                pacer.done(began)  # after the yield: the consumer's plotting counts as frame cost too
    except DivergenceError as err:
        log.info("live run diverged: %s", err)
        diverged = True
        message = (f"Training diverged at step {trainer.step + 1}: a loss became NaN or infinite, so the run stopped. "
                   f"The learning rates (lr_d={settings.lr_d:g}, lr_g={settings.lr_g:g}) are too large for "
                   f"{settings.optimizer}; try 1e-3 with adam, then press Start.")
    yield frame(done=True, snapshot=True)


def make_settings(preset: str = "custom", **values) -> LiveSettings:
    """Settings from named values with ``preset``'s fields filled in (what ``/train`` receives)."""
    if preset not in PRESET_NAMES:
        raise _bad("preset", preset, f"choose one of {PRESET_NAMES}")
    if preset != "custom":
        mode = values.get("mode", "2d")
        if mode not in MODES:
            raise _bad("mode", mode, f"choose one of {MODES}")
        values.update(PRESETS[preset].settings[mode])
    return LiveSettings(**values)
