"""What the VAE's ELBO finds likely: real test images against noisy ones, the other dataset and random scribbles.

    python experiments/vae_likelihoods.py

Prints median ELBOs (nats per image, 4 posterior samples each) for 100 real test images, 50 of them with Gaussian
noise of std 0.2 (the autoencoder tab's noise), 50 test images of the other dataset and 20 scribbles of three
thick random strokes. docs/tabs.md (Autoencoder vs VAE) quotes its figures.
"""
from __future__ import annotations

import numpy as np
import torch

from gan_demo import explore, load_pretrained
from gan_demo.data import load_split


def scribbles(n: int, seed: int = 0) -> np.ndarray:
    """``n`` uint8 (28, 28) images of three straight strokes, 3 pixels thick, between random points."""
    rng, out = np.random.default_rng(seed), np.zeros((n, 28, 28), np.uint8)
    for img in out:
        for _ in range(3):
            (r0, c0), (r1, c1) = rng.integers(4, 24, (2, 2))
            for t in np.linspace(0, 1, 40):
                r, c = int(r0 + t * (r1 - r0)), int(c0 + t * (c1 - c0))
                img[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = 255
    return out


def median_elbo(vae, images: np.ndarray) -> float:
    return float(np.median([e.elbo for e in explore.evidence(vae, images, samples=4)]))


def main() -> None:
    torch.set_num_threads(1)
    for dataset, other in (("mnist", "fashion"), ("fashion", "mnist")):
        vae = load_pretrained(f"vae-{dataset}")
        real, _ = load_split(dataset, "test")
        foreign, _ = load_split(other, "test")
        noisy = np.stack([explore.corrupt(image, 0.2) for image in real[:50].numpy()])
        print(f"vae-{dataset}: median ELBO (nats) real {median_elbo(vae, real[:100].numpy()):.0f}, "
              f"noisy {median_elbo(vae, noisy):.0f}, {other} {median_elbo(vae, foreign[:50].numpy()):.0f}, "
              f"scribbles {median_elbo(vae, scribbles(20)):.0f}")


if __name__ == "__main__":
    main()
