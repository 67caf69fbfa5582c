"""Seeded text-to-image sampling with the pipeline: the same prompt, seed, steps and guidance give the same images.

All noise is drawn up front from one CPU ``torch.Generator`` seeded with ``seed`` (the prior's noise, then the
decoder's), so results do not depend on the device or on how the images are batched.
"""
from __future__ import annotations

import torch

from ...data import to_uint8
from ...data.captions import VOCABULARIES, vocabulary
from .diffusion import StepCallback
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


def generate(model: TextToImage, prompts: list[str], seed: int, steps: int | None = None,
             guidance: float | None = None, callback: StepCallback | None = None) -> torch.Tensor:
    """Images (len(prompts), 1, 28, 28) in [-1, 1] on the CPU, one per prompt.

    ``callback(i, t, x_t, x0_pred)`` sees each decoder step of the first batch (the live view).
    """
    return generate_counted(model, prompts, seed, steps, guidance, callback)[0]


@torch.inference_mode()
def generate_counted(model: TextToImage, prompts: list[str], seed: int, steps: int | None = None,
                     guidance: float | None = None, callback: StepCallback | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`generate`'s images, and how many times the decoder drew each (B,): more than 1 where it was redrawn."""
    check_settings(steps, guidance)
    text = text_embeddings(model, prompts)
    prior_noise, image_noise = noises(model, len(prompts), seed)

    def embed(part: slice) -> torch.Tensor:  # the prior's image embeddings for the batch's prompts
        return model.image_embedding(text[part], prior_noise[part].to(model.device), steps)

    return decode_in_batches(model, embed, image_noise, redraw_noises(model, len(prompts), seed), steps, guidance,
                             callback, text)


@torch.inference_mode()
def decode_images(model: TextToImage, images: torch.Tensor, seed: int, steps: int | None = None,
                  guidance: float | None = None) -> torch.Tensor:
    """One image decoded from each image's own CLIP embedding (the prior bypassed; a batched variation): what the
    decoder alone makes of real embeddings. The image noise is ``seed``'s, as in :func:`generate`."""
    check_settings(steps, guidance)
    _, image_noise = noises(model, len(images), seed)
    return decode_in_batches(model, lambda part: model.clip.encode_image(images[part].to(model.device)), image_noise,
                             redraw_noises(model, len(images), seed), steps, guidance)[0]


def decode_in_batches(model: TextToImage, embed, image_noise: torch.Tensor, redraw: torch.Tensor, steps: int | None,
                      guidance: float | None, callback: StepCallback | None = None,
                      text: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The decoder over ``image_noise`` (N, 1, 28, 28) in batches of MAX_BATCH, ``embed(part)`` giving each batch's
    image embeddings (and ``text`` the prompts' text embeddings, if any); ``callback`` sees the first batch's steps;
    strays are decoded again from ``redraw`` (:func:`redraw_noises`) where the model asks for it (``redraw_below``;
    :func:`redraw_strays` leaves the images be otherwise). Returns the images in [-1, 1] on the CPU and how many
    times each was decoded."""
    out, decodes = [], []
    for start in range(0, len(image_noise), MAX_BATCH):
        part = slice(start, start + MAX_BATCH)
        embedding, caption = embed(part), None if text is None else text[part]
        images = model.decode(embedding, image_noise[part].to(model.device), steps, guidance,
                              callback if start == 0 else None, caption).cpu()
        images, count = redraw_strays(model, images, embedding, redraw[:, part], steps, guidance, caption)
        out.append(images)
        decodes.append(count)
    return torch.cat(out), torch.cat(decodes)


@torch.inference_mode()
def variations(model: TextToImage, image: torch.Tensor, n: int, seed: int, steps: int | None = None,
               guidance: float | None = None) -> torch.Tensor:
    """DALL-E 2's image variations: n images decoded from the CLIP embedding of ``image`` (1, 1, 28, 28)."""
    check_settings(steps, guidance)
    embedding = model.clip.encode_image(image.to(model.device)).expand(n, -1)
    _, image_noise = noises(model, n, seed)
    images = model.decode(embedding, image_noise.to(model.device), steps, guidance).cpu()
    return redraw_strays(model, images, embedding, redraw_noises(model, n, seed), steps, guidance)[0]


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
    return to_uint8(generate(model, prompts, seed, steps, guidance))
