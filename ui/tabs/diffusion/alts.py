"""What each picture of the What came next tab shows, in words: its alt text, from the settings that made it
(the galleries need none: their captions are their alt text)."""
from __future__ import annotations

from gan_demo.data.captions import vocabulary
from ui.components import class_names


def denoising_alt(prompt, n, seed, steps, guidance, dataset) -> str:
    """The live picture and the first image's story (and its GIF)."""
    return (f'text-{dataset} denoising "{prompt}", seed {int(seed)}, {int(steps)} steps, guidance {guidance:g}: '
            "x_t, the noisy image, above the predicted x_0")


def sweep_alt(prompt, n, seed, steps, scales, dataset) -> str:
    shown = ", ".join(sorted(scales or [], key=float))
    return (f'text-{dataset}: "{prompt}", {int(n)} images of seed {int(seed)} in a row for each guidance scale '
            f"({shown})")


def versus_alt(class_name, n, seed, dataset) -> str:
    prompt = vocabulary(dataset).class_prompt(class_names(dataset).index(class_name))
    return (f"Top row: {int(n)} images of cgan-{dataset} asked for {class_name}; bottom row: {int(n)} of "
            f'text-{dataset} for "{prompt}"; both seed {int(seed)}')


def decoders_alt(prompt, n, seed, steps, dataset) -> str:
    return (f'"{prompt}" decoded by each decoder and sampler of text-{dataset} (and text-flow-{dataset} where it '
            f"ships) at {int(steps)} steps: a row of {int(n)} images each, seed {int(seed)}")
