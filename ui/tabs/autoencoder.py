"""The autoencoder tab: reconstruct an example, an upload or a drawing; see it on the latent map; interpolate."""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.data import DATASETS
from gan_demo.device import gpu
from gan_demo.images import error_heatmap, grid, labelled_grid, upscale
from ui.common import check_dataset, check_float, check_int, get_model
from ui.components import (
    MAX_FRAMES,
    animation,
    clear_on_switch,
    described,
    example_gallery,
    example_image,
    example_paths,
    explanation,
    gif_file,
    image_picker,
    image_upload,
    initial,
    load_upload,
    picture,
    slider,
)
from ui.lessons import lesson
from ui.tabs import latent, vae
from ui.widgets.explorer import OnDemand, autoencoder_explorer
from ui.widgets.scrubber import scrubber, walk_frames

EXPLAIN = r"""
### Compress, then rebuild
An **encoder** $f$ squeezes a $28\times 28$ image $x$ (784 numbers) into a short **code** $z = f(x)$ of a few dozen
numbers; a **decoder** $g$ rebuilds the image from the code, $\hat x = g(z)$. Both learn together to make the
reconstruction error small:
$$\mathcal{L}(f, g) = \frac{1}{N}\sum_{i=1}^{N} \lVert x_i - g(f(x_i)) \rVert^2 .$$
The code is too short to store every pixel, so the network has to learn what images of this kind have in common.
The space of codes is the **latent space**.

* **Reconstruct** an example, your own picture or a drawing. The error map shows where the decoder fails;
  $\mathrm{PSNR} = 10 \log_{10}(2^2 / \mathrm{MSE})$ in dB, for pixels in $[-1, 1]$ (higher is better).
* **Noise** corrupts the input first: the decoder can only draw what it has learned, so it often cleans it up.
* **Latent map**: the codes of (up to) 3,000 test images projected onto the two directions that best separate the
  classes (Fisher's discriminant), $p = P(z - \bar z)$. The **decoded manifold** decodes a grid of map points,
  $\hat x = g(\bar z + L p)$, with $L$ the most likely code for a map point.
* **Interpolate**: decode the straight line between two codes, $z_t = (1 - t)\, z_A + t\, z_B$.
"""
NOISE_MAX = 1.0
# Which examples start the interpolation: the first image of class 0 and of class 7 (T-shirt -> Sneaker, 0 -> 7).
INTERP_DEFAULTS = (0, 14)


def _autoencoder(dataset: str):
    return get_model(f"autoencoder-{dataset}")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def reconstruct(image: str | None, noise: float, dataset: str) -> tuple[np.ndarray, str]:
    """Input | (noisy input) | reconstruction | error map as one labelled PNG, and the scores in Markdown."""
    dataset = check_dataset(dataset)
    noise = check_float(noise, "Noise", 0.0, NOISE_MAX)
    x = load_upload(image, dataset)  # uint8 (28, 28)
    with torch.inference_mode():
        r = explore.reconstruct(_autoencoder(dataset), x, noise)
    cells, titles = [x], ["input"]
    if noise > 0:
        cells, titles = cells + [r.noisy], titles + [f"noise {noise:g}"]
    cells += [r.output, error_heatmap(x, r.output)]
    titles += ["reconstruction", "error"]
    text = f"**MSE** {r.mse:.4f} · **PSNR** {r.psnr:.1f} dB"
    if noise > 0:
        text += f" (the noisy input itself scores {r.noisy_psnr:.1f} dB against the clean image)"
    return labelled_grid([cells], col_labels=titles, scale=4), text


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def latent_map(image: str | None, noise: float, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The latent map with the (noisy) input marked, and the decoded manifold. With no image, just the map."""
    dataset = check_dataset(dataset)
    noise = check_float(noise, "Noise", 0.0, NOISE_MAX)
    model = _autoencoder(dataset)
    point = None
    if image is not None:
        x = explore.corrupt(load_upload(image, dataset), noise)
        point = explore.encode_to_map(model, x[None])[0]  # (2,)
    with torch.inference_mode():
        scatter = explore.map_picture(model, dataset)
        cells = explore.manifold(model, dataset)  # (12, 12, 28, 28)
    size = len(cells)
    decoded = upscale(grid(cells.reshape(-1, 28, 28), nrow=size, padding=0), 2)
    return explore.mark_point(scatter, point, "your image" if noise == 0 else "your noisy image"), decoded


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def interpolate_ae(image_a: str | None, image_b: str | None, frames: float,
                   dataset: str) -> tuple[np.ndarray, str, str]:
    """Decodes along the line between the codes of two images: a labelled strip, a looping GIF and the frames for
    the scrubber."""
    dataset = check_dataset(dataset)
    frames = check_int(frames, "Frames", 3, MAX_FRAMES)
    a, b = load_upload(image_a, dataset, "image A"), load_upload(image_b, dataset, "image B")
    with torch.inference_mode():
        images = explore.interpolate_images(_autoencoder(dataset), a, b, frames)  # (T, 28, 28)
    titles = ["t = 0"] + [""] * (frames - 2) + ["t = 1"]
    strip = labelled_grid([[a, *images, b]], col_labels=["input A", *titles, "input B"], scale=3)
    return strip, gif_file(images), walk_frames(images, "the straight line from the code of image A to image B's")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def comparison_alt(image: str | None, noise: float, dataset: str) -> str:
    """What the comparison shows, with the classifier's verdict on the reconstruction, for a screen reader."""
    x = load_upload(image, dataset)
    with torch.inference_mode():
        r = explore.reconstruct(_autoencoder(dataset), x, noise)
        labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), np.stack([x, r.output]))
    said = explore.verdicts(labels, confidence, DATASETS[dataset].classes)
    noisy = f", the input with noise {noise:g}" if noise > 0 else ""
    return (f"autoencoder-{dataset}: the input (classifier: {said[0]}){noisy}, its reconstruction (classifier: "
            f"{said[1]}) and the error map: where the two differ")


def map_alt(image, noise, dataset) -> str:
    return (f"autoencoder-{dataset}'s latent map: {explore.MAP_POINTS} test images as dots coloured by class, "
            + ("your image marked" if image else "no image marked"))


def manifold_alt(image, noise, dataset) -> str:
    size = explore.MANIFOLD_SIZE
    return f"autoencoder-{dataset}: what its decoder draws at a {size} x {size} grid of points across the latent map"


def walk_alt(image_a, image_b, frames, dataset) -> str:
    return (f"autoencoder-{dataset}: input A, {int(frames)} decodes along the straight line from the code of A to "
            "the code of B, input B")


def on_dataset(dataset: str):
    """New gallery, input and interpolation ends when the dataset changes."""
    paths = [str(p) for p in example_paths(dataset)]
    choices = [(caption, path) for path, caption in example_gallery(dataset)]
    a, b = (paths[i] for i in INTERP_DEFAULTS)
    return (example_gallery(dataset), example_image(paths[0]), gr.Dropdown(choices=choices, value=a),
            gr.Dropdown(choices=choices, value=b), example_image(a), example_image(b))


def _follow(event, inputs: list, outputs: list, vae_outputs: list, named: bool = False):
    """After ``event`` sets a new input: reconstruct, redraw the map, then the VAE's ELBO and both maps.

    ``named``: these are the API's /reconstruct ... /vae_latent_maps; otherwise private copies of them."""
    api = (lambda name: {"api_name": name}) if named else (lambda name: {"api_visibility": "private"})
    image, _, dataset = inputs
    described(event, inputs, comparison_alt, outputs[0])
    mapped = event.success(latent_map, inputs, outputs[2:], **api("latent_map"))
    described(mapped, inputs, map_alt, outputs[2])
    described(mapped, inputs, manifold_alt, outputs[3])
    return (mapped
                 .success(vae.vae_elbo, [image, dataset], vae_outputs[:1], **api("vae_elbo"))
                 .success(vae.latent_maps, [image, dataset], vae_outputs[1:3], **api("vae_latent_maps")))


def _refresh(event, inputs: list, outputs: list, vae_outputs: list):
    """After ``event`` sets a new input: everything that follows the input (private endpoints); the last event."""
    return _follow(event.success(reconstruct, inputs, outputs[:2], api_visibility="private"), inputs, outputs, vae_outputs)


def build(dataset: gr.Radio) -> None:
    explanation(EXPLAIN)
    lesson("ae", dataset)
    start = dataset.value
    paths = [str(p) for p in example_paths(start)]
    with gr.Row():
        with gr.Column(scale=2):
            picker = image_picker(start, "ae", label="Input image (upload any picture)", image_id="ae-input",
                                  gallery_id="ae-gallery")
            image, gallery = picker.image, picker.examples
        with gr.Column(scale=3):
            noise = slider(0, NOISE_MAX, value=0, step=0.05, label="Noise", elem_id="ae-noise",
                              info="standard deviation of the Gaussian noise added to the input (pixels 0..1)")
            run = gr.Button("Reconstruct", variant="primary", elem_id="ae-run")
            shown = initial(reconstruct, paths[0], noise.value, start) or (None, None)
            comparison = picture("Input | reconstruction | error", "ae-comparison", titled=True, value=shown[0],
                                 alt_text=initial(comparison_alt, paths[0], noise.value, start)
                                 or "Input | reconstruction | error")
            scores = gr.Markdown(shown[1], label="Scores", elem_id="ae-scores")
    shown = initial(latent_map, paths[0], noise.value, start) or (None, None)
    with gr.Row():
        map_image = picture("Latent map (test images coloured by class)", "ae-map", titled=True, value=shown[0],
                            alt_text=map_alt(paths[0], noise.value, start))
        manifold_image = picture("Decoded manifold: what the decoder draws across the map", "ae-manifold",
                                 value=shown[1], alt_text=manifold_alt(paths[0], noise.value, start))
    map_explorer = OnDemand(dataset, "ae-explorer", "The autoencoder's latent map: what the decoder draws at each point",
                            "Explore the autoencoder's latent map: point at it, see the decode", autoencoder_explorer)
    gr.Markdown("### Walk from one image to another")
    choices = [(caption, path) for path, caption in example_gallery(start)]
    with gr.Row():
        pick_a = gr.Dropdown(choices, value=paths[INTERP_DEFAULTS[0]], label="Image A: an example")
        pick_b = gr.Dropdown(choices, value=paths[INTERP_DEFAULTS[1]], label="Image B: an example")
        frames = slider(3, MAX_FRAMES, value=10, step=1, label="Frames")
    with gr.Row():
        image_a = image_upload(value=example_image(paths[INTERP_DEFAULTS[0]]), height=140, label="A (or upload)")
        image_b = image_upload(value=example_image(paths[INTERP_DEFAULTS[1]]), height=140, label="B (or upload)")
        gif = animation("ae-gif")
    interp_btn = gr.Button("Interpolate", variant="primary", elem_id="ae-interpolate")
    strip = picture("Decoded codes from A to B", "ae-strip", titled=True)
    walk = scrubber("ae-walk-scrub", "Along the walk", width="280px")
    vae_outputs = vae.build(dataset, image, paths[0])
    latent.build(dataset)

    inputs, outputs = [image, noise, dataset], [comparison, scores, map_image, manifold_image]
    _follow(gr.on([run.click, image.upload, noise.release], reconstruct, inputs, outputs[:2], api_name="reconstruct"),
            inputs, outputs, vae_outputs, named=True)
    for picked in picker.picked(dataset):
        _refresh(picked, inputs, outputs, vae_outputs)
    switched = _refresh(dataset.change(on_dataset, [dataset], [gallery, image, pick_a, pick_b, image_a, image_b],
                                        api_visibility="private"),
                        inputs, outputs, vae_outputs)
    vae_outputs[3].refill_after(map_explorer.refill_after(switched))
    pick_a.input(example_image, pick_a, image_a, api_visibility="private")
    pick_b.input(example_image, pick_b, image_b, api_visibility="private")
    walk_inputs = [image_a, image_b, frames, dataset]
    described(interp_btn.click(interpolate_ae, walk_inputs, [strip, gif, walk], api_name="interpolate_ae"),
              walk_inputs, walk_alt, strip, gif)
    clear_on_switch(dataset, strip, gif, walk)
