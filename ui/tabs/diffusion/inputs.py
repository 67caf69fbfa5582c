"""The "What came next" tab's input checks: every value a handler gets, from the page or the API, checked here.

A bad value raises a gr.Error that says what is allowed; the caps on images x steps keep one request within a few
seconds of CPU, so a class sharing a 2-core Space keeps being served.
"""
from __future__ import annotations

import gradio as gr
import torch

from gan_demo.data import to_model_range
from gan_demo.families.text.generate import GUIDANCE, STEPS
from gan_demo.registry import pretrained_names
from gan_demo.sampling import MAX_SEED
from ui.common import check_float, check_int, get_model
from ui.components import load_upload

MAX_IMAGES = 16
MAX_WORK = MAX_IMAGES * 50  # images x steps per request: keeps one request within a few seconds of CPU
SWEEP_SCALES = ("0", "1", "2", "3", "5", "8")
MAX_RETRIEVE = 32
DECODER_STEPS = (1, 50)  # the decoders' comparison: from one step (a GAN's budget) to twice the default


def pipeline(dataset: str):
    """The dataset's text-to-image pipeline (CLIP, prior, decoder), loaded once per process."""
    return get_model(f"text-{dataset}")


def flow_pipeline(dataset: str):
    """The dataset's pipeline with the flow-matching decoder, or None where none ships (MNIST)."""
    name = f"text-flow-{dataset}"
    return get_model(name) if name in pretrained_names() else None


def check_prompt(prompt, dataset: str) -> str:
    """The prompt, or a gr.Error naming unknown words and listing the known ones."""
    if not isinstance(prompt, str):
        raise gr.Error(f"The prompt must be text, got {prompt!r}.")
    try:
        pipeline(dataset).tokenizer.check(prompt)
    except ValueError as err:
        raise gr.Error(f"{err}.") from err
    return prompt.strip()


def check_sampling(n, seed, steps, guidance) -> tuple[int, int, int, float]:
    """Number of images, seed, DDIM steps and guidance scale, each in range and images x steps capped."""
    n, seed = check_int(n, "Number of images", 1, MAX_IMAGES), check_int(seed, "Seed", 0, MAX_SEED)
    steps = check_int(steps, "Sampling steps", *STEPS)
    guidance = check_float(guidance, "Guidance scale", *GUIDANCE)
    if n * steps > MAX_WORK:
        raise gr.Error(f"{n} images x {steps} steps is too much work for one request on this server: keep images x "
                       f"steps at most {MAX_WORK} (e.g. {MAX_IMAGES} images at {MAX_WORK // MAX_IMAGES} steps).")
    return n, seed, steps, guidance


def scale_value(value) -> float:
    """A guidance scale from the sweep's checkboxes (sent as text) as a number, or a gr.Error."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"Guidance scales must be numbers, got {value!r}.") from None


def prompt_lines(text) -> list[str]:
    """CLIP's prompts, one per line (1 to 20), or a gr.Error."""
    if not isinstance(text, str):
        raise gr.Error(f"Prompts must be text, one per line, got {text!r}.")
    prompts = [line.strip() for line in text.splitlines() if line.strip()]
    if not prompts:
        raise gr.Error("Type at least one prompt, one per line.")
    if len(prompts) > 20:
        raise gr.Error(f"At most 20 prompts, got {len(prompts)}.")
    return prompts


def clip_image(path, dataset: str) -> torch.Tensor:
    """An uploaded, drawn or example image as a model-range batch of one (1, 1, 28, 28), checked by load_upload."""
    return to_model_range(torch.from_numpy(load_upload(path, dataset))[None])

