"""The "What came next" tab: DALL-E 2 in miniature (CLIP, a diffusion prior, a diffusion decoder), beside the GANs."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.data import dataset_info, image_tensors, to_model_range, to_uint8
from gan_demo.data.captions import ATTRIBUTES, vocabulary
from gan_demo.device import gpu
from gan_demo.families.clip import scoring
from gan_demo.families.text.generate import GUIDANCE, STEPS, generate, noises, text_embeddings, variations
from gan_demo.hub import pretrained_config, weights_dir
from gan_demo.images import grid, labelled_grid
from gan_demo.sampling import MAX_SEED
from gan_demo.sampling import sample as gan_sample
from ui.common import check_dataset, check_float, check_int, display, get_model
from ui.components import (
    animation,
    check_class,
    class_names,
    clear_on_switch,
    example_gallery,
    example_image,
    example_paths,
    explanation,
    gif_file,
    image_upload,
    initial,
    load_upload,
    pick_example,
    picture,
    seed_input,
    sketchpad,
    slider,
    use_drawing,
)
from ui.diagrams import pipeline_diagram

EXPLAIN = r"""
### After GANs: diffusion, and text in through CLIP
DALL-E 2 (Ramesh et al., 2022) turns a sentence into an image, and it is *not* a GAN. Every model below was trained
here, on the same images as the GANs, from captions made from each image's class and pixels ("a small dark sneaker").

**CLIP** (Radford et al., 2021) maps images and captions into one space of unit vectors. For a batch of $B$ pairs
with image embeddings $u_i$, caption embeddings $v_j$ and a learned temperature $\tau$, it minimises the symmetric
contrastive (InfoNCE) loss
$$\mathcal{L} = -\frac{1}{2B}\sum_{i}\Big[\log \frac{e^{u_i^\top v_i/\tau}}{\sum_j e^{u_i^\top v_j/\tau}}
+ \log \frac{e^{u_i^\top v_i/\tau}}{\sum_j e^{u_j^\top v_i/\tau}}\Big]$$
(here, captions identical to one's own count as right too).

**Diffusion** (Ho et al., 2020) destroys an image $x_0$ with Gaussian noise in $T = 1000$ small steps,
$$q(x_t \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t)\,I\big),$$
and trains a network $\epsilon_\theta$ to find the noise: $\mathbb{E}_{x_0, t, \epsilon}\,\lVert \epsilon -
\epsilon_\theta(\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t,\ c)\rVert^2$. **DDIM** (Song et al.,
2021) then walks back from pure noise $x_T$ in a few dozen deterministic steps, each predicting the clean image
$\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\epsilon_\theta)/\sqrt{\bar\alpha_t}$ and moving towards it. (The
MNIST decoder predicts $\hat x_0$ itself, trained on $\lVert x_0 - \hat x_0\rVert^2$: the same step, written the
other way round; its samples keep a cleaner background.)

**Classifier-free guidance** (Ho & Salimans, 2021): the condition $c$ is dropped 10% of the time in training, so
one network predicts both $\epsilon_\theta(x_t, c)$ and $\epsilon_\theta(x_t, \varnothing)$; sampling follows
$\tilde\epsilon = \epsilon_\theta(x_t, \varnothing) + w\,\big(\epsilon_\theta(x_t, c) - \epsilon_\theta(x_t, \varnothing)\big)$:
$w = 1$ is plain conditional sampling, larger $w$ follows the prompt harder at the cost of variety. The prior is
guided the same way (as DALL-E 2 guides its prior too), so the sampled image embedding fits the prompt. Guidance
may be kept to the middle of the schedule (Kynkäänniemi et al., 2024): at the noisiest steps it pulls every sample
towards the most typical one, at the last few it hardly matters, so guiding only in between keeps the prompt at
far less cost in variety. Each dataset's scales were tuned for the prompted class at the least cost in variety
(`scripts/tune_guidance.py`): {tuned}; the slider starts at the decoder's.

**The pipeline** (the picture): the prompt's CLIP text embedding goes to the **prior**, a diffusion model over
CLIP *image* embeddings (a caption fits many images, so it samples one rather than averaging them), and the
**decoder**, a diffusion UNet (diffusers' `UNet2DModel`) conditioned on that image embedding, draws the image.
"""
MAX_IMAGES = 16
MAX_WORK = MAX_IMAGES * 50  # images x steps per request: keeps one request within a few seconds of CPU
SWEEP_SCALES = ("0", "1", "2", "3", "5", "8")
LIVE_EVERY = 5  # show the denoising every few steps
MAX_RETRIEVE = 32
RETRIEVAL_POOL = 3000  # test images searched by /clip_retrieve (embedded once per dataset, in a few seconds)
CONCURRENCY = "diffusion"  # the sampling events share one queue slot per worker: others keep being served


def tuned_scales() -> str:
    """The explanation's sentence on each dataset's default scales, read from the pipelines' config.json files (so
    a retrained model's scales show without editing the text; local or from the Hub, as the models load)."""
    parts = []
    for dataset in ("fashion", "mnist"):
        config = pretrained_config(f"text-{dataset}")
        w, w_prior, span = config["guidance"], config["prior_guidance"], config.get("prior_guidance_interval")
        decoder = f"decoder {w:g}" + (" (no guidance: one network evaluation a step)" if w == 1 else "")
        prior = f"prior {w_prior:g}" + (f" on the steps with $t$ from {span[0]} to {span[1]}" if span else "")
        parts.append(f"{decoder} and {prior} for {dataset_info(dataset).title}")
    return ", ".join(parts)


def _pipeline(dataset: str):
    return get_model(f"text-{dataset}")


def check_prompt(prompt, dataset: str) -> str:
    """The prompt, or a gr.Error naming unknown words and listing the known ones."""
    if not isinstance(prompt, str):
        raise gr.Error(f"The prompt must be text, got {prompt!r}.")
    try:
        _pipeline(dataset).tokenizer.check(prompt)
    except ValueError as err:
        raise gr.Error(f"{err}.") from err
    return prompt.strip()


def check_sampling(n, seed, steps, guidance) -> tuple[int, int, int, float]:
    n, seed = check_int(n, "Number of images", 1, MAX_IMAGES), check_int(seed, "Seed", 0, MAX_SEED)
    steps = check_int(steps, "Sampling steps", *STEPS)
    guidance = check_float(guidance, "Guidance scale", *GUIDANCE)
    if n * steps > MAX_WORK:
        raise gr.Error(f"{n} images x {steps} steps is too much work for one request on this server: keep images x "
                       f"steps at most {MAX_WORK} (e.g. {MAX_IMAGES} images at {MAX_WORK // MAX_IMAGES} steps).")
    return n, seed, steps, guidance


def pixels(x: torch.Tensor) -> np.ndarray:
    """Model-range images (N, 1, 28, 28) -> uint8 numpy (N, 28, 28)."""
    return to_uint8(x).numpy()


def verdicts(images: np.ndarray, dataset: str) -> list[str]:
    labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
    return explore.verdicts(labels, confidence, tuple(class_names(dataset)))


def known_words(dataset: str) -> str:
    """The vocabulary, said in the tab: prompts with other words get an error naming them."""
    vocab = vocabulary(dataset)
    nouns = {word for names in vocab.nouns for name in names for word in name.split()}
    groups = "; ".join(f"**{g}** = {', '.join(vocab.nouns[c][0] for c in members)}" for g, members in vocab.groups.items())
    other = [w for w in vocab.words() if w not in nouns | set(vocab.groups) | set(ATTRIBUTES)]
    return (f"**The words these models know** (their captions' words; any other word gets an error naming it). "
            f"Classes: {', '.join(' / '.join(n) for n in vocab.nouns)}. Groups: {groups}. Attributes, relative to the "
            f"class: **dark** / **light** (ink brightness), **small** / **large** (ink area). Also: {', '.join(other)}.")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def text_to_image(prompt: str, n: float, seed: float, steps: float, guidance: float, dataset: str,
                  progress=gr.Progress()):
    """Prompt -> CLIP text embedding -> prior -> decoder, streaming the denoising (x_t and predicted x_0)."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    n, seed, steps, guidance = check_sampling(n, seed, steps, guidance)
    model = _pipeline(dataset)
    progress(0, desc="prior: text embedding -> image embedding")
    text = text_embeddings(model, [prompt] * n)
    prior_noise, image_noise = noises(model, n, seed)
    with torch.inference_mode():
        embedding = model.image_embedding(text, prior_noise.to(model.device), steps)
    shown, frames, strip = min(n, 8), [], []
    for i, t, x, x0 in progress.tqdm(model.decode_steps(embedding, image_noise.to(model.device), steps, guidance),
                                     total=steps, desc="decoder: denoising"):
        frames.append(grid(pixels(x), nrow=min(n, 8)))
        if i % LIVE_EVERY == 0 or i == steps - 1:
            strip.append((t, pixels(x[:1])[0], pixels(x0[:1])[0]))
            live = labelled_grid([list(pixels(x[:shown])), list(pixels(x0[:shown]))], scale=3,
                                 row_labels=[f"x_t, t={t}", "predicted x_0"])
            yield gr.skip(), live, gr.skip(), gr.skip(), f"Denoising: step {i + 1} of {steps} (t = {t})"
    images = pixels(x)
    story = labelled_grid([[s[1] for s in strip], [s[2] for s in strip]], col_labels=[f"t={s[0]}" for s in strip],
                          row_labels=["x_t", "x_0 guess"], scale=3)
    gallery = [(display(img), caption) for img, caption in zip(images, verdicts(images, dataset))]
    calls = steps * (2 if guidance != 1 else 1)
    yield (gallery, live, story, gif_file(np.stack(frames)),
           f"**{n} images** for *{prompt}*: {steps} DDIM steps, guidance w = {guidance:g}, {calls} decoder network "
           f"evaluations per image (a GAN needs 1). Under each image: what the classifier sees.")


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def guidance_sweep(prompt: str, n: float, seed: float, steps: float, scales: list, dataset: str,
                   progress=gr.Progress()) -> tuple[np.ndarray, str]:
    """The same prompt and noise at several guidance scales: one row per scale."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    if not isinstance(scales, list) or not scales:
        raise gr.Error(f"Choose at least one guidance scale among {', '.join(SWEEP_SCALES)}.")
    values = sorted({check_float(_number(s), "Guidance scale", *GUIDANCE) for s in scales})
    n, seed, steps, _ = check_sampling(n, seed, steps, 1.0)
    if n * steps * len(values) > 2 * MAX_WORK:
        raise gr.Error(f"{len(values)} scales x {n} images x {steps} steps is too much work for one request: keep it "
                       f"at most {2 * MAX_WORK}.")
    model = _pipeline(dataset)
    text = text_embeddings(model, [prompt] * n)
    prior_noise, image_noise = noises(model, n, seed)
    rows, lines = [], []
    with torch.inference_mode():
        embedding = model.image_embedding(text, prior_noise.to(model.device), steps)
        for w in progress.tqdm(values, desc="guidance scales"):
            images = pixels(model.decode(embedding, image_noise.to(model.device), steps, w))
            labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
            rows.append(list(images))
            lines.append(f"| {w:g} | {(confidence >= 0.9).mean():.0%} | "
                         f"{float(np.std(images.reshape(n, -1).astype(float), axis=0).mean()):.1f} |")
    table = ("| guidance w | classifier ≥ 90% sure | pixel spread across images |\n|---|---|---|\n" + "\n".join(lines))
    return labelled_grid(rows, row_labels=[f"w = {w:g}" for w in values], scale=3), table


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"Guidance scales must be numbers, got {value!r}.") from None


def _prompts(text) -> list[str]:
    if not isinstance(text, str):
        raise gr.Error(f"Prompts must be text, one per line, got {text!r}.")
    prompts = [line.strip() for line in text.splitlines() if line.strip()]
    if not prompts:
        raise gr.Error("Type at least one prompt, one per line.")
    if len(prompts) > 20:
        raise gr.Error(f"At most 20 prompts, got {len(prompts)}.")
    return prompts


def _image(path, dataset: str) -> torch.Tensor:
    return to_model_range(torch.from_numpy(load_upload(path, dataset))[None])


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def clip_scores(image, prompts: str, dataset: str) -> dict[str, float]:
    """CLIP's zero-shot classifier: the image scored against each prompt (softmax of scaled similarities)."""
    dataset = check_dataset(dataset)
    prompts = [check_prompt(p, dataset) for p in _prompts(prompts)]
    probs = scoring.probabilities(_pipeline(dataset).clip, _image(image, dataset), prompts)
    return {p: float(q) for p, q in zip(prompts, probs)}


def rescore(image, prompts: str, dataset: str) -> tuple[dict[str, float] | None, None]:
    """A new image in the CLIP part: its scores against the prompts (cheap), and no variations of the old one."""
    return (None if image is None else clip_scores(image, prompts, dataset)), None


@cache
def _test_embeddings(dataset: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first RETRIEVAL_POOL test images and their CLIP image embeddings, computed once per dataset."""
    images, labels = (t[:RETRIEVAL_POOL] for t in image_tensors(dataset, "test"))
    return images, labels, scoring.image_embeddings(_pipeline(dataset).clip, images)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def clip_retrieve(prompt: str, k: float, dataset: str) -> list:
    """The ``k`` test images (of the first RETRIEVAL_POOL) whose CLIP embeddings are nearest the prompt's."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    k = check_int(k, "Number of images", 1, MAX_RETRIEVE)
    images, labels, embeddings = _test_embeddings(dataset)
    index, similarity = scoring.retrieve(_pipeline(dataset).clip, embeddings, prompt, k)
    classes = class_names(dataset)
    return [(display(pixels(images[i:i + 1])[0]), f"{classes[labels[i]]} {s:.2f}")
            for i, s in zip(index.tolist(), similarity.tolist())]


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def image_variations(image, n: float, seed: float, steps: float, guidance: float, dataset: str) -> list:
    """DALL-E 2's variations: decode several images from one image's CLIP embedding."""
    dataset = check_dataset(dataset)
    x = _image(image, dataset)
    n, seed, steps, guidance = check_sampling(n, seed, steps, guidance)
    images = pixels(variations(_pipeline(dataset), x, n, seed, steps, guidance))
    return [(display(img), caption) for img, caption in zip(images, verdicts(images, dataset))]


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def gan_vs_diffusion(class_name: str, n: float, seed: float, dataset: str) -> tuple[np.ndarray, str]:
    """The same class from the conditional GAN and from the text-to-image pipeline, seeded, side by side."""
    dataset = check_dataset(dataset)
    k = check_class(class_name, dataset)
    n, seed = check_int(n, "Number of images", 1, 8), check_int(seed, "Seed", 0, MAX_SEED)
    with torch.inference_mode():
        gan = gan_sample(get_model(f"cgan-{dataset}"), n, seed, labels=[k] * n).numpy()
    diffusion = pixels(generate(_pipeline(dataset), [vocabulary(dataset).class_prompt(k)] * n, seed))
    picture_ = labelled_grid([list(gan), list(diffusion)], row_labels=["cGAN", "diffusion"], scale=3)
    return picture_, comparison_table(dataset)


def comparison_table(dataset: str, path: Path | None = None) -> str:
    """The GAN-vs-diffusion figures ``make evaluate`` measured for ``dataset`` (weights/evaluation.json)."""
    path = path or weights_dir() / "evaluation.json"
    try:
        r = next(x for x in json.loads(path.read_text()) if x["dataset"] == dataset)
        rows = [("samples judged the prompted / requested class", f"{r['text_agreement']:.1%}", f"{r['text_cgan_agreement']:.1%}"),
                ("Frechet distance to the test images (lower is better)", f"{r['text_fd']:.1f}", f"{r['text_cgan_fd']:.1f}"),
                ("classifier ≥ 90% sure", f"{r['text_confident']:.1%}", f"{r['text_cgan_confident']:.1%}"),
                ("diversity within a class (real images = 1)", f"{r['text_diversity']:.2f}", f"{r['text_cgan_diversity']:.2f}"),
                ("network evaluations per image", f"{r['text_network_evaluations']}", "1"),
                ("milliseconds per image (CPU, batch sampling)", f"{r['text_ms_per_image']:.1f}", f"{r['text_cgan_ms_per_image']:.2f}")]
    except (OSError, ValueError, KeyError, StopIteration):
        return "No evaluation of the text-to-image models yet: run `make evaluate`."
    head = f"Measured by `make evaluate` on {r['text_n']} class-prompted samples of each model:\n\n"
    return head + "| | diffusion (text-to-image) | conditional GAN |\n|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} |" for a, b, c in rows)


def on_dataset(dataset: str):
    classes = class_names(dataset)
    vocab = vocabulary(dataset)
    prompt = f"a photo of a dark {vocab.nouns[7][0]}"
    return (known_words(dataset), prompt, prompt, "\n".join(scoring.class_prompts(dataset)),
            gr.Dropdown(choices=classes, value=classes[7]), example_gallery(dataset),
            example_image(example_paths(dataset)[0]), comparison_table(dataset), _pipeline(dataset).guidance,
            "Press **Generate** to sample from this dataset's pipeline.")


def build(dataset: gr.Radio) -> None:
    start = dataset.value
    explanation(EXPLAIN.replace("{tuned}", tuned_scales()))
    gr.Image(pipeline_diagram(), label="DALL-E 2's pipeline, as built here", show_label=True, interactive=False,
             format="png", elem_id="dalle-diagram", height=260)
    words = gr.Markdown(known_words(start), elem_id="dalle-words")
    vocab = vocabulary(start)

    gr.Markdown("### Text to image")
    with gr.Row():
        prompt = gr.Textbox(f"a photo of a dark {vocab.nouns[7][0]}", label="Prompt", elem_id="dalle-prompt", scale=3)
        n = slider(1, MAX_IMAGES, value=8, step=1, label="Number of images")
        seed = seed_input(elem_id="dalle-seed")
    with gr.Row():
        steps = slider(STEPS[0], STEPS[1], value=25, step=1, label="Sampling steps",
                       info="DDIM steps; each is one (two with guidance) UNet evaluation")
        guidance = slider(GUIDANCE[0], GUIDANCE[1], value=_pipeline(start).guidance, step=0.5, label="Guidance scale w",
                          info="0: ignore the prompt · 1: plain conditional · higher: follow it harder")
    run = gr.Button("Generate", variant="primary", elem_id="dalle-run")
    shown = initial(text_to_image, prompt.value, n.value, seed.value, steps.value, guidance.value, start) or (None,) * 5
    status = gr.Markdown(shown[4], elem_id="dalle-status")
    live = picture("Denoising as it happens: x_t and the predicted x_0", "dalle-live", titled=True, value=shown[1])
    gallery = gr.Gallery(shown[0], label="Images, with the classifier's verdict", columns=8, height="auto",
                         format="png", allow_preview=False, elem_id="dalle-gallery")
    with gr.Row():
        story = picture("The first image's denoising, every few steps", "dalle-story", titled=True, value=shown[2])
        gif = animation("dalle-gif", value=shown[3])

    gr.Markdown("### Guidance: the same prompt and noise at several scales")
    with gr.Row():
        sweep_prompt = gr.Textbox(f"a photo of a dark {vocab.nouns[7][0]}", label="Prompt", scale=3)
        sweep_scales = gr.CheckboxGroup(list(SWEEP_SCALES), value=["0", "1", "3", "8"], label="Guidance scales w")
        sweep_n = slider(1, 8, value=6, step=1, label="Images per scale")
    sweep_btn = gr.Button("Sweep the guidance scale", variant="primary", elem_id="dalle-sweep")
    shown = initial(guidance_sweep, sweep_prompt.value, sweep_n.value, seed.value, steps.value, sweep_scales.value,
                    start) or (None, None)
    sweep_image = picture("Rows: guidance scale; columns: the same noise", "dalle-sweep-image", titled=True,
                          value=shown[0])
    sweep_table = gr.Markdown(shown[1], elem_id="dalle-sweep-table")

    gr.Markdown("### CLIP: an image against prompts, and prompts against images")
    with gr.Row():
        with gr.Column():
            first = str(example_paths(start)[0])
            image = image_upload(value=example_image(first), label="Image (upload any picture)", height=200,
                                 elem_id="dalle-image")
            with gr.Tabs():
                with gr.Tab("Examples"):
                    examples = gr.Gallery(example_gallery(start), columns=4, height="auto", allow_preview=False,
                                          label="Click one to use it", format="png", elem_id="dalle-examples")
                with gr.Tab("Draw"):
                    sketch = sketchpad("dalle-sketch")
                    draw_btn = gr.Button("Use my drawing")
        with gr.Column():
            prompts = gr.Textbox("\n".join(scoring.class_prompts(start)), lines=6, label="Prompts, one per line",
                                 elem_id="dalle-prompts")
            score_btn = gr.Button("Score the image against the prompts", variant="primary", elem_id="dalle-score")
            scores = gr.Label(initial(clip_scores, first, prompts.value, start), num_top_classes=10,
                              label="CLIP's probabilities (zero-shot classification)", elem_id="dalle-scores")
    with gr.Row():
        query = gr.Textbox(f"a photo of a small {vocab.nouns[0][0]}", label="Find test images for a prompt", scale=3,
                           elem_id="dalle-query")
        k = slider(1, MAX_RETRIEVE, value=16, step=1, label="Images",
                   info=f"the nearest of {RETRIEVAL_POOL:,} test images")
    retrieve_btn = gr.Button("Retrieve", variant="primary", elem_id="dalle-retrieve")
    found = gr.Gallery(initial(clip_retrieve, query.value, k.value, start), label="Nearest test images by CLIP similarity",
                       columns=8, height="auto", format="png", allow_preview=False, elem_id="dalle-found")

    gr.Markdown("### Image variations (a DALL-E 2 feature): the image above -> its CLIP embedding -> new images")
    var_btn = gr.Button("Make variations of the image", variant="primary", elem_id="dalle-variations")
    varied = gr.Gallery(initial(image_variations, first, n.value, seed.value, steps.value, guidance.value, start),
                        label="Variations, with the classifier's verdict", columns=8, height="auto", format="png",
                        allow_preview=False, elem_id="dalle-varied")

    gr.Markdown("### GANs vs diffusion, on the same class")
    classes = class_names(start)
    with gr.Row():
        wanted = gr.Dropdown(classes, value=classes[7], label="Class", allow_custom_value=True)
        versus_n = slider(1, 8, value=8, step=1, label="Images each")
        versus_seed = seed_input()
    versus_btn = gr.Button("Compare", variant="primary", elem_id="dalle-versus")
    versus_image = picture("Top: conditional GAN; bottom: diffusion", "dalle-versus-image", titled=True,
                           value=(initial(gan_vs_diffusion, wanted.value, versus_n.value, versus_seed.value, start)
                                  or (None,))[0])
    versus_table = gr.Markdown(comparison_table(start), elem_id="dalle-versus-table")

    sampling = dict(concurrency_id=CONCURRENCY, concurrency_limit=1)
    run.click(text_to_image, [prompt, n, seed, steps, guidance, dataset], [gallery, live, story, gif, status],
              api_name="text_to_image", **sampling)
    sweep_btn.click(guidance_sweep, [sweep_prompt, sweep_n, seed, steps, sweep_scales, dataset],
                    [sweep_image, sweep_table], api_name="guidance_sweep", **sampling)
    score_btn.click(clip_scores, [image, prompts, dataset], scores, api_name="clip_scores")
    retrieve_btn.click(clip_retrieve, [query, k, dataset], found, api_name="clip_retrieve")
    var_btn.click(image_variations, [image, n, seed, steps, guidance, dataset], varied, api_name="variations",
                  **sampling)
    versus_btn.click(gan_vs_diffusion, [wanted, versus_n, versus_seed, dataset], [versus_image, versus_table],
                     api_name="gan_vs_diffusion", **sampling)
    # a new image (picked, drawn, uploaded, or the other dataset's first example): its CLIP scores at once, and
    # the variations of the previous image cleared
    new_image = dict(fn=rescore, inputs=[image, prompts, dataset], outputs=[scores, varied], api_visibility="private")
    examples.select(pick_example, [dataset], [image], api_visibility="private").success(**new_image)
    draw_btn.click(use_drawing, [sketch, dataset], [image], api_visibility="private").success(**new_image)
    image.upload(**new_image)
    dataset.change(on_dataset, dataset,
                   [words, prompt, sweep_prompt, prompts, wanted, examples, image, versus_table, guidance, status],
                   api_visibility="private").success(**new_image)
    clear_on_switch(dataset, gallery, live, story, gif, sweep_image, sweep_table, found, versus_image)
