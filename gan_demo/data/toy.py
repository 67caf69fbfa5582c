"""2-D toy distributions with exact densities, for the live training tab.

Each one is an equal-weight mixture of isotropic Gaussians, so it can both draw samples and
evaluate its true density p_r(x): the exact optimal discriminator D*(x) = p_r / (p_r + p_g) and the
Jensen-Shannon divergence need it. Curves (spiral, moons) are chains of overlapping Gaussians.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ToyDistribution:
    name: str
    centers: torch.Tensor  # (K, 2)
    std: float
    # (K,) the mode each centre belongs to, for mode counts (a drawn stroke is one mode made of many centres);
    # None: every centre is a mode of its own
    groups: torch.Tensor | None = None

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, 2) points."""
        k = torch.randint(len(self.centers), (n,), generator=generator)
        return self.centers[k] + self.std * torch.randn(n, 2, generator=generator)

    def log_density(self, points: torch.Tensor) -> torch.Tensor:
        """log p_r at (N, 2) points -> (N,)."""
        sq = torch.cdist(points.double(), self.centers.double()).square()  # (N, K)
        log_norm = math.log(2 * math.pi * self.std**2) + math.log(len(self.centers))
        return (torch.logsumexp(-sq / (2 * self.std**2), dim=1) - log_norm).float()

    def density(self, points: torch.Tensor) -> torch.Tensor:
        return self.log_density(points).exp()

    def blurred(self, bandwidth: float) -> ToyDistribution:
        """This mixture convolved with a Gaussian kernel of width ``bandwidth``: what a kernel density estimate of
        its own samples converges to (the variances add), so p_r and a KDE of p_g can be compared like for like."""
        return ToyDistribution(self.name, self.centers, math.sqrt(self.std**2 + bandwidth**2), self.groups)

    def nearest_mode(self, points: torch.Tensor) -> torch.Tensor:
        """Index of the closest mixture centre for each point (N,), for mode-coverage checks."""
        return torch.cdist(points, self.centers).argmin(dim=1)

    def mode_coverage(self, points: torch.Tensor, radius: float = 3.0, share: float = 0.2) -> tuple[int, int]:
        """(modes covered, modes) by (N, 2) points: a mode is covered when at least ``share`` of the points it
        would get if they followed the data (and at least 2) lie within ``radius`` std of one of its centres and
        nearer it than any other centre. Without ``groups`` each centre is a mode and gets an even split."""
        k = len(self.centers)
        distance, nearest = torch.cdist(points, self.centers).min(dim=1)  # (N,) each, as in nearest_mode
        counts = torch.bincount(nearest[distance < radius * self.std], minlength=k)
        groups = self.groups if self.groups is not None else torch.arange(k)
        m = int(groups.max()) + 1
        per_mode = torch.zeros(m, dtype=counts.dtype).index_add_(0, groups, counts)
        expected = torch.bincount(groups, minlength=m) * len(points) / k  # the data's share of each mode
        return int((per_mode >= torch.clamp(share * expected, min=2.0)).sum()), m


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.1) -> ToyDistribution:
    angles = torch.arange(n_modes) * 2 * math.pi / n_modes
    return ToyDistribution("ring", radius * torch.stack([angles.cos(), angles.sin()], 1), std)


def grid(side: int = 5, spacing: float = 1.0, std: float = 0.08) -> ToyDistribution:
    ticks = (torch.arange(side) - (side - 1) / 2) * spacing
    return ToyDistribution("grid", torch.cartesian_prod(ticks, ticks), std)


def spiral(n: int = 60, turns: float = 1.5, std: float = 0.08) -> ToyDistribution:
    t = torch.linspace(0, 1, n)
    r, theta = 0.3 + 1.9 * t, 2 * math.pi * turns * t
    return ToyDistribution("spiral", torch.stack([r * theta.cos(), r * theta.sin()], 1), std)


def moons(n: int = 30, std: float = 0.08) -> ToyDistribution:
    a = torch.linspace(0, math.pi, n)
    upper = torch.stack([a.cos(), a.sin()], 1)
    lower = torch.stack([1 - a.cos(), 0.5 - a.sin()], 1)
    centers = torch.cat([upper, lower]) - torch.tensor([0.5, 0.25])
    return ToyDistribution("moons", 1.6 * centers, std)


TOYS = {"ring": ring, "grid": grid, "spiral": spiral, "moons": moons}


def toy_distribution(name: str) -> ToyDistribution:
    """A built-in toy by name, or a drawn one registered with :func:`gan_demo.data.drawn.register`."""
    from .drawn import registered  # noqa: PLC0415 - drawn builds on this module

    if name in TOYS:
        return TOYS[name]()
    drawn = registered(name)
    if drawn is None:
        raise ValueError(f"unknown 2-D distribution {name!r}; choose one of {sorted(TOYS)} or a drawn one")
    return drawn


def eval_grid(lim: float = 3.0, n: int = 100) -> tuple[torch.Tensor, float]:
    """(n*n, 2) cell centres covering [-lim, lim]^2 and the area of one cell."""
    ticks = torch.linspace(-lim, lim, n)
    xx, yy = torch.meshgrid(ticks, ticks, indexing="xy")
    return torch.stack([xx.flatten(), yy.flatten()], 1), float((ticks[1] - ticks[0]) ** 2)
