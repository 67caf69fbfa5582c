"""The conditional GAN tab: ask for a class, see content vs style in a class x seed grid, blend two classes."""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.device import gpu
from gan_demo.images import labelled_grid
from gan_demo.sampling import MAX_SEED
from gan_demo.sampling import sample as sample_images
from ui.common import check_dataset, check_int, display, get_model
from ui.components import (
    MAX_FRAMES,
    MAX_SAMPLES,
    animation,
    check_class,
    class_names,
    clear_on_switch,
    described,
    explanation,
    gif_file,
    initial,
    picture,
    random_seed,
    seed_input,
    slider,
)
from ui.lessons import lesson
from ui.widgets.scrubber import scrubber, walk_frames

EXPLAIN = r"""
### Asking for a class
A conditional GAN shows both players the label $y$: the generator draws $G(z, y)$ and the discriminator judges
image-label pairs,
$$\min_G \max_D \; \mathbb{E}_{(x, y) \sim p_\text{data}}\big[\log D(x, y)\big] + \mathbb{E}_{z \sim p_z,\, y \sim p(y)}\big[\log\big(1 - D(G(z, y), y)\big)\big].$$
Here the label enters the generator as a one-hot vector beside $z$ and through *conditional batch normalisation*,
a gain and a bias learned per class, $h \mapsto \gamma_y \odot \hat h + \beta_y$, and the discriminator through a
*projection*, $D(x, y) = \psi(\phi(x)) + e_y^\top \phi(x)$ (Miyato & Koyama, 2018). The Fashion-MNIST model's
discriminator also learns to classify real images from $\phi(x)$, and its generator is trained to make images that
this head assigns to $y$ (an auxiliary classifier, as in AC-GAN: Odena et al., 2017).

* **Agreement**: the share of samples that an independent classifier, trained on real images, assigns to the class
  you asked for.
* **Class × seed grid**: each row keeps its noise $z$, each column changes the label $y$. What stays the same along a
  row (thickness, slant, size) is *style*, carried by $z$; what changes is *content*, carried by $y$.
* **Between classes**: keep $z$ and blend the label, $\gamma = (1 - t)\,\gamma_A + t\,\gamma_B$ (the same for $\beta$).
"""
MAX_ROWS = 8


def _generator(dataset: str):
    return get_model(f"cgan-{dataset}")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def sample_conditional(class_name: str, n: float, seed: float, dataset: str) -> tuple[list, str]:
    """``n`` samples of one class with the classifier's verdicts, and the share it agrees with."""
    dataset = check_dataset(dataset)
    k = check_class(class_name, dataset)
    n, seed = check_int(n, "Number of samples", 1, MAX_SAMPLES), check_int(seed, "Seed", 0, MAX_SEED)
    with torch.inference_mode():
        images = sample_images(_generator(dataset), n, seed, labels=[k] * n).numpy()
        labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
    classes = class_names(dataset)
    captions = explore.verdicts(labels, confidence, tuple(classes))
    agree = int((labels == k).sum())
    text = f"**Agreement:** the classifier sees *{classes[k]}* in **{agree} of {n}** samples ({agree / n:.0%})."
    made = f"cgan-{dataset} asked for {classes[k]}, seed {seed}"  # the caption is the alt text too
    return [(display(x), f"#{i} {c} ({made})") for i, (x, c) in enumerate(zip(images, captions))], text


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def class_grid(seed: float, rows: float, dataset: str) -> np.ndarray:
    """Rows share one noise vector, columns are the classes: one labelled PNG."""
    dataset = check_dataset(dataset)
    seed, rows = check_int(seed, "Seed", 0, MAX_SEED), check_int(rows, "Rows", 1, MAX_ROWS)
    with torch.inference_mode():
        cells = explore.class_grid(_generator(dataset), seed, rows)  # (rows, K, 28, 28)
    return labelled_grid([list(r) for r in cells], col_labels=class_names(dataset),
                         row_labels=[f"z{i + 1}" for i in range(rows)], scale=3)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def interpolate_classes(class_a: str, class_b: str, seed: float, frames: float,
                        dataset: str) -> tuple[np.ndarray, str, str]:
    """Fixed noise, the label blended from class A to class B: a labelled strip, a looping GIF and the frames for
    the scrubber."""
    dataset = check_dataset(dataset)
    a, b = check_class(class_a, dataset), check_class(class_b, dataset)
    seed, frames = check_int(seed, "Seed", 0, MAX_SEED), check_int(frames, "Frames", 3, MAX_FRAMES)
    with torch.inference_mode():
        images = explore.interpolate_classes(_generator(dataset), a, b, seed, frames)  # (T, 28, 28)
    titles = [class_a] + [""] * (frames - 2) + [class_b]
    return (labelled_grid([list(images)], col_labels=titles, scale=3), gif_file(images),
            walk_frames(images, f"the label blended from {class_a} to {class_b}, noise of seed {seed}"))


def grid_alt(seed, rows, dataset) -> str:
    """What the class x seed grid shows, for a screen reader."""
    return (f"cgan-{dataset}: {int(rows)} rows, one noise vector each (seed {int(seed)}), by one column per class: "
            + ", ".join(class_names(dataset)))


def walk_alt(class_a, class_b, seed, frames, dataset) -> str:
    """What the class walk's strip shows, for a screen reader."""
    return (f"cgan-{dataset}: {int(frames)} samples with the label blended from {class_a} to {class_b}, "
            f"the noise of seed {int(seed)} held fixed")


def on_dataset(dataset: str):
    """The class menus list the classes of the new dataset."""
    classes = class_names(dataset)
    return (gr.Dropdown(choices=classes, value=classes[7]), gr.Dropdown(choices=classes, value=classes[0]),
            gr.Dropdown(choices=classes, value=classes[7]))


def _class_menu(label: str, classes: list[str], value: str, elem_id: str | None = None) -> gr.Dropdown:
    # allow_custom_value: the choices change with the dataset, so the handler checks the name itself
    return gr.Dropdown(classes, value=value, label=label, allow_custom_value=True, elem_id=elem_id)


def build(dataset: gr.Radio) -> None:
    explanation(EXPLAIN)
    lesson("cgan", dataset)
    classes = class_names(dataset.value)
    with gr.Row():
        wanted = _class_menu("Class", classes, classes[7], "cgan-class")
        n = slider(1, MAX_SAMPLES, value=16, step=1, label="Number of samples", elem_id="cgan-n")
        seed = seed_input(elem_id="cgan-seed")
        dice = gr.Button("🎲 New seed", scale=0, min_width=120, elem_id="cgan-dice")
    run = gr.Button("Generate", variant="primary", elem_id="cgan-run")
    shown = initial(sample_conditional, wanted.value, n.value, seed.value, dataset.value) or (None, None)
    gallery = gr.Gallery(shown[0], label="Samples with the classifier's verdict", columns=8, height="auto",
                         format="png", allow_preview=False, elem_id="cgan-gallery")
    agreement = gr.Markdown(shown[1], label="Agreement", elem_id="cgan-agreement")
    gr.Markdown("### Class × seed grid: content versus style")
    with gr.Row():
        grid_seed = seed_input("Seed of the first row", 0, "cgan-grid-seed")
        rows = slider(1, MAX_ROWS, value=4, step=1, label="Rows (noise vectors)")
    grid_btn = gr.Button("Draw the grid", variant="primary", elem_id="cgan-grid-run")
    grid_image = picture("Rows: same noise z. Columns: the class label y", "cgan-grid", titled=True,
                         value=initial(class_grid, grid_seed.value, rows.value, dataset.value),
                         alt_text=grid_alt(grid_seed.value, rows.value, dataset.value))
    gr.Markdown("### Walk from one class to another, noise held fixed")
    with gr.Row():
        class_a, class_b = _class_menu("Class A", classes, classes[0]), _class_menu("Class B", classes, classes[7])
        walk_seed = seed_input("Seed", 0)
        frames = slider(3, MAX_FRAMES, value=10, step=1, label="Frames")
        gif = animation("cgan-gif")
    walk_btn = gr.Button("Interpolate", variant="primary", elem_id="cgan-interpolate")
    strip = picture("Blending the label from A to B", "cgan-strip", titled=True)
    walk = scrubber("cgan-walk-scrub", "Along the blend", width="280px")

    sample_io = ([wanted, n, seed, dataset], [gallery, agreement])
    run.click(sample_conditional, *sample_io, api_name="sample_conditional")
    dice.click(random_seed, None, seed, api_visibility="private").success(
        sample_conditional, *sample_io, api_visibility="private")
    grid_inputs, walk_inputs = [grid_seed, rows, dataset], [class_a, class_b, walk_seed, frames, dataset]
    described(grid_btn.click(class_grid, grid_inputs, grid_image, api_name="class_grid"), grid_inputs, grid_alt,
              grid_image)
    described(dataset.change(on_dataset, dataset, [wanted, class_a, class_b], api_visibility="private")
              .success(sample_conditional, *sample_io, api_visibility="private")
              .success(class_grid, grid_inputs, grid_image, api_visibility="private"), grid_inputs, grid_alt,
              grid_image)
    described(walk_btn.click(interpolate_classes, walk_inputs, [strip, gif, walk], api_name="interpolate_classes"),
              walk_inputs, walk_alt, strip, gif)
    clear_on_switch(dataset, strip, gif, walk)
