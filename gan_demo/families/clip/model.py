"""CLIP in miniature (Radford et al., 2021): an image encoder and a text encoder that meet in one embedding space.

Both map to unit vectors of ``embed_dim``; the similarity of an image and a caption is their dot product times a
learned temperature. Training pulls each image towards its own caption and away from the others in the batch
(:func:`contrastive_loss`), so a caption's embedding lands near the embeddings of the images it describes. That
is what lets the rest of the pipeline turn words into images, and what zero-shot classification reads off:
the class whose prompt ("a photo of a sneaker") is most similar to the image.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD
from .tokenizer import Tokenizer


def image_encoder(width: int, embed_dim: int) -> nn.Sequential:
    """(B, 1, 28, 28) -> (B, embed_dim): four convolutions, GroupNorm, global average pooling."""
    def block(c_in, c_out, stride):
        return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), nn.GroupNorm(math.gcd(8, c_out), c_out), nn.GELU()]
    return nn.Sequential(*block(1, width, 1), *block(width, 2 * width, 2), *block(2 * width, 4 * width, 2),  # 7x7
                         *block(4 * width, 4 * width, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(4 * width, embed_dim))


class TextEncoder(nn.Module):
    """Token ids (B, L) -> (B, embed_dim): word and position embeddings, a small Transformer, mean over words."""

    def __init__(self, vocab_size: int, max_words: int, width: int, layers: int, heads: int, embed_dim: int):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, width)
        self.positions = nn.Parameter(torch.randn(max_words, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pad = ids == 0
        h = self.transformer(self.tokens(ids) + self.positions[: ids.shape[1]], src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.proj(self.norm((h * keep).sum(1) / keep.sum(1).clamp(min=1)))


class CLIP(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Image and text encoders into one space; ``forward(images, ids)`` scores every image against every text:
    logits (n_images, n_texts), the scaled cosine similarities."""

    def __init__(self, words: list[str], max_words: int = 10, embed_dim: int = 64, width: int = 32,
                 text_width: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        self.embed_dim = embed_dim
        self.tokenizer = Tokenizer(words, max_words)
        self.image = image_encoder(width, embed_dim)
        self.text = TextEncoder(len(self.tokenizer), max_words, text_width, layers, heads, embed_dim)
        self.log_temperature = nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # CLIP's initial 1/0.07

    @property
    def scale(self) -> torch.Tensor:
        return self.log_temperature.clamp(max=math.log(100)).exp()

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """Unit-length image embeddings (B, embed_dim) of images in [-1, 1]."""
        return F.normalize(self.image(images), dim=-1)

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        """Unit-length text embeddings (B, embed_dim) of token ids."""
        return F.normalize(self.text(ids), dim=-1)

    def encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        """Text embeddings of prompts; a clear ValueError for unknown words."""
        return self.encode_text(self.tokenizer.encode(prompts).to(self.log_temperature.device))

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.scale * self.encode_image(images) @ self.encode_text(ids).T


def contrastive_loss(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """CLIP's symmetric InfoNCE over a batch of (image, caption) pairs, with several positives per row.

    ``logits[i, j]`` scores image i against caption j. Plain InfoNCE treats only the diagonal as right; here every
    caption identical to image i's own (same ids) is right too, with the target probability shared among them,
    so two images both captioned "a sneaker" are not pushed apart. Averaged over both directions.
    """
    same = (ids.unsqueeze(1) == ids.unsqueeze(0)).all(-1).float()
    targets = same / same.sum(1, keepdim=True)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets.T)) / 2
