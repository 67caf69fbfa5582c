"""The "What came next" tab's event handlers, one per named endpoint (and the dataset switch).

Each checks its inputs (``inputs.py``), runs the package's pipeline (``gan_demo.families.text``, ``.clip``) and
turns tensors into what the page shows: galleries with the classifier's verdicts, labelled grids, a GIF. A handler
with several outputs returns (or yields) them by name, {name: value}; ``layout.py`` names the components
(``outputs.Outputs``).
"""
from __future__ import annotations

from functools import cache

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.data import image_tensors, to_uint8
from gan_demo.data.captions import vocabulary
from gan_demo.device import gpu
from gan_demo.families.clip import scoring
from gan_demo.families.text.diffusion import network_evaluations
from gan_demo.families.text.generate import Step, finished, generate, noise_level, stream, stream_variations
from gan_demo.families.text.sweep import compare
from gan_demo.families.text.sweep import evaluations as sweep_evaluations
from gan_demo.images import grid, labelled_grid
from gan_demo.sampling import MAX_SEED
from gan_demo.sampling import sample as gan_sample
from ui.common import check_dataset, check_float, check_int, display, get_model
from ui.components import check_class, class_names, example_gallery, example_image, example_paths, gif_file
from ui.diagrams import SAMPLER_NAMES
from ui.widgets.denoising import DenoisingFrames
from ui.widgets.scrubber import pack_frames

from .inputs import (
    DECODER_STEPS,
    GUIDANCE,
    MAX_RETRIEVE,
    MAX_WORK,
    SWEEP_SCALES,
    check_prompt,
    check_sampling,
    clip_image,
    flow_pipeline,
    pipeline,
    prompt_lines,
    scale_value,
)
from .texts import comparison_table, known_words

LIVE_EVERY = 5  # show the denoising every few steps
RETRIEVAL_POOL = 3000  # test images searched by /clip_retrieve (embedded once per dataset, in a few seconds)


def pixels(x: torch.Tensor) -> np.ndarray:
    """Model-range images (N, 1, 28, 28) -> uint8 numpy (N, 28, 28)."""
    return to_uint8(x).numpy()


def verdicts(images: np.ndarray, dataset: str) -> list[str]:
    labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
    return explore.verdicts(labels, confidence, tuple(class_names(dataset)))


def made_by(dataset: str, seed: int, prompt: str) -> str:
    """Which model made an image, from what: for captions and alt text."""
    return f'text-{dataset}, seed {seed}, prompt "{prompt}"'


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def text_to_image(prompt: str, n: float, seed: float, steps: float, guidance: float, dataset: str,
                  progress=gr.Progress()):
    """Prompt -> CLIP text embedding -> prior -> decoder, streaming the denoising (x_t and predicted x_0) as the
    package's ``stream`` yields it; yields ``live`` and ``status`` every few steps (and empties the scrubber's
    ``frames``), then ``gallery``, ``live``, ``story``, ``gif``, ``status`` and ``frames``, every step of every
    image for the scrubber."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    n, seed, steps, guidance = check_sampling(n, seed, steps, guidance)
    model = pipeline(dataset)
    progress(0, desc="prior: text embedding -> image embedding")
    shown, frames, strip = min(n, 8), [], []
    scrub = DenoisingFrames(lambda t: noise_level(model, t))
    for made in stream(model, [prompt] * n, seed, steps, guidance):  # each step, then the Result
        if not isinstance(made, Step):
            break
        x, x0, t = made.x_t, made.x0, made.t  # every image's: one batch (n <= MAX_IMAGES)
        progress((made.index + 1, steps), desc="decoder: denoising", unit="steps")
        frames.append(grid(pixels(x), nrow=min(n, 8)))
        scrub.add(made)
        if made.index % LIVE_EVERY == 0 or made.index == steps - 1:
            strip.append((t, pixels(x[:1])[0], pixels(x0[:1])[0]))
            live = labelled_grid([list(pixels(x[:shown])), list(pixels(x0[:shown]))], scale=3,
                                 row_labels=[f"x_t, t={t}", "predicted x_0"])
            yield dict(live=live, status=f"Denoising: step {made.index + 1} of {steps} (t = {t})", frames=None)
    # the pipeline's own check: strays from the embedding decoded again (models with redraw_below)
    strays = int((made.decodes > 1).sum())
    images = pixels(made.images)
    story = labelled_grid([[s[1] for s in strip], [s[2] for s in strip]], col_labels=[f"t={s[0]}" for s in strip],
                          row_labels=["x_t", "x_0 guess"], scale=3)
    # the caption is the alt text too; "redrawn": a redraw was kept, unlike the denoising shown
    said, redrawn = made_by(dataset, seed, prompt), made.redrawn.tolist()
    gallery = [(display(img), f"#{i} {caption} ({said})" + (" · redrawn" if new else ""))
               for i, (img, caption, new) in enumerate(zip(images, verdicts(images, dataset), redrawn))]
    calls = network_evaluations(steps, guidance)  # the decoder's, per image: two on a guided step
    yield dict(gallery=gallery, live=live, story=story, gif=gif_file(np.stack(frames)), status=(
        f"**{n} images** for *{prompt}*: {steps} DDIM steps, guidance w = {guidance:g}, {calls} decoder network "
        f"evaluations per image (a GAN needs 1)"
        + (f"; {strays} strayed from {'its' if strays == 1 else 'their'} image embedding (CLIP cosine below "
           f"{model.redraw_below:g}) and {'was' if strays == 1 else 'were'} decoded again, the closest decode kept "
           f"({calls * made.decodes.float().mean().item():.3g} evaluations per image with the redraws; the denoising "
           f"above shows the first decodes, and an image marked *redrawn* replaced its own)" if strays else "")
        + ". Under each image: what the classifier sees."), frames=scrub.value())


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def guidance_sweep(prompt: str, n: float, seed: float, steps: float, scales: list, dataset: str,
                   progress=gr.Progress()) -> dict:
    """The same prompt and noise at several guidance scales: ``image``, one row per scale, ``table``, and ``frames``,
    a row per scale for the scrubber."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    if not isinstance(scales, list) or not scales:
        raise gr.Error(f"Choose at least one guidance scale among {', '.join(SWEEP_SCALES)}.")
    values = sorted({check_float(scale_value(s), "Guidance scale", *GUIDANCE) for s in scales})
    n, seed, steps, _ = check_sampling(n, seed, steps, 1.0)
    if n * steps * len(values) > 2 * MAX_WORK:
        raise gr.Error(f"{len(values)} scales x {n} images x {steps} steps is too much work for one request: keep it "
                       f"at most {2 * MAX_WORK}.")
    model = pipeline(dataset)
    rows, lines = [], []
    for w in progress.tqdm(values, desc="guidance scales"):
        # the whole pipeline at each scale: the prior (a small MLP) gives the same embeddings every time
        images = pixels(generate(model, [prompt] * n, seed, steps, w).images)
        labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
        rows.append(list(images))
        lines.append(f"| {w:g} | {(confidence >= 0.9).mean():.0%} | "
                     f"{float(np.std(images.reshape(n, -1).astype(float), axis=0).mean()):.1f} |")
    table = ("| guidance w | classifier ≥ 90% sure | pixel spread across images |\n|---|---|---|\n" + "\n".join(lines))
    alts = [f"Guidance scale w = {w:g}: the {n} images of the same prompt and noise" for w in values]
    frames = pack_frames([grid(np.stack(r), nrow=8, padding=0) for r in rows], alts, [f"w = {w:g}" for w in values],
                         every_ms=600, start=0)
    return dict(image=labelled_grid(rows, row_labels=[f"w = {w:g}" for w in values], scale=3), table=table,
                frames=frames)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def clip_scores(image, prompts: str, dataset: str) -> dict[str, float]:
    """CLIP's zero-shot classifier: the image scored against each prompt (softmax of scaled similarities)."""
    dataset = check_dataset(dataset)
    prompts = [check_prompt(p, dataset) for p in prompt_lines(prompts)]
    probs = scoring.probabilities(pipeline(dataset).clip, clip_image(image, dataset), prompts)
    return {p: float(q) for p, q in zip(prompts, probs)}


def rescore(image, prompts: str, dataset: str) -> dict:
    """A new image in the CLIP part: its ``scores`` against the prompts (cheap), and no ``varied`` of the old one
    (nor their ``varied_frames``)."""
    return dict(scores=None if image is None else clip_scores(image, prompts, dataset), varied=None,
                varied_frames=None)


@cache
def _test_embeddings(dataset: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first RETRIEVAL_POOL test images and their CLIP image embeddings, computed once per dataset."""
    images, labels = (t[:RETRIEVAL_POOL] for t in image_tensors(dataset, "test"))
    return images, labels, scoring.image_embeddings(pipeline(dataset).clip, images)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def clip_retrieve(prompt: str, k: float, dataset: str) -> list:
    """The ``k`` test images (of the first RETRIEVAL_POOL) whose CLIP embeddings are nearest the prompt's."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    k = check_int(k, "Number of images", 1, MAX_RETRIEVE)
    images, labels, embeddings = _test_embeddings(dataset)
    index, similarity = scoring.retrieve(pipeline(dataset).clip, embeddings, prompt, k)
    classes = class_names(dataset)
    return [(display(pixels(images[i:i + 1])[0]), f"{classes[labels[i]]} {s:.2f}")
            for i, s in zip(index.tolist(), similarity.tolist())]


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def image_variations(image, n: float, seed: float, steps: float, guidance: float, dataset: str) -> tuple[list, str]:
    """DALL-E 2's variations: decode several images from one image's CLIP embedding; the gallery and every
    denoising step for the scrubber."""
    dataset = check_dataset(dataset)
    x = clip_image(image, dataset)
    n, seed, steps, guidance = check_sampling(n, seed, steps, guidance)
    model = pipeline(dataset)
    scrub = DenoisingFrames(lambda t: noise_level(model, t), what="variations")
    made = finished(_keeping(stream_variations(model, x, n, seed, steps, guidance), scrub))
    images = pixels(made.images)
    said = f"a variation of the image by text-{dataset}, seed {seed}"  # the caption is the alt text too
    captions = verdicts(images, dataset)
    return [(display(img), f"#{i} {c} ({said})") for i, (img, c) in enumerate(zip(images, captions))], scrub.value()


def _keeping(steps, scrub: DenoisingFrames):
    """``steps`` (a stream) passed on, each Step's frame added to ``scrub`` on the way."""
    for made in steps:
        if isinstance(made, Step):
            scrub.add(made)
        yield made


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def gan_vs_diffusion(class_name: str, n: float, seed: float, dataset: str) -> dict:
    """The same class from the conditional GAN and from the text-to-image pipeline, seeded, side by side (``image``),
    and the ``table`` of their measures."""
    dataset = check_dataset(dataset)
    k = check_class(class_name, dataset)
    n, seed = check_int(n, "Number of images", 1, 8), check_int(seed, "Seed", 0, MAX_SEED)
    with torch.inference_mode():
        gan = gan_sample(get_model(f"cgan-{dataset}"), n, seed, labels=[k] * n).numpy()
    diffusion = pixels(generate(pipeline(dataset), [vocabulary(dataset).class_prompt(k)] * n, seed).images)
    return dict(image=labelled_grid([list(gan), list(diffusion)], row_labels=["cGAN", "diffusion"], scale=3),
                table=comparison_table(dataset))


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def compare_decoders(prompt: str, n: float, seed: float, steps: float, dataset: str) -> dict:
    """One prompt's image embeddings decoded by every decoder and sampler of the dataset at ``steps`` steps, from
    the same noise: ``image`` (a row each) and ``table`` (evaluations, measured ms, the classifier's confidence)."""
    dataset = check_dataset(dataset)
    prompt = check_prompt(prompt, dataset)
    n, seed = check_int(n, "Number of images", 1, 8), check_int(seed, "Seed", 0, MAX_SEED)
    steps = check_int(steps, "Sampling steps", *DECODER_STEPS)
    flow = flow_pipeline(dataset)
    rows = compare([pipeline(dataset)] + ([flow] if flow is not None else []), prompt, n, seed, steps)
    pictures, lines = [], []
    for solver, images, ms in rows:
        images = pixels(images)
        _, confidence = explore.classify(get_model(f"classifier-{dataset}"), images)
        pictures.append(list(images))
        calls = sweep_evaluations(solver, steps, pipeline(dataset).guidance)
        lines.append(f"| {SAMPLER_NAMES[solver]} | {calls} | {ms:.1f} | {(confidence >= 0.9).mean():.0%} |")
    note = ("" if flow is not None else "\n\nOnly Fashion-MNIST has a flow-matching decoder here: switch the dataset "
            "to set the two side by side.")
    table = (f"*{prompt}*, seed {seed}, {steps} step{'s' if steps > 1 else ''} each (the same image embeddings and "
             "noise for every row):\n\n| decoder, sampler | network evaluations per image | ms per image (measured "
             "now) | classifier ≥ 90% sure |\n|---|---:|---:|---:|\n" + "\n".join(lines) + note)
    return dict(image=labelled_grid(pictures, row_labels=[SAMPLER_NAMES[r[0]] for r in rows], scale=3), table=table)


def on_dataset(dataset: str) -> dict:
    """The other dataset's words, prompts, classes, examples, table and guidance; the results wait for Generate."""
    classes = class_names(dataset)
    vocab = vocabulary(dataset)
    prompt = f"a photo of a dark {vocab.nouns[7][0]}"
    return dict(words=known_words(dataset), prompt=prompt, sweep_prompt=prompt, decoders_prompt=prompt,
                prompts="\n".join(scoring.class_prompts(dataset)),
                wanted=gr.Dropdown(choices=classes, value=classes[7]), examples=example_gallery(dataset),
                image=example_image(example_paths(dataset)[0]), versus_table=comparison_table(dataset),
                guidance=pipeline(dataset).guidance, status="Press **Generate** to sample from this dataset's pipeline.")


