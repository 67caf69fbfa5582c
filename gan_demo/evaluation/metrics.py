"""Pure metric functions: reconstruction error, Frechet distance, precision and recall, JSD and the optimal
discriminator."""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import linalg

LOG2 = math.log(2.0)


def mse(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error per image over all but the batch dimension: (B, ...) -> (B,)."""
    return (x.float() - y.float()).square().flatten(1).mean(1)


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 2.0) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image; ``data_range`` is 2 for images in [-1, 1]."""
    return 10 * torch.log10(data_range**2 / mse(x, y).clamp_min(1e-12))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between two feature sets (N, D)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(cov_a @ cov_b)
    if np.iscomplexobj(covmean):  # numerical noise can leave a tiny imaginary part
        covmean = covmean.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * covmean))


def knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each of the (N, D) points to its k-th nearest neighbour among the others (N,)."""
    distances = torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")  # exact: no |a|^2 + |b|^2 - 2ab
    return distances.kthvalue(k + 1, dim=1).values  # the first is the point itself, at distance 0


def covered(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Share of ``points`` inside at least one ball around ``centres`` of its ``radii``."""
    distances = torch.cdist(points, centres, compute_mode="donot_use_mm_for_euclid_dist")
    return (distances <= radii[None, :]).any(dim=1).double().mean().item()


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019) of ``fake`` features against ``real`` ones.

    Each set's manifold is the union of balls around its points reaching their k-th nearest neighbour. Precision:
    the share of generated points on the real manifold (are the samples realistic?). Recall: the share of real
    points on the generated manifold (does the generator cover what is real?). A generator that collapses onto a
    few images keeps its precision and loses its recall; a blurry one the other way round."""
    real_t, fake_t = torch.as_tensor(np.asarray(real, np.float64)), torch.as_tensor(np.asarray(fake, np.float64))
    return (covered(fake_t, real_t, knn_radii(real_t, k)), covered(real_t, fake_t, knn_radii(fake_t, k)))


def kde(points: torch.Tensor, at: torch.Tensor, bandwidth: float) -> torch.Tensor:
    """Gaussian kernel density estimate of (N, 2) ``points`` evaluated at (M, 2) locations -> (M,)."""
    sq = torch.cdist(at.double(), points.double()).square()
    log_k = -sq / (2 * bandwidth**2) - math.log(2 * math.pi * bandwidth**2)
    return (torch.logsumexp(log_k, dim=1) - math.log(len(points))).exp().float()


def jsd(p: torch.Tensor, q: torch.Tensor, cell_area: float = 1.0) -> float:
    """Jensen-Shannon divergence (nats, in [0, log 2]) between two densities sampled on a grid."""
    p = p.double() / (p.double().sum() * cell_area)
    q = q.double() / (q.double().sum() * cell_area)
    m = (p + q) / 2

    def kl(a: torch.Tensor) -> torch.Tensor:
        mask = a > 0
        return (a[mask] * (a[mask] / m[mask]).log()).sum() * cell_area

    return float((kl(p) + kl(q)) / 2)


def optimal_discriminator(p_real: torch.Tensor, p_gen: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_r(x) / (p_r(x) + p_g(x)); 1/2 where both densities vanish."""
    total = p_real + p_gen
    return torch.where(total > 0, p_real / total.clamp_min(1e-30), torch.full_like(total, 0.5))


def minimax_value_at_optimum(jsd_value: float) -> float:
    """L(G, D*) = 2 JSD(p_r || p_g) - 2 log 2 (Goodfellow et al., 2014, Theorem 1)."""
    return 2 * jsd_value - 2 * LOG2


def bits_per_pixel(log_likelihood_nats: float, pixels: int = 28 * 28) -> float:
    """A (bound on a) log-likelihood of an image in nats -> code length in bits per pixel: -ll / (pixels log 2)."""
    return -log_likelihood_nats / (pixels * math.log(2))


def class_histogram(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Share of samples per class (num_classes,), summing to 1."""
    counts = torch.bincount(labels.flatten().long(), minlength=num_classes).double()
    return (counts / counts.sum().clamp_min(1)).float()
