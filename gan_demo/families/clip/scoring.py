"""What CLIP is used for once trained: zero-shot classification, scoring an image against prompts, retrieval."""
from __future__ import annotations

import torch

from ...data.captions import vocabulary
from .model import CLIP


def class_prompts(dataset: str) -> list[str]:
    vocab = vocabulary(dataset)
    return [vocab.class_prompt(c) for c in range(len(vocab.nouns))]


@torch.inference_mode()
def image_embeddings(model: CLIP, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Unit image embeddings (N, d) on the CPU of images (N, 1, 28, 28) in [-1, 1]."""
    device = model.log_temperature.device
    return torch.cat([model.encode_image(x.to(device)).cpu() for x in images.split(batch)])


@torch.inference_mode()
def probabilities(model: CLIP, image: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    """softmax over prompts of the image's scaled similarities (CLIP's zero-shot classifier); (len(prompts),)."""
    text = model.encode_prompts(prompts).cpu()
    return (model.scale.cpu() * image_embeddings(model, image) @ text.T).softmax(-1)[0]


@torch.inference_mode()
def zero_shot(model: CLIP, dataset: str, images: torch.Tensor) -> torch.Tensor:
    """The class whose prompt ("a photo of a sneaker") each image is most similar to."""
    text = model.encode_prompts(class_prompts(dataset)).cpu()
    return (image_embeddings(model, images) @ text.T).argmax(1)


@torch.inference_mode()
def retrieve(model: CLIP, embeddings: torch.Tensor, prompt: str, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices and cosine similarities of the ``k`` image embeddings nearest to the prompt's text embedding."""
    text = model.encode_prompts([prompt]).cpu()[0]
    similarity, index = (embeddings @ text).topk(k)
    return index, similarity
