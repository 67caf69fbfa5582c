"""The "Latent diffusion" part of the autoencoder tab: random codes three ways, and where they land on the maps."""
from __future__ import annotations

import time

import gradio as gr
import numpy as np
import torch

from gan_demo import explore, prior_hole
from gan_demo.device import gpu
from gan_demo.families.latent.flow import DEFAULT_GUIDANCE, DEFAULT_STEPS, balanced_labels, network_evaluations
from gan_demo.images import labelled_grid
from gan_demo.sampling import MAX_SEED
from ui.common import check_dataset, check_float, check_int, get_model
from ui.components import check_class, class_names, described, explanation, initial, picture, seed_input, slider

EXPLAIN = r"""
### Latent diffusion: Stable Diffusion's step, in miniature
Why do random codes give nothing or blobs above? Encode every training image and you get the **aggregate
posterior** $q(z) = \mathbb{E}_{x \sim p_\text{data}}\, q(z \mid x)$: where real images' codes actually lie. The
autoencoder never shaped it; the VAE's KL term pulls it towards $\mathcal{N}(0, I)$ but not all the way, so a draw
from $\mathcal{N}(0, I)$ often lands where no image's code is (the *prior hole*), and the decoder has never learnt
what to draw there. Stable Diffusion (Rombach et al., 2022) keeps the autoencoder and learns $q(z)$ itself with a
generative model *in the code space*. Here that model is a **flow**: standardise the codes, then train a small
network $v_\theta$ to carry noise $z_0 \sim \mathcal{N}(0, I)$ to codes $z_1$ along straight lines,
$$z_t = (1 - t)\,z_0 + t\,z_1, \qquad \min_\theta\; \mathbb{E}_{t, z_0, z_1}\,\big\|v_\theta(z_t, t, y) - (z_1 - z_0)\big\|^2$$
(flow matching; Lipman et al., 2023). To sample, integrate $\frac{dz}{dt} = v_\theta(z, t, y)$ from the same
noise at $t = 0$ to $t = 1$ with Heun's method and decode. The class $y$ is dropped in a fifth of the training
steps, so one network is unconditional and conditional; classifier-free guidance uses
$v_\text{null} + w\,(v_y - v_\text{null})$. The codes are 32 numbers (the VAE's 16 or 8), not 784 pixels, so a
small network learns them in minutes and each sample costs milliseconds: the speed that made diffusion practical
at high resolution. Try *each code its own class* at $w = 1$: sampled class by class, a mixture
$q(z) = \sum_y p(y)\, q(z \mid y)$, the codes land closer to real ones than unconditional samples do (the model
card's Frechet distances), since each class's codes form one cluster while the unconditional field must carry the
noise to all of them at once. The flow can only be as good as the decoder that draws its codes, and a decoder
trained on pixel error alone draws blurred averages. So Stable Diffusion trains its decoder against a
discriminator as well, as GANs do; Fashion-MNIST's flow here does the same after training: the encoder frozen (the
codes stay the codes), its decoder fine-tuned on $\lVert \hat x - x \rVert_1$ plus an adversarial loss: texture
and edges come back, in its reconstructions and in the flow's samples (the model card has the Frechet distances).
A flow that generalises also puts codes *between* real ones, where a plain autoencoder never learnt to draw; MNIST's
autoencoder is trained for that space (ACAI; Berthelot et al., 2019): a critic learns how far a decoded mix of two
digits' codes is from either, and the autoencoder learns to make its mixes pass for digits.
"""
ROWS = ("autoencoder: N(0, I) code", "VAE: N(0, I) code", "autoencoder: latent flow", "VAE: latent flow")
ANY = "any (unconditional)"
EACH = "each code its own class"  # classes 0, 1, 2, ... in turn: every class side by side (the card's class-by-class FD)
MAX_CODES = 16
MAX_STEPS = 50


def _models(dataset: str):
    return (get_model(f"autoencoder-{dataset}"), get_model(f"vae-{dataset}"),
            get_model(f"latent-ae-{dataset}"), get_model(f"latent-vae-{dataset}"))


def _choices(dataset: str) -> list[str]:
    """The class menu: no class, each its own, or one of the dataset's classes."""
    return [ANY, EACH, *class_names(dataset)]


def _labels(choice: str, n: int, dataset: str) -> torch.Tensor | None:
    if choice == ANY:
        return None
    if choice == EACH:
        return balanced_labels(n, len(class_names(dataset)))
    return torch.full((n,), check_class(choice, dataset), dtype=torch.long)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def three_ways(seed: float, n: float, choice: str, steps: float, guidance: float,
               dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The same seed's noise four ways (each decoder as it is, and after its latent flow), and both maps with the
    two kinds of codes marked over the test images' codes."""
    dataset = check_dataset(dataset)
    seed, n = check_int(seed, "Seed", 0, MAX_SEED), check_int(n, "Codes", 1, MAX_CODES)
    steps, guidance = check_int(steps, "Steps", 1, MAX_STEPS), check_float(guidance, "Guidance", 0.0, 8.0)
    labels = _labels(choice, n, dataset)
    ae, vae, flow_ae, flow_vae = _models(dataset)
    start = time.perf_counter()
    of_ae, of_vae = (prior_hole.codes_of(m, n, seed, labels, steps=steps, guidance=guidance) for m in (flow_ae, flow_vae))
    ms = 1000 * (time.perf_counter() - start) / (2 * n)
    grid = labelled_grid([list(of_ae.prior_images), list(of_vae.prior_images), list(of_ae.flowed_images),
                          list(of_vae.flowed_images)], row_labels=list(ROWS), scale=3)
    maps = []
    for model, codes in ((ae, of_ae), (vae, of_vae)):
        with torch.inference_mode():
            picture_ = explore.map_picture(model, dataset)
        groups = [(prior_hole.on_map(model, codes.prior), prior_hole.MARKERS[0]),
                  (prior_hole.on_map(model, codes.flowed), prior_hole.MARKERS[1])]
        maps.append(prior_hole.mark_points(picture_, groups))
    evaluations = network_evaluations(steps, "heun", guided=labels is not None and guidance != 1)
    status = (f"Seed {seed}, {'unconditional' if labels is None else choice}: the latent flow took {steps} Heun "
              f"steps, {evaluations} network evaluations per image, {ms:.1f} ms per image on this server (both "
              "flows, decoding included); a GAN takes one evaluation.")
    return grid, maps[0], maps[1], status


def grid_alt(seed, n, choice, steps, guidance, dataset) -> str:
    """What the four rows show, for a screen reader."""
    wanted = {ANY: "no class", EACH: "each code its own class in turn"}.get(choice, f"class {choice}")
    return (f"{int(n)} noise vectors of seed {int(seed)}, four ways: decoded as they are by the decoders of "
            f"latent-ae-{dataset} and latent-vae-{dataset} (the autoencoder's and the VAE's), then after each one's "
            f"latent flow ({wanted}, {int(steps)} steps)")


def build(dataset: gr.Radio) -> None:
    """Lay out the part under the VAE's, opening on the seed-0 codes."""
    explanation(EXPLAIN)
    start = dataset.value
    with gr.Row():
        seed = seed_input("Seed of the noise", 0, "latent-seed")
        n = slider(1, MAX_CODES, value=8, step=1, label="Codes", info="how many random codes to draw")
        choice = gr.Dropdown(_choices(start), value=ANY, label="Class of the flow",
                             info="the flow's condition (the N(0, I) rows ignore it)", elem_id="latent-class")
    with gr.Row():
        steps = slider(1, MAX_STEPS, value=DEFAULT_STEPS, step=1, label="Steps",
                       info="Heun steps from noise (t = 0) to codes (t = 1)")
        guidance = slider(0, 8, value=DEFAULT_GUIDANCE, step=0.5, label="Guidance w",
                          info="with a class: 1 = plain conditional, higher = more typical")
        run = gr.Button("Draw random codes three ways", variant="primary", elem_id="latent-run")
    shown = initial(three_ways, seed.value, n.value, ANY, steps.value, guidance.value, start) or (None,) * 4
    grid = picture("The same noise: decoded as a code, or carried by the latent flow first", "latent-grid",
                   titled=True, value=shown[0],
                   alt_text=grid_alt(seed.value, n.value, ANY, steps.value, guidance.value, start))
    status = gr.Markdown(shown[3], elem_id="latent-status")
    with gr.Row():
        ae_map = picture("Autoencoder's map: where the random codes land among the test images' codes",
                         "latent-ae-map", value=shown[1])
        vae_map = picture("VAE's map: where the random codes land among the test images' codes", "latent-vae-map",
                          value=shown[2])
    inputs, outputs = [seed, n, choice, steps, guidance, dataset], [grid, ae_map, vae_map, status]
    described(run.click(three_ways, inputs, outputs, api_name="latent_three_ways"), inputs, grid_alt, grid)
    described(dataset.change(lambda d: gr.Dropdown(choices=_choices(d), value=ANY), dataset, choice,
                             api_visibility="private").then(three_ways, inputs, outputs, api_visibility="private"),
              inputs, grid_alt, grid)
