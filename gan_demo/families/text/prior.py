"""The prior: a diffusion model of CLIP image embeddings given a CLIP text embedding (DALL-E 2's second stage).

A caption fits many images ("a sneaker": which one?), so the prior samples an image embedding rather than
regressing one (a regression would land on the average of all sneakers, an embedding no image has). DALL-E 2
uses a Transformer over tokens; our text is one pooled vector, so a residual MLP over
[noisy embedding, text embedding, timestep embedding] does the same job. It predicts the clean embedding x_0.
(diffusers' ``PriorTransformer`` needs token sequences and CLIP statistics we do not have; its timestep
embedding we do use.)
"""
from __future__ import annotations

import torch
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD


class Block(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.net(h)


class Prior(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """``forward(e_t, t, text)`` -> predicted clean image embedding (B, embed_dim), in units of sqrt(embed_dim)."""

    def __init__(self, embed_dim: int = 64, width: int = 256, depth: int = 3):
        super().__init__()
        self.time = nn.Sequential(Timesteps(width, flip_sin_to_cos=True, downscale_freq_shift=0),
                                  TimestepEmbedding(width, width))
        self.inp = nn.Linear(2 * embed_dim, width)
        self.blocks = nn.Sequential(*(Block(width) for _ in range(depth)))
        self.out = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, embed_dim))
        self.null = nn.Parameter(torch.zeros(embed_dim))

    def forward(self, e: torch.Tensor, t: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(self.inp(torch.cat([e, text], 1)) + self.time(t)))
