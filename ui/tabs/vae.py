"""The "Autoencoder vs VAE" part of the autoencoder tab: random codes, both latent maps, the ELBO, a traversal."""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gan_demo import WeightsError, explore
from gan_demo.device import gpu
from gan_demo.hub import pretrained_config
from gan_demo.images import labelled_grid
from gan_demo.sampling import MAX_SEED
from ui.common import check_dataset, check_float, check_int, get_model
from ui.components import (
    MAX_FRAMES,
    animation,
    clear_on_switch,
    described,
    explanation,
    gif_file,
    initial,
    load_upload,
    picture,
    seed_input,
    slider,
)
from ui.widgets.explorer import OnDemand, vae_explorer

EXPLAIN = r"""
### Autoencoder vs VAE: from compressing to generating
Decode a code drawn at random and the autoencoder above draws nothing recognisable: training only ever asked it to
decode codes of real images, and those fill a small, oddly shaped part of its latent space. The **variational
autoencoder** (Kingma & Welling, 2014) makes the latent space usable. Its encoder gives a Gaussian
$q(z \mid x) = \mathcal{N}(\mu(x), \operatorname{diag}\sigma^2(x))$ instead of one code, its decoder a probability
$p(x \mid z)$ for every grey level of every pixel, and it maximises the **evidence lower bound**
$$\log p(x) \;\ge\; \mathrm{ELBO}(x) = \underbrace{\mathbb{E}_{q(z\mid x)}\big[\log p(x \mid z)\big]}_{\text{reconstruction}}
\;-\; \underbrace{\mathrm{KL}\big(q(z \mid x)\,\|\,\mathcal{N}(0, I)\big)}_{\text{stay near the prior}} .$$
The KL term pulls every image's codes towards $\mathcal{N}(0, I)$, so the codes fill that Gaussian without holes:
draw $z \sim \mathcal{N}(0, I)$, decode it, and you get an image. Gradients flow through the sampling by writing
$z = \mu + \sigma \odot \varepsilon$ with $\varepsilon \sim \mathcal{N}(0, I)$ (the reparameterisation trick).
Unlike a GAN, a VAE also says **how likely** an image is: the ELBO is a bound on $\log p(x)$, and
$-\mathrm{ELBO} / (784 \log 2)$ bounds how many bits per pixel the image takes to encode.
"""
MAX_RANDOM = 16
MAX_SPAN = 4.0


def _latent_dim(dataset: str) -> int:
    """The VAE's code size for ``dataset`` (the traversal's axes), from its config, without loading the weights."""
    try:
        return pretrained_config(f"vae-{dataset}")["latent_dim"]
    except (WeightsError, KeyError):  # unusable weights: the actions say so, with the file, when used
        return 16


def _models(dataset: str):
    return get_model(f"autoencoder-{dataset}"), get_model(f"vae-{dataset}")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def random_codes(seed: float, n: float, dataset: str) -> np.ndarray:
    """The same ``n`` random codes z ~ N(0, I) decoded by the autoencoder (top row) and by the VAE (bottom row)."""
    seed, n, dataset = check_int(seed, "Seed", 0, MAX_SEED), check_int(n, "Codes", 1, MAX_RANDOM), check_dataset(dataset)
    ae_images, vae_images = explore.decode_random_codes(list(_models(dataset)), n, seed)
    return labelled_grid([list(ae_images), list(vae_images)], row_labels=["autoencoder", "VAE"], scale=3)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def latent_maps(image: str | None, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Both latent maps of the test images (the same projection method), with the input marked on each."""
    dataset = check_dataset(dataset)
    x = load_upload(image, dataset) if image is not None else None
    pictures = []
    for model in _models(dataset):
        point = explore.encode_to_map(model, x[None])[0] if x is not None else None
        with torch.inference_mode():
            pictures.append(explore.mark_point(explore.map_picture(model, dataset), point))
    return pictures[0], pictures[1]


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def vae_elbo(image: str | None, dataset: str) -> str:
    """The VAE's ELBO of the input and its two terms, beside the median ELBO of real test images."""
    dataset = check_dataset(dataset)
    x = load_upload(image, dataset)
    vae = get_model(f"vae-{dataset}")
    e = explore.evidence(vae, x[None])[0]
    typical = explore.typical_evidence(vae, dataset)
    verdict = ("about as likely as a real test image" if e.elbo >= typical - 100 else
               f"{typical - e.elbo:.0f} nats less likely than a typical test image: about "
               f"e^{typical - e.elbo:.0f} times, by this bound")
    return (f"**ELBO** {e.elbo:.1f} nats = reconstruction {e.recon:.1f} − KL {e.kl:.1f} · "
            f"**{e.bits_per_pixel:.2f} bits per pixel** (upper bound).\n\n"
            f"Real test images score a median ELBO of {typical:.1f} nats; this image is {verdict}. "
            "Add noise above and the ELBO drops by about a thousand nats. A scribble, though, can score like a "
            "real image: the bound measures how cheaply the pixels can be encoded (little ink, smooth strokes), "
            "not whether they show a digit or a garment, a known blind spot of likelihoods (Nalisnick et al., 2019).")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def traverse(image: str | None, rank: float, span: float, frames: float, dataset: str) -> tuple[np.ndarray, str]:
    """Decodes of the input's code with one latent axis swept from -span to +span: a strip and a GIF."""
    dataset = check_dataset(dataset)
    vae = get_model(f"vae-{dataset}")
    rank = check_int(rank, "Axis", 1, vae.latent_dim)
    span, frames = check_float(span, "Span", 0.5, MAX_SPAN), check_int(frames, "Frames", 3, MAX_FRAMES)
    x = load_upload(image, dataset)
    axis = int(explore.axes_by_use(vae, dataset)[rank - 1])
    images = explore.traverse(vae, x, axis, span, frames)
    titles = [f"{v:+.1f}" for v in np.linspace(-span, span, frames)]
    strip = labelled_grid([[x, *images]], col_labels=["input", *titles], scale=3)
    return strip, gif_file(images)


def codes_alt(seed, n, dataset) -> str:
    """What the random codes picture shows, for a screen reader."""
    return (f"{int(n)} random codes of seed {int(seed)}, decoded by autoencoder-{dataset} (top row) and by "
            f"vae-{dataset} (bottom row)")


def traverse_alt(image, rank, span, frames, dataset) -> str:
    return (f"vae-{dataset}: the input, then {int(frames)} decodes of its code with latent axis {int(rank)} swept "
            f"from -{span:g} to +{span:g}")


def build(dataset: gr.Radio, image: gr.Image, shown: str) -> list:
    """Lay out the part under the autoencoder's, opening on the results for the image file ``shown`` (the input's
    starting value); returns the outputs that follow the input image (ELBO, maps), then the VAE's map explorer
    (an :class:`OnDemand`, refilled after a switch of dataset)."""
    explanation(EXPLAIN)
    with gr.Row():
        seed = seed_input("Seed of the codes", 0, "vae-seed")
        n = slider(1, MAX_RANDOM, value=10, step=1, label="Codes", info="how many random codes z ~ N(0, I) to decode")
        run = gr.Button("Decode random codes", variant="primary", elem_id="vae-random-run")
    start = dataset.value
    codes = picture("The same random codes decoded by both models", "vae-random", titled=True,
                    value=initial(random_codes, seed.value, n.value, start), alt_text=codes_alt(seed.value, n.value, start))
    elbo = gr.Markdown(initial(vae_elbo, shown, start), label="The VAE's ELBO of the input image", elem_id="vae-elbo")
    maps = initial(latent_maps, shown, start) or (None, None)
    with gr.Row():
        ae_map = picture("Autoencoder: latent map of the test images", "vae-ae-map", value=maps[0])
        vae_map = picture("VAE: latent map of the test images (posterior means)", "vae-map", value=maps[1])
    map_explorer = OnDemand(dataset, "vae-explorer", "The VAE's latent map: what the decoder draws at each point",
                            "Explore the VAE's latent map: point at it, see the decode", vae_explorer)
    gr.Markdown("**Latent traversal**: keep the input's code and sweep one axis. Axis 1 is the one the VAE uses "
                "most (largest average KL over test images); axes it does not use change nothing.")
    with gr.Row():
        rank = slider(1, _latent_dim(dataset.value), value=1, step=1, label="Axis",
                      info="1 = the axis the VAE uses most")
        span = slider(0.5, MAX_SPAN, value=3.0, step=0.5, label="Span", info="sweep z[axis] from -span to +span")
        frames = slider(3, MAX_FRAMES, value=9, step=1, label="Frames")
        go = gr.Button("Traverse", variant="primary", elem_id="vae-traverse-run")
    with gr.Row():
        strip = picture("The input's code with one axis swept", "vae-traverse", titled=True, scale=4)
        gif = animation("vae-gif")
    coded = [seed, n, dataset]
    described(run.click(random_codes, coded, codes, api_name="vae_random_codes"), coded, codes_alt, codes)
    described(dataset.change(random_codes, coded, codes, api_visibility="private"),  # no stale other-dataset codes
              coded, codes_alt, codes)
    dataset.change(lambda d: gr.update(maximum=_latent_dim(d), value=1), dataset, rank, api_visibility="private")
    swept = [image, rank, span, frames, dataset]
    described(go.click(traverse, swept, [strip, gif], api_name="vae_traverse"), swept, traverse_alt, strip, gif)
    clear_on_switch(dataset, strip, gif)
    return [elbo, ae_map, vae_map, map_explorer]
