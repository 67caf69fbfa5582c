"""What the app asks of the trained models, as plain functions: no UI code here.

Images go in and come out as uint8 arrays (N, 28, 28); models are passed in by the caller. Work that is the
same for every request (the latent map of the test set, the training set as a search index) is computed
once per model and dataset and cached.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from .data import DATASETS, load_split, shuffled_split, to_model_range, to_uint8
from .evaluation.metrics import bits_per_pixel, mse, psnr
from .palettes import CLASS_COLORS
from .sampling import generate, make_noise, model_device, slerp

MAP_POINTS = 3000  # test images on the latent map
MANIFOLD_SIZE = 12  # decodes per side of the manifold grid
MARK_FONT = 16  # pixels: the words drawn on a map picture ("your image", the markers' key), readable projected
NOISE_SEED = 0  # the corruption noise is fixed so the noise slider is the only thing that changes it


def _to_model(images: np.ndarray | torch.Tensor, model: nn.Module) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1] on the model's device."""
    return to_model_range(torch.as_tensor(np.asarray(images, np.uint8))).to(model_device(model))


# --- the classifier ------------------------------------------------------------------------------------

@torch.inference_mode()
def classify(classifier: nn.Module, images: np.ndarray | torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 28, 28) -> predicted class (N,) and its softmax probability (N,)."""
    probs = classifier(_to_model(images, classifier)).softmax(1).cpu()  # (N, K)
    confidence, label = probs.max(1)
    return label.numpy(), confidence.numpy()


def verdicts(labels: np.ndarray, confidences: np.ndarray, classes: tuple[str, ...]) -> list[str]:
    """Captions such as 'Sneaker 97%'."""
    return [f"{classes[int(k)]} {c:.0%}" for k, c in zip(labels, confidences)]


# --- the autoencoder ------------------------------------------------------------------------------------

@dataclass
class Reconstruction:
    noisy: np.ndarray  # uint8 (28, 28): the input after corruption, what the encoder sees
    output: np.ndarray  # uint8 (28, 28)
    mse: float  # against the clean input, pixels in [-1, 1]
    psnr: float  # dB
    noisy_psnr: float  # dB of the noisy input against the clean one: what denoising has to beat
    point: np.ndarray  # (2,) the code's position on the latent map


def corrupt(image: np.ndarray, noise: float, seed: int = NOISE_SEED) -> np.ndarray:
    """Add Gaussian noise of std ``noise`` (in units of the [0, 1] pixel range) to a uint8 image."""
    if noise <= 0:
        return np.asarray(image, np.uint8)
    g = torch.Generator(device="cpu").manual_seed(seed)
    n = torch.randn(np.shape(image), generator=g).numpy() * noise * 255
    return np.clip(np.asarray(image, np.float32) + n, 0, 255).round().astype(np.uint8)


@torch.inference_mode()
def reconstruct(autoencoder: nn.Module, image: np.ndarray, noise: float = 0.0) -> Reconstruction:
    """Corrupt ``image`` (uint8 28x28) with ``noise``, encode and decode it, and score it against the clean image."""
    noisy = corrupt(image, noise)
    z = autoencoder.encode(_to_model(noisy[None], autoencoder))  # (1, latent_dim)
    x_hat = autoencoder.decode(z)  # (1, 1, 28, 28)
    clean, corrupted = _to_model(np.asarray(image)[None], autoencoder), _to_model(noisy[None], autoencoder)
    return Reconstruction(noisy, to_uint8(x_hat)[0].numpy(), float(mse(x_hat, clean)), float(psnr(x_hat, clean)),
                          float(psnr(corrupted, clean)), autoencoder.to_map(z)[0].cpu().numpy())


@torch.inference_mode()
def encode_to_map(autoencoder: nn.Module, images: np.ndarray | torch.Tensor) -> np.ndarray:
    """uint8 (N, 28, 28) -> positions on the 2-D latent map (N, 2)."""
    x = _to_model(images, autoencoder)
    return torch.cat([autoencoder.to_map(autoencoder.encode(c)) for c in x.split(1000)]).cpu().numpy()


@dataclass
class LatentMap:
    points: np.ndarray  # (N, 2) map positions of test images
    labels: np.ndarray  # (N,)
    xlim: tuple[float, float]
    ylim: tuple[float, float]


@lru_cache(maxsize=8)
def latent_map(autoencoder: nn.Module, dataset: str, n: int = MAP_POINTS) -> LatentMap:
    """The first ``n`` test images on the map, with limits that leave out the farthest 1% of points."""
    images, labels = load_split(dataset, "test")
    points = encode_to_map(autoencoder, images[:n])
    lo, hi = np.percentile(points, [1, 99], axis=0)
    margin = 0.05 * (hi - lo)
    return LatentMap(points, labels[:n].numpy(), (lo[0] - margin[0], hi[0] + margin[0]),
                     (lo[1] - margin[1], hi[1] + margin[1]))


def grid_points(m: LatentMap, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The map coordinates of a size x size grid inside the map's limits: xs (size,) left to right, ys (size,) top
    row first (largest y). A margin of one spacing on each side, so the grid lines up with the map's axes."""
    return np.linspace(*m.xlim, size + 2)[1:-1], np.linspace(*m.ylim, size + 2)[1:-1][::-1]


@lru_cache(maxsize=8)
def manifold(autoencoder: nn.Module, dataset: str, size: int = MANIFOLD_SIZE) -> np.ndarray:
    """Decodes of a size x size grid over the latent map: uint8 (size, size, 28, 28), top row = largest y."""
    xs, ys = grid_points(latent_map(autoencoder, dataset), size)
    grid = torch.tensor(np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2), dtype=torch.float32)  # (size^2, 2)
    with torch.inference_mode():
        x = autoencoder.decode(autoencoder.from_map(grid.to(model_device(autoencoder))))
    return to_uint8(x).numpy().reshape(size, size, 28, 28)


@lru_cache(maxsize=8)
def grid_neighbours(autoencoder: nn.Module, dataset: str, size: int, k: int) -> np.ndarray:
    """For each point of :func:`manifold`'s size x size grid, the ``k`` test images nearest it on the map, nearest
    first: indices into :func:`latent_map`'s points (the first test images), (size, size, k). Distances count each
    axis in units of the map's range along it, as the picture shows them."""
    m = latent_map(autoencoder, dataset)
    xs, ys = grid_points(m, size)
    centres = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 1, 2)  # (size^2, 1, 2)
    span = np.array([m.xlim[1] - m.xlim[0], m.ylim[1] - m.ylim[0]])
    d = (((centres - m.points[None]) / span) ** 2).sum(-1)  # (size^2, N)
    return np.argsort(d, axis=1)[:, :k].reshape(size, size, k)


@torch.inference_mode()
def interpolate_images(autoencoder: nn.Module, a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """Decodes along the straight line between the codes of two uint8 images: (steps, 28, 28)."""
    z = autoencoder.encode(_to_model(np.stack([a, b]), autoencoder))  # (2, latent_dim)
    t = torch.linspace(0, 1, steps, device=z.device)[:, None]
    return to_uint8(autoencoder.decode(torch.lerp(z[0], z[1], t))).numpy()


# --- the variational autoencoder beside the autoencoder -------------------------------------------------

@torch.inference_mode()
def decode_random_codes(models: list[nn.Module], n: int, seed: int) -> list[np.ndarray]:
    """The same seeded codes z ~ N(0, I) decoded by each model: one uint8 (n, 28, 28) per model.

    Models with the same ``latent_dim`` get identical codes (each draws from the same seed)."""
    return [to_uint8(m.decode(make_noise(n, m.latent_dim, seed).to(model_device(m)))).numpy() for m in models]


@dataclass
class Evidence:
    """The VAE's evidence lower bound for one image, in nats (averaged over posterior samples)."""

    elbo: float  # <= log p(x): how likely the model finds the image
    recon: float  # E_q[log p(x|z)]: how well the codes it would use redraw it
    kl: float  # KL(q(z|x) || N(0, I)): how far those codes are from the prior
    bits_per_pixel: float  # -elbo / (784 log 2): an upper bound on the image's code length


@torch.inference_mode()
def evidence(vae: nn.Module, images: np.ndarray, samples: int = 16, seed: int = 0) -> list[Evidence]:
    """The ELBO of each uint8 (N, 28, 28) image, averaged over ``samples`` seeded posterior draws."""
    x = _to_model(images, vae)
    rng = torch.Generator().manual_seed(seed)
    terms = [vae.elbo(x, rng) for _ in range(samples)]
    mean = {key: torch.stack([t[key] for t in terms]).mean(0).cpu() for key in ("elbo", "recon", "kl")}
    return [Evidence(float(e), float(r), float(k), bits_per_pixel(float(e)))
            for e, r, k in zip(mean["elbo"], mean["recon"], mean["kl"])]


@lru_cache(maxsize=8)
def typical_evidence(vae: nn.Module, dataset: str, n: int = 200) -> float:
    """The median ELBO of ``n`` real test images (every class): the yardstick for one image's ELBO."""
    images, _ = shuffled_split(dataset, "test", 0, n)
    return float(np.median([e.elbo for e in evidence(vae, images.numpy(), samples=4)]))


@lru_cache(maxsize=8)
def axes_by_use(vae: nn.Module, dataset: str, n: int = 1000) -> np.ndarray:
    """The latent axes ordered by how much the VAE uses them (mean KL over test images, largest first)."""
    images, _ = load_split(dataset, "test")
    with torch.inference_mode():
        kl = vae.kl_per_dim(_to_model(images[:n], vae)).cpu().numpy()
    return np.argsort(-kl, kind="stable")


@torch.inference_mode()
def traverse(vae: nn.Module, image: np.ndarray, axis: int, span: float, steps: int) -> np.ndarray:
    """Decodes of the image's mean code with one ``axis`` swept over [-span, span]: uint8 (steps, 28, 28)."""
    z = vae.encode(_to_model(np.asarray(image)[None], vae)).repeat(steps, 1)  # (steps, latent_dim)
    z[:, axis] = torch.linspace(-span, span, steps, device=z.device)
    return to_uint8(vae.decode(z)).numpy()


# --- the latent map as a picture ---------------------------------------------------------------------------

@dataclass
class MapPicture:
    image: np.ndarray  # RGB (H, W, 3)
    box: tuple[float, float, float, float]  # the axes' pixel box: left, top, right, bottom
    xlim: tuple[float, float]
    ylim: tuple[float, float]


@lru_cache(maxsize=8)
def map_picture(autoencoder: nn.Module, dataset: str) -> MapPicture:
    """The scatter plot of the test set, coloured by class (colour-blind-safe colours, gan_demo/palettes.py) and
    with each class's name written at the median of its points, so colour is not the only cue; rendered once
    (matplotlib is slow). Its text is sized for a projector as well as a laptop (class names 14 px, the rest 13 to
    15 px at the picture's own size), since one picture serves both."""
    from matplotlib import patheffects  # noqa: PLC0415 - only needed for this picture
    from matplotlib.figure import Figure  # noqa: PLC0415 - a bare Figure renders with Agg, no pyplot state

    m, classes = latent_map(autoencoder, dataset), DATASETS[dataset].classes
    fig = Figure(figsize=(5.6, 4.6), dpi=100)
    ax = fig.add_axes((0.11, 0.1, 0.6, 0.84))
    for k, name in enumerate(classes):
        p = m.points[m.labels == k]
        ax.scatter(p[:, 0], p[:, 1], s=6, color=CLASS_COLORS[k], label=name, alpha=0.7, linewidths=0)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    present = [k for k in range(len(classes)) if (m.labels == k).any()]
    middles = np.array([np.median(m.points[m.labels == k], axis=0) for k in present])  # (K, 2)
    for k, (x, y) in zip(present, _apart(middles, m.xlim, m.ylim)):
        ax.text(x, y, classes[k], fontsize=10, weight="bold", ha="center", va="center", color="black",
                path_effects=halo)
    ax.set(xlim=m.xlim, ylim=m.ylim)
    ax.set_xlabel("map axis 1", fontsize=10)
    ax.set_ylabel("map axis 2", fontsize=10)
    ax.tick_params(labelsize=9.5)
    ax.set_title(f"{len(m.points)} test images in the latent map", fontsize=11)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=2.5, fontsize=10, frameon=False,
              handletextpad=0.1, borderaxespad=0.2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    image = np.asarray(Image.open(buffer).convert("RGB"))
    x0, y0, x1, y1 = ax.get_window_extent().extents  # matplotlib counts y from the bottom
    h = image.shape[0]
    return MapPicture(image, (x0, h - y1, x1, h - y0), m.xlim, m.ylim)


def _apart(points: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> np.ndarray:
    """Label positions (K, 2) moved down, one line at a time, until no two labels overlap (a label is taken as
    a sixth of the width wide and a twentieth of the height tall); the first keeps its place."""
    w, h = (xlim[1] - xlim[0]) / 6, (ylim[1] - ylim[0]) / 20
    placed = []
    for x, y in points:
        while any(abs(x - px) < w and abs(y - py) < h for px, py in placed):
            y -= h
        placed.append((x, y))
    return np.array(placed)


def mark_point(picture: MapPicture, point: np.ndarray | None, label: str = "your image") -> np.ndarray:
    """The map with ``point`` (2,) drawn as a labelled black-and-white target; the cached picture is untouched."""
    canvas = Image.fromarray(picture.image)
    if point is not None:
        left, top, right, bottom = picture.box
        fx = (point[0] - picture.xlim[0]) / (picture.xlim[1] - picture.xlim[0])
        fy = (point[1] - picture.ylim[0]) / (picture.ylim[1] - picture.ylim[0])
        x = left + np.clip(fx, 0, 1) * (right - left)  # clipped: an outlier is shown on the edge, not lost
        y = bottom - np.clip(fy, 0, 1) * (bottom - top)
        draw = ImageDraw.Draw(canvas)
        for r, colour in ((10, "white"), (8, "black"), (5, "red")):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        draw.text((x + 11, y), label, fill="black", anchor="lm", font=ImageFont.load_default(size=MARK_FONT),
                  stroke_width=2, stroke_fill="white")
    return np.asarray(canvas)


# --- GANs ------------------------------------------------------------------------------------------------

def seed_noise(latent_dim: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    """The noise vector (latent_dim,) of one seed: the first row of that seed's batch."""
    return make_noise(1, latent_dim, seed, scale)[0]


def interpolate_seeds(generator: nn.Module, seed_a: int, seed_b: int, steps: int, scale: float = 1.0) -> np.ndarray:
    """Images along the great circle between the noise of two seeds (slerp): uint8 (steps, 28, 28)."""
    a, b = (seed_noise(generator.latent_dim, s, scale) for s in (seed_a, seed_b))
    return generate(generator, slerp(a, b, torch.linspace(0, 1, steps))).numpy()


def class_grid(generator: nn.Module, seed: int, rows: int) -> np.ndarray:
    """Rows share one noise vector, columns change the class: uint8 (rows, num_classes, 28, 28)."""
    k = generator.num_classes
    z = make_noise(rows, generator.latent_dim, seed).repeat_interleave(k, dim=0)  # (rows * k, latent_dim)
    labels = torch.arange(k).repeat(rows)  # (rows * k,)
    return generate(generator, z, labels).numpy().reshape(rows, k, 28, 28)


def interpolate_classes(generator: nn.Module, class_a: int, class_b: int, seed: int, steps: int) -> np.ndarray:
    """One noise vector, the label blended from ``class_a`` to ``class_b``: uint8 (steps, 28, 28)."""
    t = torch.linspace(0, 1, steps)[:, None]  # (steps, 1)
    one_hot = torch.eye(generator.num_classes)
    weights = (1 - t) * one_hot[class_a] + t * one_hot[class_b]  # (steps, K): soft labels
    z = seed_noise(generator.latent_dim, seed).expand(steps, -1)
    return generate(generator, z, weights).numpy()


# --- memorisation check: nearest training images ------------------------------------------------------------

@dataclass
class PixelIndex:
    vectors: torch.Tensor  # (N, 784) training images in [0, 1]
    sq_norms: torch.Tensor  # (N,)
    labels: torch.Tensor  # (N,)


@lru_cache(maxsize=2)
def pixel_index(dataset: str) -> PixelIndex:
    """The training split flattened to float once (~0.2 s, 190 MB for 60,000 images)."""
    images, labels = load_split(dataset, "train")
    vectors = images.reshape(len(images), -1).float().div_(255)
    return PixelIndex(vectors, vectors.square().sum(1), labels)


def _nearest(index: PixelIndex, queries: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Queries (Q, 784) in [0, 1] -> indices (Q, k) and RMS distances (Q, k) of their nearest training images."""
    sq = index.sq_norms - 2 * queries @ index.vectors.T + queries.square().sum(1, keepdim=True)  # (Q, N)
    dist, idx = sq.clamp_min(0).topk(min(k, sq.shape[1]), dim=1, largest=False)
    return idx, (dist / queries.shape[1]).sqrt()


def nearest(dataset: str, image: np.ndarray, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Indices (k,) of the training images closest to ``image`` (uint8 28x28) and their RMS pixel distance (k,).

    The distance is sqrt(mean squared difference) with pixels in [0, 1]: 0 is an exact copy.
    """
    q = torch.as_tensor(np.asarray(image, np.float32).reshape(1, -1) / 255)  # (1, 784)
    idx, dist = _nearest(pixel_index(dataset), q, k)
    return idx[0].numpy(), dist[0].numpy()


@lru_cache(maxsize=2)
def typical_real_distance(dataset: str, n: int = 200) -> float:
    """Median distance from a real test image (``n`` of every class) to its nearest training image: the yardstick for
    'close'."""
    images, _ = shuffled_split(dataset, "test", 0, n)
    q = images.reshape(-1, 784).float() / 255  # (n, 784)
    return float(_nearest(pixel_index(dataset), q, 1)[1].median())


def training_images(dataset: str, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (k, 28, 28) training images and their labels (k,)."""
    images, labels = load_split(dataset, "train")
    idx = torch.as_tensor(indices)
    return images[idx].numpy(), labels[idx].numpy()
