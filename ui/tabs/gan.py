"""The GAN tab: seeded samples with the classifier's verdict, seed interpolation and a memorisation check."""
from __future__ import annotations

from collections import Counter

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.data import DATASETS
from gan_demo.device import gpu
from gan_demo.images import labelled_grid
from gan_demo.sampling import MAX_SEED, generate, make_noise
from gan_demo.sampling import sample as sample_images
from ui.common import check_dataset, check_float, check_int, display, get_model
from ui.components import (
    MAX_FRAMES,
    MAX_SAMPLES,
    animation,
    clear_on_switch,
    described,
    explanation,
    gif_file,
    guarded,
    initial,
    picture,
    random_seed,
    seed_input,
    slider,
)
from ui.lessons import lesson
from ui.tabs import judge
from ui.widgets.scrubber import scrubber, walk_frames

EXPLAIN = r"""
### A forger against a detective
The **generator** $G$ turns random noise $z \sim \mathcal{N}(0, I)$ into an image $G(z)$; the **discriminator** $D$
learns to tell real images from generated ones. They play a minimax game (Goodfellow et al., 2014):
$$\min_G \max_D \; \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big] + \mathbb{E}_{z \sim p_z}\big[\log\big(1 - D(G(z))\big)\big].$$
If $D$ were perfect, $G$ would be minimising the Jensen-Shannon divergence between its images and the real ones;
at the optimum the two distributions are equal. (The shipped models play the hinge-loss form of the same game.)

* **Seed** fixes $z$: the same seed always gives the same images. 🎲 draws a new one.
* **Noise scale** $s$ draws $G(s\, z)$. With $s < 1$ the noise stays near the centre of the Gaussian: more typical,
  cleaner, less varied images (the *truncation trick*); $s > 1$ goes the other way.
* Under each sample, an independent **classifier** trained on real images says what it sees, and how sure it is.
* **Interpolation** follows the great circle between the noise of two seeds (slerp): Gaussian noise lives near a
  sphere of radius $\approx\sqrt{d}$, and a straight line would cut through its unlikely centre.
* **Memorisation check**: click a sample to find its nearest training images. A copy would be at distance $\approx 0$;
  compare with how far real test images are from their nearest training image.
"""
NEAREST_K = 8


def _check_common(seed, truncation, dataset) -> tuple[int, float, str]:
    return (check_int(seed, "Seed", 0, MAX_SEED), check_float(truncation, "Noise scale", 0.1, 2.0),
            check_dataset(dataset))


def _samples(seed: int, n: int, truncation: float, dataset: str) -> np.ndarray:
    """uint8 (n, 28, 28) samples of the GAN of ``dataset``."""
    with torch.inference_mode():
        return sample_images(get_model(f"gan-{dataset}"), n, seed, scale=truncation).numpy()


def _one_sample(seed: int, n: int, index: int, truncation: float, dataset: str) -> np.ndarray:
    """Sample ``index`` of the batch (seed, n) as uint8 (28, 28), without generating the other n - 1.

    The generator is in eval mode (BatchNorm uses its running statistics), so each image depends only on its
    own noise row.
    """
    generator = get_model(f"gan-{dataset}")
    z = make_noise(n, generator.latent_dim, seed, truncation)[index:index + 1]  # (1, latent_dim)
    return generate(generator, z).numpy()[0]


def _verdicts(images: np.ndarray, dataset: str) -> tuple[list[str], np.ndarray]:
    labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
    return explore.verdicts(labels, confidence, DATASETS[dataset].classes), labels


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def sample(seed: float, n: float, truncation: float, dataset: str) -> tuple[list, str]:
    """``n`` samples, each captioned with the classifier's verdict, and a summary of the verdicts."""
    seed, truncation, dataset = _check_common(seed, truncation, dataset)
    n = check_int(n, "Number of samples", 1, MAX_SAMPLES)
    images = _samples(seed, n, truncation, dataset)
    captions, labels = _verdicts(images, dataset)
    counts = Counter(DATASETS[dataset].classes[k] for k in labels).most_common()
    summary = "**The classifier sees:** " + ", ".join(f"{c} × {name}" for name, c in counts)
    made = f"gan-{dataset}, seed {seed}"  # the caption is the picture's alt text too: what made it, then the verdict
    return [(display(x), f"#{i} {c} ({made})") for i, (x, c) in enumerate(zip(images, captions))], summary


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def nearest(seed: float, n: float, index: float, truncation: float, dataset: str) -> tuple[list, str]:
    """Sample ``index`` of the batch (seed, n) next to its nearest training images (RMS pixel distance)."""
    seed, truncation, dataset = _check_common(seed, truncation, dataset)
    n = check_int(n, "Number of samples", 1, MAX_SAMPLES)
    index = check_int(index, "Sample index", 0, n - 1)
    image = _one_sample(seed, n, index, truncation, dataset)
    idx, dist = explore.nearest(dataset, image, NEAREST_K)
    found, labels = explore.training_images(dataset, idx)
    classes = DATASETS[dataset].classes
    verdict = _verdicts(image[None], dataset)[0][0]
    gallery = [(display(image), f"sample #{index} {verdict} (gan-{dataset}, seed {seed})")]
    gallery += [(display(x), f"{d:.3f} · {classes[k]}") for x, d, k in zip(found, dist, labels)]
    typical = explore.typical_real_distance(dataset)
    verdict = "looks like a copy" if dist[0] < 0.25 * typical else "is not a copy of any training image"
    text = (f"Nearest training image: RMS pixel distance **{dist[0]:.3f}** (pixels 0..1). "
            f"Real test images are typically "
            f"**{typical:.3f}** from their nearest training image, so this sample {verdict}.")
    return gallery, text


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def interpolate_gan(seed_a: float, seed_b: float, frames: float, truncation: float,
                    dataset: str) -> tuple[np.ndarray, str, str]:
    """Images along the slerp path between the noise of two seeds: a labelled strip, a looping GIF and the
    frames for the scrubber."""
    seed_a, truncation, dataset = _check_common(seed_a, truncation, dataset)
    seed_b = check_int(seed_b, "Seed B", 0, MAX_SEED)
    frames = check_int(frames, "Frames", 3, MAX_FRAMES)
    with torch.inference_mode():
        images = explore.interpolate_seeds(get_model(f"gan-{dataset}"), seed_a, seed_b, frames, truncation)
    titles = [f"seed {seed_a}"] + [""] * (frames - 2) + [f"seed {seed_b}"]
    return (labelled_grid([list(images)], col_labels=titles, scale=3), gif_file(images),
            walk_frames(images, f"the slerp from seed {seed_a} to seed {seed_b}"))


def walk_alt(seed_a, seed_b, frames, truncation, dataset) -> str:
    """What the walk's strip shows, for a screen reader."""
    return (f"gan-{dataset}: {int(frames)} samples along the great circle from the noise of seed {int(seed_a)} "
            f"to that of seed {int(seed_b)}, noise scale {truncation:g}")


def pick_sample(evt: gr.SelectData) -> int:
    return evt.index


def build(dataset: gr.Radio) -> None:
    explanation(EXPLAIN)
    lesson("gan", dataset)
    with gr.Row():
        seed = seed_input(elem_id="gan-seed")
        dice = gr.Button("🎲 New seed", scale=0, min_width=120, elem_id="gan-dice")
        n = slider(1, MAX_SAMPLES, value=16, step=1, label="Number of samples", elem_id="gan-n")
        truncation = slider(0.1, 2.0, value=1.0, step=0.05, label="Noise scale (truncation)",
                               info="below 1: typical, cleaner; above 1: more varied, stranger", elem_id="gan-scale")
    run = gr.Button("Generate", variant="primary", elem_id="gan-run")
    shown = initial(sample, seed.value, n.value, truncation.value, dataset.value) or (None, None)
    gallery = gr.Gallery(shown[0], label="Samples with the classifier's verdict (click one for the memorisation check)",
                         columns=8, height="auto", format="png", allow_preview=False, elem_id="gan-gallery")
    summary = gr.Markdown(shown[1], label="Verdicts", elem_id="gan-summary")
    gr.Markdown("### Memorisation check")
    with gr.Row():
        index = guarded(gr.Number(value=0, precision=0, minimum=0, label="Sample index", scale=0, min_width=140))
        check = gr.Button("Find nearest training images", elem_id="gan-nearest-run")
    neighbours = gr.Gallery(label="The sample, then its nearest training images (distance · class)", columns=9,
                            height=200, format="png", allow_preview=False, elem_id="gan-nearest")
    verdict = gr.Markdown(label="Memorisation verdict", elem_id="gan-memorisation")
    gr.Markdown("### Walk from one seed to another")
    with gr.Row():
        seed_a, seed_b = seed_input("Seed A", 0), seed_input("Seed B", 1)
        frames = slider(3, MAX_FRAMES, value=10, step=1, label="Frames")
        gif = animation("gan-gif")
    interp_btn = gr.Button("Interpolate", variant="primary", elem_id="gan-interpolate")
    strip = picture("Slerp from seed A to seed B", "gan-strip", titled=True)
    walk = scrubber("gan-walk-scrub", "Along the walk", width="280px")

    sample_io = ([seed, n, truncation, dataset], [gallery, summary])
    nearest_io = ([seed, n, index, truncation, dataset], [neighbours, verdict])
    # Public endpoints first: a private event registered earlier would take the function's name.
    gr.on([run.click, truncation.release, dataset.change], sample, *sample_io, api_name="sample")
    check.click(nearest, *nearest_io, api_name="nearest")
    walk_inputs = [seed_a, seed_b, frames, truncation, dataset]
    described(interp_btn.click(interpolate_gan, walk_inputs, [strip, gif, walk], api_name="interpolate_gan"),
              walk_inputs, walk_alt, strip, gif)
    dice.click(random_seed, None, seed, api_visibility="private").success(sample, *sample_io, api_visibility="private")
    (gallery.select(pick_sample, None, index, api_visibility="private")
            .success(nearest, *nearest_io, api_visibility="private"))
    clear_on_switch(dataset, neighbours, verdict, strip, gif, walk)
    judge.build(dataset)
