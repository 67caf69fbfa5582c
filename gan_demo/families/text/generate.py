"""Seeded text-to-image sampling with the pipeline: the same prompt, seed, steps and guidance give the same images.

The pipeline is written once, as :func:`stream`: a generator that yields each denoising step and then the result
(as diffusers' pipelines call ``callback_on_step_end``). :func:`generate`, the variations, ``make evaluate`` and the
tab all consume it; the tab shows the steps as they come.

All noise is drawn up front from one CPU ``torch.Generator`` seeded with ``seed`` (the prior's noise, then the
decoder's), so results do not depend on the device or on how the images are batched.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from ...data import to_uint8
from ...data.captions import VOCABULARIES, vocabulary
from .model import TextToImage

MAX_BATCH = 64  # images denoised together (twice that with guidance)
REDRAW_TRIES = 2  # fresh decodes at most for an image that strays from its embedding (model.redraw_below)
STEPS = (2, 100)  # DDIM steps allowed
GUIDANCE = (0.0, 15.0)  # guidance scales allowed (1: plain conditional sampling; 0: unconditional)


def check_settings(steps: int | None, guidance: float | None) -> None:
    """A clear ValueError for sampling settings out of range (None means the model's default)."""
    if steps is not None and not (isinstance(steps, int) and STEPS[0] <= steps <= STEPS[1]):
        raise ValueError(f"steps must be a whole number from {STEPS[0]} to {STEPS[1]}, got {steps!r}")
    if guidance is not None and not GUIDANCE[0] <= guidance <= GUIDANCE[1]:
        raise ValueError(f"guidance must be between {GUIDANCE[0]:g} and {GUIDANCE[1]:g}, got {guidance!r}")


def seeded_draws(model: TextToImage, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Generator]:
    """``seed``'s generator after its first two draws, the prior noise (n, d) and the image noise (n, 1, 28, 28),
    returned with them: every later draw (the redraws') comes after those, so adding one never changes them."""
    rng = torch.Generator().manual_seed(seed)
    return torch.randn(n, model.embed_dim, generator=rng), torch.randn(n, 1, 28, 28, generator=rng), rng


def noises(model: TextToImage, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(prior noise (n, d), image noise (n, 1, 28, 28)), from ``seed``, on the CPU."""
    return seeded_draws(model, n, seed)[:2]


def redraw_noises(model: TextToImage, n: int, seed: int) -> torch.Tensor:
    """The image noise of each redraw (REDRAW_TRIES, n, 1, 28, 28), drawn after :func:`noises` from the same
    generator, so ``seed`` fixes every image whichever are redrawn and however they are batched."""
    return torch.randn(REDRAW_TRIES, n, 1, 28, 28, generator=seeded_draws(model, n, seed)[2])


def faithfulness(model: TextToImage, images: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
    """Cosine similarity (B,) between the CLIP embeddings of decoded ``images`` and the unit ``embedding`` each was
    decoded from: near 1 when the decoder drew what it was asked for."""
    return (model.clip.encode_image(images) * embedding).sum(dim=1)


def redraw_strays(model: TextToImage, images: torch.Tensor, embedding: torch.Tensor, noise: torch.Tensor,
                  steps: int | None, guidance: float | None,
                  text: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The decoder checked against its condition: an image whose :func:`faithfulness` is below the model's
    ``redraw_below`` is decoded again from each of ``noise``'s draws (tries, B, 1, 28, 28) in turn, keeping the
    most faithful decode, until it passes. The prior's embedding is kept: the check catches the decoder's rare
    strays (a prompted 7 drawn as a 2 from an embedding that CLIP reads as a 7), not the prior's choices.
    Returns the images and how many times each was decoded (B,): 1, or more for the strays (what redrawing costs)."""
    decodes = torch.ones(len(images), dtype=torch.long)
    if model.redraw_below is None:
        return images, decodes
    images = images.clone()
    score = faithfulness(model, images.to(embedding.device), embedding).cpu()
    for retry in noise:
        stray = torch.nonzero(score < model.redraw_below).flatten()
        if len(stray) == 0:
            break
        where = stray.to(embedding.device)
        new = model.decode(embedding[where], retry[stray].to(embedding.device), steps, guidance,
                           text=None if text is None else text[where])
        new_score = faithfulness(model, new, embedding[where]).cpu()
        decodes[stray] += 1
        better = new_score > score[stray]
        images[stray[better]] = new[better.to(new.device)].cpu()
        score[stray[better]] = new_score[better]
    return images, decodes


@torch.inference_mode()
def text_embeddings(model: TextToImage, prompts: list[str]) -> torch.Tensor:
    """Unit CLIP text embeddings, one per prompt (each distinct prompt encoded once); unknown words raise."""
    distinct = list(dict.fromkeys(prompts))
    table = model.clip.encode_prompts(distinct)
    return table[torch.tensor([distinct.index(p) for p in prompts], device=table.device)]


@dataclass
class Step:
    """One DDIM step of the decoder's first decode of images ``start`` to ``start + len(x_t)`` (one batch of at most
    MAX_BATCH), on the model's device: a frame of the denoising. The last step's x_t, clamped, is the first decode."""

    index: int  # 0 .. steps - 1
    steps: int
    t: int  # the timestep just denoised, noisiest first
    start: int
    x_t: torch.Tensor  # (B, 1, 28, 28) after the step
    x0: torch.Tensor  # (B, 1, 28, 28) the predicted clean images


@dataclass
class Result:
    """The finished images, in [-1, 1] on the CPU, and what the decoder's self-check did to them."""

    images: torch.Tensor  # (N, 1, 28, 28), the strays redrawn (models with redraw_below)
    decodes: torch.Tensor  # (N,) how many times the decoder drew each: 1, more for a stray (what redrawing costs)
    first: torch.Tensor  # (N, 1, 28, 28) the first decodes, the ones the Steps showed

    @property
    def redrawn(self) -> torch.Tensor:
        """(N,) bool: the images whose kept decode is a redraw, not the first decode the denoising showed."""
        return (self.images != self.first).flatten(1).any(1)


@torch.inference_mode()
def stream(model: TextToImage, prompts: list[str] | None, seed: int, steps: int | None = None,
           guidance: float | None = None, *, image_embeddings: torch.Tensor | None = None) -> Iterator[Step | Result]:
    """The pipeline, written once: yields a :class:`Step` after each denoising step, then the :class:`Result`.

    ``prompts`` (N) go through CLIP's text encoder and the prior; or, given unit ``image_embeddings`` (N, d) instead
    (prompts None), the decoder alone decodes them (variations). Images are made in batches of MAX_BATCH from
    ``seed``'s noise (:func:`noises`), and the strays among them decoded again from its redraw noise
    (:func:`redraw_noises`, :func:`redraw_strays`): the same seed gives the same images however they are consumed.
    """
    if (prompts is None) == (image_embeddings is None):
        raise ValueError("give the prompts or the image embeddings to decode, one of the two")
    check_settings(steps, guidance)
    n = len(prompts) if prompts is not None else len(image_embeddings)
    text = None if prompts is None else text_embeddings(model, prompts)
    prior_noise, image_noise = noises(model, n, seed)
    redraw = redraw_noises(model, n, seed)
    images, decodes, first = [], [], []
    for start in range(0, n, MAX_BATCH):
        part = slice(start, start + MAX_BATCH)
        caption = None if text is None else text[part]
        embedding = (model.image_embedding(caption, prior_noise[part].to(model.device), steps) if text is not None
                     else image_embeddings[part].to(model.device))
        for i, t, x, x0 in model.decode_steps(embedding, image_noise[part].to(model.device), steps, guidance,
                                              text=caption):
            yield Step(i, steps or model.steps, t, start, x, x0)
        drawn = x.clamp(-1, 1).cpu()  # the last x_t: model.decode's image
        kept, count = redraw_strays(model, drawn, embedding, redraw[:, part], steps, guidance, caption)
        images.append(kept)
        decodes.append(count)
        first.append(drawn)
    yield Result(torch.cat(images), torch.cat(decodes), torch.cat(first))


def finished(steps: Iterator[Step | Result]) -> Result:
    """The :class:`Result` at the end of a :func:`stream`, its steps passed over (none kept: they hold tensors)."""
    return deque(steps, maxlen=1)[0]


def generate(model: TextToImage, prompts: list[str], seed: int, steps: int | None = None,
             guidance: float | None = None) -> Result:
    """One image per prompt (``.images``, (len(prompts), 1, 28, 28) in [-1, 1] on the CPU): :func:`stream` run
    to its end."""
    return finished(stream(model, prompts, seed, steps, guidance))


@torch.inference_mode()
def decode_images(model: TextToImage, images: torch.Tensor, seed: int, steps: int | None = None,
                  guidance: float | None = None) -> Result:
    """One image decoded from each image's own CLIP embedding (the prior bypassed; a batched variation): what the
    decoder alone makes of real embeddings. The image noise is ``seed``'s, as in :func:`generate`."""
    embeddings = torch.cat([model.clip.encode_image(images[start:start + MAX_BATCH].to(model.device))
                            for start in range(0, len(images), MAX_BATCH)])
    return finished(stream(model, None, seed, steps, guidance, image_embeddings=embeddings))


@torch.inference_mode()
def stream_variations(model: TextToImage, image: torch.Tensor, n: int, seed: int, steps: int | None = None,
                      guidance: float | None = None) -> Iterator[Step | Result]:
    """DALL-E 2's image variations as a :func:`stream`: n images decoded from the CLIP embedding of ``image``
    (1, 1, 28, 28), each denoising step yielded, then the :class:`Result`."""
    embedding = model.clip.encode_image(image.to(model.device)).expand(n, -1)
    return stream(model, None, seed, steps, guidance, image_embeddings=embedding)


def variations(model: TextToImage, image: torch.Tensor, n: int, seed: int, steps: int | None = None,
               guidance: float | None = None) -> Result:
    """DALL-E 2's image variations: the :class:`Result` of :func:`stream_variations`."""
    return finished(stream_variations(model, image, n, seed, steps, guidance))


def noise_level(model: TextToImage, t: int) -> float:
    """How much of the decoder's x_t is noise at timestep ``t``: sqrt(1 - alpha_bar_t), 1 pure noise, 0 clean."""
    return float((1 - model.image_noising.alphas_cumprod[t]).sqrt())


def dataset_of(model: TextToImage) -> str:
    """The dataset whose captions the model's vocabulary holds."""
    for name, vocab in VOCABULARIES.items():
        if set(vocab.words()) == set(model.tokenizer.words[1:]):
            return name
    raise ValueError("the model's vocabulary is not one of the datasets' caption vocabularies")


def class_prompts(model: TextToImage, labels: torch.Tensor) -> list[str]:
    """The class prompt ("a photo of a sneaker") for each label, in the words of the model's dataset."""
    vocab = vocabulary(dataset_of(model))
    return [vocab.class_prompt(label) for label in labels.tolist()]


def sample(model: TextToImage, n: int, seed: int, labels: torch.Tensor | None, prompt: str | None = None,
           steps: int | None = None, guidance: float | None = None) -> torch.Tensor:
    """The registry's sampler: ``n`` uint8 images (n, 28, 28) for ``prompt``, or for the class prompts of ``labels``."""
    prompts = [prompt] * n if prompt is not None else class_prompts(model, labels)
    return to_uint8(generate(model, prompts, seed, steps, guidance).images)
