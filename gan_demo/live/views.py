"""What a live run shows besides its records: the 2-D grid quantities and maps, or the image grid and its classes.

Both views read the trainer's fixed-noise preview, so frames are comparable over time; both return the
:class:`~gan_demo.live.frame.Frame` fields they fill as a dict.
"""
from __future__ import annotations

import logging

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from ..data import dataset_info, to_uint8, toy
from ..evaluation import metrics
from ..hub import WeightsError, cached_pretrained
from ..images import grid, upscale
from ..training import GANTrainer
from ..training.losses import generator_loss
from .pictures import d_image

log = logging.getLogger(__name__)

GRID_LIM, GRID_N = 3.0, 64  # [-3, 3]^2 in 64x64 cells (about one mode's std wide) covers every toy
N_POINTS = 1000  # fixed-noise generated points for the scatter, the KDE and the mode count
N_ARROWS = 150  # generated points that show G's push as an arrow
# An arrow is the push -grad_x (G's loss) of one point, ARROW_SCALE map units per unit of gradient, at most
# ARROW_MAX long: a fixed scale, so a vanishing gradient shows as arrows that vanish.
ARROW_SCALE, ARROW_MAX = 0.15, 0.5


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

    def __init__(self, dist: toy.ToyDistribution, seed: int, g_loss: str = "non-saturating"):
        self.dist, self.g_loss = dist, g_loss
        self.points, self.cell_area = toy.eval_grid(GRID_LIM, GRID_N)  # (N*N, 2), row-major from the bottom
        self.bandwidth = dist.std  # a kernel as wide as one mode: p_g is never sharper than the data
        # p_g is a KDE, so p_r is blurred by the same kernel: a generator that matches the data reads JSD ~ 0
        self.p_real = dist.blurred(self.bandwidth).density(self.points)
        self.real = dist.sample(N_POINTS // 2, torch.Generator().manual_seed(seed + 2)).numpy()
        self.jsd_floor = self.jsd(dist.sample(N_POINTS, torch.Generator().manual_seed(seed + 3)))

    def jsd(self, points: torch.Tensor) -> float:
        """JSD (nats) between p_r and the KDE of ``points``, both blurred by the same kernel, on the grid."""
        return metrics.jsd(self.p_real, binned_kde(points, GRID_LIM, GRID_N, self.bandwidth), self.cell_area)

    @torch.no_grad()
    def frame_fields(self, trainer: GANTrainer, pictures: bool = True, judge: bool = True) -> dict:
        """JSD and modes covered; with ``pictures`` also the D(x) and D*(x) maps (the costly part).
        ``judge`` is for image mode: 2-D frames have no classifier."""
        fake = trainer.preview().float()  # (P, 2) from the fixed noise batch
        p_gen = binned_kde(fake, GRID_LIM, GRID_N, self.bandwidth)
        fields_ = dict(jsd=metrics.jsd(self.p_real, p_gen, self.cell_area), jsd_floor=self.jsd_floor,
                       modes=self.dist.mode_coverage(fake))
        if not pictures:
            return fields_
        d_grid = torch.sigmoid(trainer.D(self.points.to(trainer.device))).cpu()
        d_star = metrics.optimal_discriminator(self.p_real, p_gen)
        # where neither density has any mass D* is a ratio of rounding errors: fade it smoothly to undecided (1/2)
        total = self.p_real + p_gen
        weight = total / (total + 1e-3 * total.max())
        d_star = 0.5 + (d_star - 0.5) * weight
        fake_np = fake.numpy()
        shape = (GRID_N, GRID_N)
        pushes = self.pushes(trainer, fake[:N_ARROWS])
        return fields_ | dict(
            heatmap=d_image(d_grid.reshape(shape).numpy(), GRID_LIM, real=self.real, fake=fake_np, pushes=pushes,
                            what="D(x): what D says now"),
            optimal=d_image(d_star.reshape(shape).numpy(), GRID_LIM, fake=fake_np,
                            what="D*(x) = p_r / (p_r + p_g)"))

    def pushes(self, trainer: GANTrainer, points: torch.Tensor) -> np.ndarray:
        """Where G's loss pushes each generated point: -d loss / d x per point (the generator moves its points
        down this gradient through its weights), at the fixed arrow scale, (P, 2)."""
        with torch.enable_grad():
            x = points.to(trainer.device).requires_grad_(True)
            loss = generator_loss(trainer.D(x), self.g_loss) * len(x)  # the sum: each point's own gradient
            (grad,) = torch.autograd.grad(loss, x)
        push = -grad.cpu() * ARROW_SCALE
        length = push.norm(dim=1, keepdim=True)
        return (push * torch.clamp(ARROW_MAX / length.clamp_min(1e-12), max=1.0)).numpy()


class ImageViews:
    """Image mode: the fixed-noise grid and, where the shipped classifier exists, its class histogram."""

    def __init__(self, dataset: str, device: torch.device | str):
        self.classes = dataset_info(dataset).classes
        try:  # loaded once per process and device, read-only, so runs share it
            self.classifier = cached_pretrained(f"classifier-{dataset}", device)
        except WeightsError as err:  # the tab still trains and draws; only the class check is skipped
            log.warning("no class histogram in live training: %s", err)
            self.classifier = None
        self.share: list[float] | None = None  # the latest class histogram

    @torch.no_grad()
    def frame_fields(self, trainer: GANTrainer, pictures: bool = True, judge: bool = True) -> dict:
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
